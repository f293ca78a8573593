// The source table: what every entry must be for collect, the state and
// the output to loop over it without naming a source.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { enabledSources, SOURCES } from '../../src/sources/table';

const fetch = { apiUrl: 'http://127.0.0.1:1', timeoutMs: 1000, retries: 0, maxBodyBytes: 1024, maxPeople: 500 };

describe('source table', () => {
  it('names are unique endpoint label values', () => {
    const names = SOURCES.map((s) => s.name);
    assert.equal(new Set(names).size, names.length);
    for (const n of names) assert.match(n, /^[a-z][a-z_]*$/);
  });

  it('a source waits only for sources earlier in the table', () => {
    SOURCES.forEach((s, i) => {
      for (const dep of s.after ?? []) {
        const at = SOURCES.findIndex((x) => x.name === dep);
        assert.ok(at >= 0 && at < i, `${s.name} waits for ${dep}, which must come before it`);
      }
    });
  });

  it('the default run collects Open Notify\'s two endpoints, in this order', () => {
    assert.deepEqual(enabledSources(fetch).map((s) => s.name), ['astros', 'iss_now']);
  });

  it('each source builds its URL from the configuration', () => {
    const none = { data: () => undefined };
    assert.equal(enabledSources({ ...fetch, apiUrl: 'http://example.test/api' })[0].url({ ...fetch, apiUrl: 'http://example.test/api' }, none), 'http://example.test/api/astros.json');
  });
});
