import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { backoffMs } from '../../src/lib/retry';

describe('backoffMs', () => {
  it('grows exponentially with jitter between half and all of the step, capped at 4 s', () => {
    assert.equal(backoffMs(1, () => 0), 125);
    assert.equal(backoffMs(1, () => 1), 250);
    assert.equal(backoffMs(3, () => 1), 1000);
    assert.equal(backoffMs(10, () => 1), 4000);
    assert.equal(backoffMs(10, () => 0), 2000);
  });
});
