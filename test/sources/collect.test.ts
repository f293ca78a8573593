import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { astros } from '../../src/sources/astros';
import { fetchSource, type CollectDeps } from '../../src/sources/collect';
import { issNow } from '../../src/sources/issNow';
import { astrosBody, issNowBody, startFakeApi, type FakeApi } from '../support/fakeOpenNotify';

describe('fetchSource', () => {
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
    sleep: (ms) => Promise.resolve(void sleeps.push(ms)),
  };
  const cfg = () => ({ apiUrl: api.url, timeoutMs: 2000, retries: 3, maxBodyBytes: 1024 * 1024, maxPeople: 500 });

  it('retries 5xx with backoff and reports attempts and their times', async () => {
    sleeps.length = 0;
    api.set('/astros.json', { kind: 'raw', status: 500, body: '' }, { kind: 'raw', status: 502, body: '' }, { kind: 'json', body: astrosBody() });
    const o = await fetchSource(astros, cfg(), deps);
    assert.equal(o.ok, true);
        assert.equal(o.attemptSeconds.length, 3);
    assert.equal(sleeps.length, 2);
    assert.ok(sleeps[0] >= 125 && sleeps[0] <= 250 && sleeps[1] >= 250 && sleeps[1] <= 500, String(sleeps));
  });

  it('gives up after 1 + retries attempts with the last reason', async () => {
    api.set('/astros.json', { kind: 'raw', status: 503, body: '' });
    const o = await fetchSource(astros, { ...cfg(), retries: 1 }, deps);
    assert.deepEqual([o.ok, o.attemptSeconds.length, o.ok ? '' : o.reason], [false, 2, 'HTTP 503: an empty body (after 2 attempts)']);
  });

  it('does not retry invalid data', async () => {
    api.set('/iss-now.json', { kind: 'json', body: issNowBody('NaN') });
    const o = await fetchSource(issNow, cfg(), deps);
    assert.equal(o.attemptSeconds.length, 1);
    assert.equal(o.ok, false);
  });

  it('works with a base URL that has a path', async () => {
    api.set('/api/astros.json', { kind: 'json', body: astrosBody() });
    const o = await fetchSource(astros, { ...cfg(), apiUrl: `${api.url}/api` }, deps);
    assert.equal(o.ok, true);
  });
});
