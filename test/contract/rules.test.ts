// The shipped alerting rules: valid for promtool, and each alert fires when
// (and only when) its unit test in test/rules/alerts.test.yml says.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { METRICS } from '../../src/contract/metrics';
import { alertRules, promDuration, RULE_DEFAULTS } from '../../src/contract/rules';
import { parseDuration } from '../../src/config/units';
import { requireBinary, ROOT, runCli, tempDir } from '../support/helpers';

/** Writes `yaml` as rules.yml beside a copy of test/rules/<unitTests>, as the unit tests expect. */
function rulesDir(dir: string, yaml: string, unitTests: string): { rules: string; tests: string } {
  writeFileSync(join(dir, 'rules.yml'), yaml);
  copyFileSync(join(ROOT, 'test', 'rules', unitTests), join(dir, unitTests));
  return { rules: join(dir, 'rules.yml'), tests: join(dir, unitTests) };
}

function promtool(bin: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('rules', () => {
  it('promDuration writes Prometheus durations', () => {
    assert.deepEqual([300_000, 90_000, 3_600_000, 1500].map(promDuration), ['5m', '90s', '1h', '1500ms']);
  });

  it('every alert reads contract metrics or node_exporter textfile metrics', () => {
    const defaults = {
      downForMs: parseDuration(RULE_DEFAULTS.downFor),
      staleAfterMs: parseDuration(RULE_DEFAULTS.staleAfter),
      frozenAfterMs: parseDuration(RULE_DEFAULTS.frozenAfter),
      fileStaleAfterMs: parseDuration(RULE_DEFAULTS.fileStaleAfter),
      textfileName: RULE_DEFAULTS.textfileName,
    };
    const known = new Set<string>([...Object.values(METRICS).map((m) => m.name), 'node_textfile_mtime_seconds', 'node_textfile_scrape_error']);
    for (const r of alertRules(defaults)) {
      const names = r.expr.match(/\b(open_notify|node)_[a-z_]+/g) ?? [];
      assert.ok(names.length > 0, r.alert);
      for (const n of names) assert.ok(known.has(n), `${r.alert} reads unknown metric ${n}`);
      assert.ok(r.summary && r.description, r.alert);
    }
  });

  it('`rules` output passes promtool check rules and its unit tests', async (t) => {
    const bin = requireBinary(t, 'promtool', 'prometheus');
    if (!bin) return;
    const dir = tempDir(t);
    const r = await runCli(['rules']);
    assert.equal(r.code, 0, r.stderr);
    const files = rulesDir(dir, r.stdout, 'alerts.test.yml');
    const check = promtool(bin, ['check', 'rules', files.rules]);
    assert.equal(check.code, 0, check.out);
    assert.match(check.out, /SUCCESS: 6 rules found/);
    const unit = promtool(bin, ['test', 'rules', files.tests]);
    assert.equal(unit.code, 0, unit.out);
    assert.match(unit.out, /SUCCESS/);
  });

  it('thresholds come from flags, and the unit tests notice a change', async (t) => {
    const bin = requireBinary(t, 'promtool', 'prometheus');
    if (!bin) return;
    const dir = tempDir(t);
    const r = await runCli(['rules', '--down-for', '10m', '--stale-after', '1h', '--frozen-after', '90s', '--file-stale-after', '2m', '--textfile-name', 'space.prom']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /expr: 'open_notify_up == 0'\n {8}for: 10m/);
    assert.match(r.stdout, /open_notify_last_success_timestamp_seconds > 3600'/);
    assert.match(r.stdout, /open_notify_iss_position_timestamp_seconds > 90'/);
    assert.match(r.stdout, /node_textfile_mtime_seconds\{file=~"\.\*\/space\\\\\.prom"\} > 120'/);
    const unit = promtool(bin, ['test', 'rules', rulesDir(dir, r.stdout, 'alerts.test.yml').tests]);
    assert.equal(unit.code, 1, 'unit tests written for the defaults must fail on other thresholds');
    for (const a of ['OpenNotifyEndpointDown', 'OpenNotifyDataStale', 'OpenNotifyIssPositionFrozen', 'OpenNotifyTextfileStale']) {
      assert.match(unit.out, new RegExp(`alertname: ${a}`), a);
    }
  });

  it('`rules --cross-check` adds two alerts that pass promtool check rules and their unit tests; `rules` alone does not', async (t) => {
    const bin = requireBinary(t, 'promtool', 'prometheus');
    if (!bin) return;
    const dir = tempDir(t);
    const plain = await runCli(['rules']);
    assert.doesNotMatch(plain.stdout, /IssPositionWrong|PeopleCountWrong/);
    const r = await runCli(['rules', '--cross-check']);
    assert.equal(r.code, 0, r.stderr);
    const files = rulesDir(dir, r.stdout, 'cross-check.test.yml');
    const check = promtool(bin, ['check', 'rules', files.rules]);
    assert.equal(check.code, 0, check.out);
    assert.match(check.out, /SUCCESS: 8 rules found/);
    const unit = promtool(bin, ['test', 'rules', files.tests]);
    assert.equal(unit.code, 0, unit.out);
    // The same from the environment, and thresholds from flags that the unit tests notice.
    const env = await runCli(['rules', '--max-position-error', '10km', '--people-wrong-for', '1h'], { env: { OPEN_NOTIFY_CROSS_CHECK: '1' } });
    assert.match(env.stdout, /expr: 'open_notify_iss_position_error_meters > 10000'\n {8}for: 10m/);
    assert.match(env.stdout, /expr: 'open_notify_people_in_space != open_notify_people_in_space_reference'\n {8}for: 1h/);
    assert.equal(promtool(bin, ['test', 'rules', rulesDir(dir, env.stdout, 'cross-check.test.yml').tests]).code, 1);
    const bad = await runCli(['rules', '--max-position-error', 'far']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /argument 'far' is invalid\. expected a distance such as 50km or 500m/);
  });

  it('README explains every alert', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const all = { downForMs: 1, staleAfterMs: 1, frozenAfterMs: 1, fileStaleAfterMs: 1, textfileName: 'x.prom', crossCheck: { maxPositionErrorMeters: 1, peopleWrongForMs: 1 } };
    for (const r of alertRules(all)) {
      assert.ok(readme.includes(`| \`${r.alert}\` |`), `README's alert table lacks ${r.alert}`);
    }
  });
});
