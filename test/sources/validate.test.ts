import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { cleanLabelText } from '../../src/sources/validate';

describe('cleanLabelText', () => {
  it('replaces control characters and cuts long text', () => {
    assert.equal(cleanLabelText('a\nb\rc\u0000d\u007f'), 'a\ufffdb\ufffdc\ufffdd\ufffd');
    assert.equal(cleanLabelText('quote " and \\ stay'), 'quote " and \\ stay');
    const long = cleanLabelText('🚀'.repeat(1000));
    assert.equal(Array.from(long).length, 256);
    assert.ok(long.endsWith('🚀…'), 'cut on a character boundary, not inside a surrogate pair');
  });
});

