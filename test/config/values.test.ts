import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseBytes, parseCount, parseDuration, parseLabel } from '../../src/config/values';

describe('parseDuration', () => {
  it('accepts ms, s, m and h, with fractions', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('1m'), 60_000);
    assert.equal(parseDuration('2h'), 7_200_000);
  });
  for (const bad of ['', '5', '5x', '-1s', '0s', '0ms', 's', '1e3ms', '25h', '5 s s']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => parseDuration(bad), /duration/));
  }
});

describe('parseBytes', () => {
  it('accepts plain bytes and binary or decimal units', () => {
    assert.equal(parseBytes('65536'), 65536);
    assert.equal(parseBytes('512KiB'), 512 * 1024);
    assert.equal(parseBytes('1MiB'), 1024 * 1024);
    assert.equal(parseBytes('2MB'), 2_000_000);
    assert.equal(parseBytes('1GiB'), 1024 ** 3);
  });
  for (const bad of ['', 'lots', '1.5MiB', '-1', '10', '2GiB', '1 TiB']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => parseBytes(bad), /size/));
  }
});

describe('parseCount', () => {
  it('accepts whole numbers in range only', () => {
    assert.equal(parseCount('0', 0, 10), 0);
    assert.equal(parseCount('10', 0, 10), 10);
    for (const bad of ['11', '-1', '1.5', 'two', '']) assert.throws(() => parseCount(bad, 0, 10), /whole number from 0 to 10/);
  });
});

describe('parseLabel', () => {
  it('splits at the first = and keeps the rest of the value', () => {
    assert.deepEqual(parseLabel('site=a=b c', {}), ['site', 'a=b c']);
  });
  it('validates the name and refuses reserved or empty', () => {
    assert.throws(() => parseLabel('1x=a', {}), /must match/);
    assert.throws(() => parseLabel('a-b=a', {}), /must match/);
    assert.throws(() => parseLabel('__x=a', {}), /reserved/);
    assert.throws(() => parseLabel('endpoint=a', { endpoint: "is used by the exporter's own series" }), /exporter's own series/);
    assert.throws(() => parseLabel('site=', {}), /empty value/);
    assert.throws(() => parseLabel('site', {}), /name=value/);
    assert.throws(() => parseLabel('=x', {}), /name=value/);
  });
});
