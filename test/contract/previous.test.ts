import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseExposition, readPrevious } from '../../src/contract/previous';
import { emptyState, restore } from '../../src/contract/state';

/** The endpoints of a run without --cross-check. */
const E = ['astros', 'iss_now'];
/** When the tests' previous files are read: after every time in them. */
const NOW = 1_800_000_000;
import { ROOT, tempDir } from '../support/helpers';

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
    assert.deepEqual(s[4].labels, { x: '1' });
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

describe('readPrevious, then restore', () => {
  it('carries forward last-success times per endpoint, whatever other labels there are', () => {
    const p = restore(
      parseExposition(
        'open_notify_last_success_timestamp_seconds{endpoint="astros",site="x"} 1700000000\n' +
          'open_notify_last_success_timestamp_seconds{endpoint="other"} 5\n' +
          'open_notify_last_success_timestamp_seconds{endpoint="iss_now"} NaN\n',
      ),
      E,
      NOW,
    );
    assert.deepEqual(p.state.lastSuccess, { astros: 1700000000 });
    assert.deepEqual(p.warnings, []);
  });

  it('a missing file is a quiet first run; a corrupt one a warning', async (t) => {
    const dir = tempDir(t);
    assert.deepEqual(await readPrevious(join(dir, 'none.prom'), 4096), { samples: [], warnings: [] });
    writeFileSync(join(dir, 'bad.prom'), 'open_notify_runs_total 5\nopen_notify_up{endpoint="astros"');
    const r = await readPrevious(join(dir, 'bad.prom'), 4096);
    assert.deepEqual(r.samples, []);
    assert.deepEqual(r.warnings.length, 1);
    assert.match(r.warnings[0], /bad\.prom is not valid \(file does not end with a newline \(incomplete\)\); starting fresh/);
    const d = await readPrevious(dir, 4096);
    assert.match(d.warnings[0], /cannot read previous output .* \(EISDIR\); starting fresh/);
  });
});

describe('restore (state.ts), from the previous file\'s samples', () => {
  const golden = () => parseExposition(readFileSync(join(ROOT, 'test', 'golden', 'success.prom'), 'utf8'));

  it('restores counters and the histogram our own output holds', () => {
    const { state, warnings } = restore(golden(), E, NOW);
    assert.deepEqual(warnings, []);
    assert.equal(state.runsTotal, 42);
    assert.equal(state.skippedRunsTotal, 1);
    assert.deepEqual(state.fetchFailuresTotal, { astros: 2, iss_now: 0 });
    assert.equal(state.requestDuration.astros.count, 44);
    assert.equal(state.requestDuration.astros.buckets.length, 11);
  });

  it('a previous file from an older contract (no counters) starts them at zero, quietly', () => {
    const old = golden().filter((s) => !/_total$|_bucket$|_sum$|_count$/.test(s.name));
    const { state, warnings } = restore(old, E, NOW);
    assert.deepEqual(warnings, []);
    assert.equal(state.runsTotal, 0);
    assert.deepEqual(state.requestDuration, emptyState(E).requestDuration);
    assert.ok(state.lastSuccess.astros > 0);
  });

  it('other buckets (a different contract version) reset the histogram with a warning', () => {
    const other = golden().filter((s) => !(s.name.endsWith('_bucket') && s.labels.le === '0.025'));
    const { state, warnings } = restore(other, E, NOW);
    assert.deepEqual(state.requestDuration, emptyState(E).requestDuration);
    assert.equal(state.runsTotal, 42);
    assert.match(warnings.join(), /open_notify_request_duration_seconds has other buckets/);
  });

  it('a histogram with a negative or NaN _sum (no duration is negative) resets with a warning', () => {
    for (const v of [-0.5, NaN]) {
      const bad = golden().map((x) => (x.name === 'open_notify_request_duration_seconds_sum' && x.labels.endpoint === 'astros' ? { ...x, value: v } : x));
      const { state, warnings } = restore(bad, E, NOW);
      assert.deepEqual(state.requestDuration, emptyState(E).requestDuration, String(v));
      assert.match(warnings.join(), /open_notify_request_duration_seconds has other buckets or inconsistent counts/);
    }
  });

  it('negative, fractional or NaN counters reset to zero with a warning, never go backwards otherwise', () => {
    for (const v of [-1, 2.5, NaN, Infinity]) {
      const s = golden().map((x) => (x.name === 'open_notify_runs_total' ? { ...x, value: v } : x));
      const { state, warnings } = restore(s, E, NOW);
      assert.equal(state.runsTotal, 0, String(v));
      assert.match(warnings.join(), /open_notify_runs_total is not a single whole count/);
    }
    const s = golden().map((x) => (x.name === 'open_notify_fetch_failures_total' ? { ...x, value: -3 } : x));
    assert.deepEqual(restore(s, E, NOW).state.fetchFailuresTotal, { astros: 0, iss_now: 0 });
  });

  it('nothing from the future or past 2^50: a last success after now is dropped, a count that could not go on is reset, each with a warning', () => {
    for (const v of [NOW + 3600, 4102444800, 1e300]) {
      const s = golden().map((x) => (x.name === 'open_notify_last_success_timestamp_seconds' && x.labels.endpoint === 'astros' ? { ...x, value: v } : x));
      const { state, warnings } = restore(s, E, NOW);
      assert.equal(state.lastSuccess.astros, undefined, String(v));
      assert.match(warnings.join(), /open_notify_last_success_timestamp_seconds\{endpoint="astros"\} is in the future/);
    }
    for (const v of [2 ** 53 - 2, 2 ** 51]) {
      const s = golden().map((x) => (x.name === 'open_notify_runs_total' ? { ...x, value: v } : x));
      const { state, warnings } = restore(s, E, NOW);
      assert.equal(state.runsTotal, 0, String(v));
      assert.match(warnings.join(), /open_notify_runs_total is not a single whole count/);
    }
  });

  it('buckets that go down are inconsistent', () => {
    const s = golden().map((x) => (x.name.endsWith('_bucket') && x.labels.le === '0.01' ? { ...x, value: 1000 } : x));
    assert.match(restore(s, E, NOW).warnings.join(), /inconsistent/);
  });
});
