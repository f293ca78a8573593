import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { cleanLabelText, parseJson } from '../../src/sources/validate';

describe('cleanLabelText', () => {
  it('replaces control characters and cuts long text', () => {
    assert.equal(cleanLabelText('a\nb\rc\u0000d\u007f'), 'a\ufffdb\ufffdc\ufffdd\ufffd');
    assert.equal(cleanLabelText('quote " and \\ stay'), 'quote " and \\ stay');
    const long = cleanLabelText('🚀'.repeat(1000));
    assert.equal(Array.from(long).length, 256);
    assert.ok(long.endsWith('🚀…'), 'cut on a character boundary, not inside a surrogate pair');
  });
});

describe('parseJson', () => {
  it('an answer nested deeper than 32 levels is refused before it is parsed; brackets inside strings do not count', () => {
    const nested = (n: number) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`);
    assert.throws(() => parseJson(nested(128 * 1024)), /response nests deeper than 32 levels/);
    assert.throws(() => parseJson(Buffer.from(`${'{"a":'.repeat(33)}1${'}'.repeat(33)}`)), /nests deeper than 32/);
    assert.deepEqual(parseJson(nested(32)), JSON.parse(nested(32).toString()));
    assert.deepEqual(parseJson(Buffer.from(JSON.stringify({ name: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{' }))), { name: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{' });
  });
});
