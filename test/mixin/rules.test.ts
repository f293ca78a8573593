// The shipped alerting rules: valid for promtool, and each alert fires when
// (and only when) its unit test in test/rules/alerts.test.yml says.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { METRICS } from '../../src/contract/metrics';
import { formatDuration } from '../../src/lib/duration';
import { alertRules, githubAnchor, RULE_DEFAULTS } from '../../src/mixin/rules';
import { parseDuration } from '../../src/config/values';
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

/** `promtool check rules` on a rules file, then `promtool test rules` with the unit tests beside it. */
function checkAndTest(bin: string, dir: string, yaml: string, unitTests: string): { check: ReturnType<typeof promtool>; unit: ReturnType<typeof promtool> } {
  const files = rulesDir(dir, yaml, unitTests);
  return { check: promtool(bin, ['check', 'rules', files.rules]), unit: promtool(bin, ['test', 'rules', files.tests]) };
}

describe('rules', () => {
  it('formatDuration writes Prometheus durations', () => {
    assert.deepEqual([300_000, 90_000, 3_600_000, 1500, 0].map(formatDuration), ['5m', '90s', '1h', '1500ms', '0s']);
  });

  it('every alert reads contract metrics or node_exporter textfile metrics', () => {
    const defaults = {
      downForMs: parseDuration(RULE_DEFAULTS.downFor),
      staleAfterMs: parseDuration(RULE_DEFAULTS.staleAfter),
      frozenAfterMs: parseDuration(RULE_DEFAULTS.frozenAfter),
      fileStaleAfterMs: parseDuration(RULE_DEFAULTS.fileStaleAfter),
      textfileName: RULE_DEFAULTS.textfileName,
      selector: '',
      runbookUrl: RULE_DEFAULTS.runbookUrl,
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
    const { check, unit } = checkAndTest(bin, dir, r.stdout, 'alerts.test.yml');
    assert.equal(check.code, 0, check.out);
    assert.match(check.out, /SUCCESS: 6 rules found/);
    assert.equal(unit.code, 0, unit.out);
    assert.match(unit.out, /SUCCESS/);
  });

  it('thresholds come from flags, and the unit tests notice a change', async (t) => {
    const bin = requireBinary(t, 'promtool', 'prometheus');
    if (!bin) return;
    const dir = tempDir(t);
    const r = await runCli(['rules', '--down-for', '10m', '--stale-after', '1h', '--frozen-after', '90s', '--file-stale-after', '2m', '--textfile-name', 'space.prom']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /expr: 'open_notify_up == 0 unless on\(job, instance\) \(node_textfile_mtime_seconds\{file=~"\.\*\/space\\\\\.prom"\} < time\(\) - 60\)'\n {8}for: 10m/);
    assert.match(r.stdout, /open_notify_last_success_timestamp_seconds > 3600 unless/);
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
    const { check, unit } = checkAndTest(bin, dir, r.stdout, 'cross-check.test.yml');
    assert.equal(check.code, 0, check.out);
    assert.match(check.out, /SUCCESS: 8 rules found/);
    assert.equal(unit.code, 0, unit.out);
    // The same from the environment, and thresholds from flags that the unit tests notice.
    const env = await runCli(['rules', '--max-position-error', '10km', '--people-wrong-for', '1h'], { env: { OPEN_NOTIFY_CROSS_CHECK: '1' } });
    assert.match(env.stdout, /expr: 'open_notify_iss_position_error_meters > 10000 unless on\(job, instance\) [^']*'\n {8}for: 10m/);
    assert.match(env.stdout, /expr: 'open_notify_people_in_space != open_notify_people_in_space_reference'\n {8}for: 1h/);
    assert.equal(promtool(bin, ['test', 'rules', rulesDir(dir, env.stdout, 'cross-check.test.yml').tests]).code, 1);
    const bad = await runCli(['rules', '--max-position-error', 'far']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /argument 'far' is invalid\. expected a distance such as 50km or 500m/);
  });

  it("README's alert table has every alert", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const all = { downForMs: 1, staleAfterMs: 1, frozenAfterMs: 1, fileStaleAfterMs: 1, textfileName: 'x.prom', selector: '', runbookUrl: RULE_DEFAULTS.runbookUrl, crossCheck: { maxPositionErrorMeters: 1, peopleWrongForMs: 1 } };
    for (const r of alertRules(all)) {
      assert.ok(readme.includes(`| \`${r.alert}\` |`), `README's alert table lacks ${r.alert}`);
    }
  });

  it('every alert links to its own section of docs/runbook.md, which says what it means, how to check, what to do', () => {
    const readme = readFileSync(join(ROOT, 'docs', 'runbook.md'), 'utf8');
    const headings = new Map<string, string>();
    const lines = readme.split('\n');
    lines.forEach((l, i) => {
      const m = /^#{1,6} (.+)$/.exec(l);
      if (m) headings.set(githubAnchor(m[1].replace(/`/g, '')), lines.slice(i + 1, i + 12).join('\n'));
    });
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { homepage: string };
    assert.equal(RULE_DEFAULTS.runbookUrl, `${pkg.homepage.replace(/#readme$/, '')}/blob/main/docs/runbook.md`, "the default runbook is docs/runbook.md at the package's homepage");
    const all = { downForMs: 1, staleAfterMs: 1, frozenAfterMs: 1, fileStaleAfterMs: 1, textfileName: 'x.prom', selector: '', runbookUrl: RULE_DEFAULTS.runbookUrl, crossCheck: { maxPositionErrorMeters: 1, peopleWrongForMs: 1 } };
    for (const r of alertRules(all)) {
      const [base, anchor] = r.runbookUrl.split('#');
      assert.equal(base, RULE_DEFAULTS.runbookUrl, r.alert);
      assert.equal(anchor, r.alert.toLowerCase(), r.alert);
      const section = headings.get(anchor);
      assert.ok(section !== undefined, `docs/runbook.md has no heading with the anchor #${anchor}`);
      for (const part of ['**What it means:**', '**How to check:**', '**What to do:**']) assert.ok(section.includes(part), `${r.alert}'s runbook lacks ${part}`);
    }
    // GitHub's slug rules, on headings of this README's kind.
    assert.equal(githubAnchor('Securing /metrics: --web.config.file'), 'securing-metrics---webconfigfile');
    assert.equal(githubAnchor('Is Open Notify telling the truth? --cross-check'), 'is-open-notify-telling-the-truth---cross-check');
  });

  it('--runbook-url (or OPEN_NOTIFY_RUNBOOK_URL) moves every link', async () => {
    let r = await runCli(['rules', '--runbook-url', 'https://wiki.example/runbooks/open-notify']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/runbook_url: 'https:\/\/wiki\.example\/runbooks\/open-notify#opennotify[a-z]+'/g) ?? []).length, 6);
    // A base that already has a fragment: each link still ends in its own alert's anchor, never `#x#…`.
    r = await runCli(['rules', '--runbook-url', 'https://wiki.example/runbook#top']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...new Set(r.stdout.match(/runbook_url: '[^']*'/g)!.map((l) => l.replace(/#opennotify[a-z]+'$/, '')))], ["runbook_url: 'https://wiki.example/runbook"]);
    r = await runCli(['rules'], { env: { OPEN_NOTIFY_RUNBOOK_URL: 'ftp://x' } });
    assert.equal(r.code, 2);
  });

  it('--selector reaches every selector of every expression, absent() and node_textfile_* included; promtool checks and tests it', async (t) => {
    const bin = requireBinary(t, 'promtool', 'prometheus');
    if (!bin) return;
    const dir = tempDir(t);
    const r = await runCli(['rules', '--cross-check', '--selector', "job='node'"]);
    assert.equal(r.code, 0, r.stderr);
    const exprs = [...r.stdout.matchAll(/expr: '(.*)'/g)].map((m) => m[1].replace(/''/g, "'"));
    assert.equal(exprs.length, 8);
    for (const e of exprs) {
      const names = [...e.matchAll(/\b((?:open_notify|node_textfile)_[a-z_]+)(\{[^}]*\})?/g)];
      assert.ok(names.length > 0, e);
      for (const n of names) assert.match(n[2] ?? '', /job="node"/, `${n[1]} in ${e}`);
    }
    const files = rulesDir(dir, r.stdout, 'alerts.test.yml');
    assert.equal(promtool(bin, ['check', 'rules', files.rules]).code, 0);
    // The unit tests' series are all job="node": the same alerts fire, absent()'s now with the job it looked for.
    const tests = readFileSync(files.tests, 'utf8')
      .replace("exp_labels: { severity: warning }", 'exp_labels: { severity: warning, job: node }')
      .replace("summary: 'No open-notify-exporter metrics reach Prometheus from any target'", "summary: 'No open-notify-exporter metrics reach Prometheus ({job=\"node\"})'")
      .replace('No series open_notify_last_run_timestamp_seconds for 10m', 'No series open_notify_last_run_timestamp_seconds ({job=\\"node\\"}) for 10m');
    writeFileSync(files.tests, tests);
    const unit = promtool(bin, ['test', 'rules', files.tests]);
    assert.equal(unit.code, 0, unit.out);
    // A selector that matches none of the series: the alerts that need series do not fire, and the tests notice.
    const other = await runCli(['rules', '--selector', 'job="other"']);
    rulesDir(dir, other.stdout, 'alerts.test.yml');
    const miss = promtool(bin, ['test', 'rules', files.tests]);
    assert.equal(miss.code, 1);
    assert.match(miss.out, /alertname: OpenNotifyEndpointDown/);
  });
});
