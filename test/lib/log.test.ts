import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/lib/log';

function line(format: 'logfmt' | 'json', msg: string, fields: Record<string, unknown> = {}): string {
  let out = '';
  createLogger({ format, level: 'info' }, (l) => (out += l)).error(msg, fields);
  return out;
}

// U+009B (CSI: a whole escape sequence in one character), C1 controls, bidi
// controls (U+202E reverses what follows on screen) and the line separators.
const HOSTILE = ['\u009b31m', '\u0085', '\u202eevil', '\u061c', '\u200e', '\u200f', '\u202a', '\u2066', '\u2069', '\u2028', '\u001b[2J'];
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const RAW = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('log lines', () => {
  for (const format of ['logfmt', 'json'] as const) {
    it(`${format}: C0, C1 and bidi controls from an API are escaped, the value kept`, () => {
      for (const h of HOSTILE) {
        const out = line(format, `HTTP 503: ${h}`, { astros: `error: ${h}` });
        assert.ok(out.endsWith('\n'));
        assert.doesNotMatch(out.slice(0, -1), RAW, JSON.stringify(out));
        if (format === 'json') {
          const parsed = JSON.parse(out) as Record<string, string>;
          assert.equal(parsed.msg, `HTTP 503: ${h}`);
          assert.equal(parsed.astros, `error: ${h}`);
        } else {
          const m = /astros=("(?:[^"\\]|\\.)*")/.exec(out);
          assert.ok(m, out);
          assert.equal(JSON.parse(m[1]), `error: ${h}`);
        }
      }
    });
  }

  it('plain values stay unquoted in logfmt', () => {
    assert.match(line('logfmt', 'run finished', { outcome: 'ok' }), / msg="run finished" outcome=ok\n$/);
  });
});
