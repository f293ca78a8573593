import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { validateIssNow } from '../../src/sources/issNow';
import { issNowBody } from '../support/fakeOpenNotify';

const NOW = 1_763_900_000;

describe('validateIssNow', () => {
  it('accepts string or number coordinates', () => {
    assert.deepEqual(validateIssNow(issNowBody('-44.4759', '120.1234', NOW), NOW), { latitude: -44.4759, longitude: 120.1234, timestamp: NOW });
    assert.deepEqual(validateIssNow(issNowBody(90, -180, NOW), NOW), { latitude: 90, longitude: -180, timestamp: NOW });
  });
  const bad: [string, unknown, RegExp][] = [
    ['NaN', issNowBody('NaN', '0', NOW), /latitude" must be a decimal number, got "NaN"/],
    ['Infinity', issNowBody('Infinity', '0', NOW), /must be a decimal number/],
    ['1e309', issNowBody('1e309', '0', NOW), /must be a decimal number/],
    ['empty string', issNowBody('', '0', NOW), /must be a decimal number/],
    ['latitude out of range', issNowBody('90.1', '0', NOW), /latitude" 90\.1 is outside ±90/],
    ['longitude out of range', issNowBody('0', '-181', NOW), /longitude" -181 is outside ±180/],
    ['position missing', { message: 'success', timestamp: NOW }, /"iss_position" must be an object/],
    ['timestamp string', issNowBody('0', '0', String(NOW)), /"timestamp" must be a positive integer/],
    ['timestamp zero', issNowBody('0', '0', 0), /positive integer, got 0/],
    ['timestamp float', issNowBody('0', '0', NOW + 0.5), /positive integer/],
    ['timestamp in the future', issNowBody('0', '0', NOW + 3600), /"timestamp" \d+ is 3600s in the future/],
  ];
  for (const [name, body, re] of bad) it(`refuses ${name}`, () => assert.throws(() => validateIssNow(body, NOW), re));
  it('tolerates 5 minutes of clock skew', () => {
    assert.equal(validateIssNow(issNowBody('0', '0', NOW + 299), NOW).timestamp, NOW + 299);
  });
});
