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
  it('makes no further attempt once aborted, and cuts the backoff wait short', async () => {
    const stop = new AbortController();
    let attempts = 0;
    let abortedAt = 0;
    const r = await withRetries(
      () => {
        attempts += 1;
        if (attempts === 1) {
          setTimeout(() => {
            abortedAt = performance.now();
            stop.abort();
          }, 20);
        }
        return Promise.reject(new AttemptError('HTTP 503', true));
      },
      { retries: 10, signal: stop.signal },
    );
    assert.equal(attempts, 1);
    assert.deepEqual([r.ok, !r.ok && r.reason], [false, 'aborted: stopping']);
    // Ended by the stop itself: the first backoff is at least 125 ms, and the stop came 20 ms into it.
    assert.ok(performance.now() - abortedAt < 100, 'the backoff wait was not cut short by the stop');
  });
});
