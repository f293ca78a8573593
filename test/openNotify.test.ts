import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { cleanLabelText, fetchEndpoint, validateAstros, validateIssNow, type CollectDeps } from '../src/openNotify';
import { backoffMs } from '../src/retry';
import { astrosBody, issNowBody, PEOPLE, startFakeApi, type FakeApi } from './fakeOpenNotify';

const NOW = 1_763_900_000;

describe('validateAstros', () => {
  it('accepts the API shape', () => {
    assert.deepEqual(validateAstros(astrosBody()), { number: 3, people: PEOPLE });
    assert.deepEqual(validateAstros(astrosBody([], 0)), { number: 0, people: [] });
  });
  const bad: [string, unknown, RegExp][] = [
    ['not an object', [], /not a JSON object/],
    ['null', null, /not a JSON object/],
    ['message error', { message: 'error', reason: 'x' }, /"message" is "error"/],
    ['message missing', { number: 1, people: [] }, /"message" is missing/],
    ['number negative', astrosBody(PEOPLE, -1), /non-negative integer, got -1/],
    ['number float', astrosBody(PEOPLE, 2.5), /got 2\.5/],
    ['number string', astrosBody(PEOPLE, '3' as unknown as number), /got "3"/],
    ['number huge', astrosBody(PEOPLE, 1e300), /got 1e\+300/],
    ['people missing', { message: 'success', number: 0 }, /"people" must be an array/],
    ['craft missing', astrosBody([{ name: 'A' } as never]), /"people\[0\]" must have string "name" and "craft"/],
    ['name a number', astrosBody([{ name: 1, craft: 'ISS' } as never]), /people\[0\]/],
  ];
  for (const [name, body, re] of bad) it(`refuses ${name}`, () => assert.throws(() => validateAstros(body), re));
});

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

describe('cleanLabelText', () => {
  it('replaces control characters and cuts long text', () => {
    assert.equal(cleanLabelText('a\nb\rc\u0000d\u007f'), 'a\ufffdb\ufffdc\ufffdd\ufffd');
    assert.equal(cleanLabelText('quote " and \\ stay'), 'quote " and \\ stay');
    const long = cleanLabelText('🚀'.repeat(1000));
    assert.equal(Array.from(long).length, 256);
    assert.ok(long.endsWith('🚀…'), 'cut on a character boundary, not inside a surrogate pair');
  });
});

describe('backoffMs', () => {
  it('grows exponentially with jitter between half and all of the step, capped at 4 s', () => {
    assert.equal(backoffMs(1, () => 0), 125);
    assert.equal(backoffMs(1, () => 1), 250);
    assert.equal(backoffMs(3, () => 1), 1000);
    assert.equal(backoffMs(10, () => 1), 4000);
    assert.equal(backoffMs(10, () => 0), 2000);
  });
});

describe('fetchEndpoint', () => {
  let api: FakeApi;
  before(async () => {
    api = await startFakeApi();
  });
  after(() => api.close());
  const sleeps: number[] = [];
  const deps: CollectDeps = {
    now: () => Date.now(),
    userAgent: 'test',
    debug: () => undefined,
    sleep: async (ms) => void sleeps.push(ms),
  };
  const cfg = () => ({ apiUrl: api.url, timeoutMs: 2000, retries: 3, maxBodyBytes: 1024 * 1024 });

  it('retries 5xx with backoff and reports attempts and their times', async () => {
    sleeps.length = 0;
    api.set('/astros.json', { kind: 'raw', status: 500, body: '' }, { kind: 'raw', status: 502, body: '' }, { kind: 'json', body: astrosBody() });
    const o = await fetchEndpoint('astros', cfg(), deps);
    assert.equal(o.ok, true);
    assert.equal(o.attempts, 3);
    assert.equal(o.attemptSeconds.length, 3);
    assert.equal(sleeps.length, 2);
    assert.ok(sleeps[0]! >= 125 && sleeps[0]! <= 250 && sleeps[1]! >= 250 && sleeps[1]! <= 500, String(sleeps));
  });

  it('gives up after 1 + retries attempts with the last reason', async () => {
    api.set('/astros.json', { kind: 'raw', status: 503, body: '' });
    const o = await fetchEndpoint('astros', { ...cfg(), retries: 1 }, deps);
    assert.deepEqual([o.ok, o.attempts, o.ok ? '' : o.reason], [false, 2, 'HTTP 503: an empty body (after 2 attempts)']);
  });

  it('does not retry invalid data', async () => {
    api.set('/iss-now.json', { kind: 'json', body: issNowBody('NaN') });
    const o = await fetchEndpoint('iss_now', cfg(), deps);
    assert.equal(o.attempts, 1);
    assert.equal(o.ok, false);
  });

  it('works with a base URL that has a path', async () => {
    api.set('/api/astros.json', { kind: 'json', body: astrosBody() });
    const o = await fetchEndpoint('astros', { ...cfg(), apiUrl: `${api.url}/api` }, deps);
    assert.equal(o.ok, true);
  });
});
