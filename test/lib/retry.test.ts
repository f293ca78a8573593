import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AttemptError, backoffMs, withRetries } from '../../src/lib/retry';

describe('backoffMs', () => {
  it('grows exponentially with jitter between half and all of the step, capped at 4 s', () => {
    assert.equal(backoffMs(1, () => 0), 125);
    assert.equal(backoffMs(1, () => 1), 250);
    assert.equal(backoffMs(3, () => 1), 1000);
    assert.equal(backoffMs(10, () => 1), 4000);
    assert.equal(backoffMs(10, () => 0), 2000);
  });
});

describe('withRetries with a stop signal', () => {
  // Timers are mocked and never advanced: the backoff (125 ms at least) cannot elapse, so only the stop can end the wait;
  // without that, the wait never ends and the test's own timeout fails it.
  it('makes no further attempt once aborted, and cuts the backoff wait short', { timeout: 10_000 }, async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const stop = new AbortController();
    let attempts = 0;
    const r = await withRetries(
      () => {
        attempts += 1;
        return Promise.reject(new AttemptError('HTTP 503', true));
      },
      // Told of the failed attempt just before the wait begins: the stop comes during the wait.
      { retries: 10, signal: stop.signal, onAttempt: () => void setImmediate(() => stop.abort()) },
    );
    assert.equal(attempts, 1);
    assert.deepEqual([r.ok, !r.ok && r.reason], [false, 'aborted: stopping']);
  });
});
