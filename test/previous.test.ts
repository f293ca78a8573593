import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { extractPrevious, parseExposition, readPrevious } from '../src/previous';
import { ROOT, tempDir } from './helpers';

describe('parseExposition', () => {
  it('reads back our own golden output, escapes included', () => {
    const samples = parseExposition(readFileSync(join(ROOT, 'test', 'golden', 'hostile.prom'), 'utf8'));
    const names = samples.filter((s) => s.name === 'open_notify_astronaut_info').map((s) => s.labels.name);
    assert.deepEqual(names, ['Quote " backslash \\ brace } comma ,', 'line\nbreak', 'Юрий 宇航员 🚀', '']);
    assert.equal(samples.find((s) => s.name === 'open_notify_people_in_space')?.labels.site, 'lab "1"');
  });

  it('accepts special values and an ignored timestamp', () => {
    const s = parseExposition('a +Inf\nb -Inf\nc NaN\nd 1.5e+21\ne{x="1",} 2 1700000000\n');
    assert.deepEqual(s.map((x) => x.value), [Infinity, -Infinity, NaN, 1.5e21, 2]);
    assert.deepEqual(s[4]!.labels, { x: '1' });
  });

  const broken: [string, string, RegExp][] = [
    ['no final newline (a cut file)', 'a 1\nb 2', /does not end with a newline/],
    ['unterminated labels', 'a{x="1" 1\n', /line 1: expected , or }/],
    ['bad escape', 'a{x="\\q"} 1\n', /bad escape/],
    ['bad value', 'a 1x\n', /line 1: bad value "1x"/],
    ['no value', 'a\n', /expected a value/],
    ['bad name', '1a 1\n', /bad metric name/],
    ['binary junk', '\u0000\u0001\n', /bad metric name/],
  ];
  for (const [name, text, re] of broken) it(`refuses ${name}`, () => assert.throws(() => parseExposition(text), re));
});

describe('readPrevious', () => {
  it('carries forward last-success times per endpoint, whatever other labels there are', () => {
    const p = extractPrevious(
      parseExposition(
        'open_notify_last_success_timestamp_seconds{endpoint="astros",site="x"} 1700000000\n' +
          'open_notify_last_success_timestamp_seconds{endpoint="other"} 5\n' +
          'open_notify_last_success_timestamp_seconds{endpoint="iss_now"} NaN\n',
      ),
    );
    assert.deepEqual(p.lastSuccess, { astros: 1700000000 });
  });

  it('a missing file is a quiet first run; a corrupt one a warning', async (t) => {
    const dir = tempDir(t);
    assert.deepEqual(await readPrevious(join(dir, 'none.prom')), { previous: { lastSuccess: {} } });
    writeFileSync(join(dir, 'bad.prom'), 'open_notify_up{endpoint="astros"');
    const r = await readPrevious(join(dir, 'bad.prom'));
    assert.deepEqual(r.previous.lastSuccess, {});
    assert.match(r.warning ?? '', /bad\.prom is not valid \(file does not end with a newline \(incomplete\)\); starting fresh/);
    const d = await readPrevious(dir);
    assert.match(d.warning ?? '', /cannot read previous output .* \(EISDIR\); starting fresh/);
  });
});
