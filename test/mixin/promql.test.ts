// PromQL text from operators' input: the selector grammar, the RE2 check
// (against the real Prometheus parser in promtool), and file names that
// become regexes in rules and template text in annotations.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatMatchers, parseSelector, promqlString, re2Error, re2Literal, templateLiteral } from '../../src/mixin/promql';
import { requireBinary, runCli, tempDir } from '../support/helpers';
import { SELECTORS } from '../support/selectors';

/** What Prometheus' own parser says of each expression: undefined if it loads, else its error. */
function promtoolVerdicts(promtool: string, dir: string, exprs: string[]): (string | undefined)[] {
  const files = exprs.map((expr, i) => {
    const f = join(dir, `r${i}.yml`);
    writeFileSync(f, `groups:\n  - name: g\n    rules:\n      - record: r\n        expr: '${expr.replace(/'/g, "''")}'\n`);
    return f;
  });
  return files.map((f) => {
    const r = spawnSync(promtool, ['check', 'rules', f], { encoding: 'utf8', timeout: 20_000 });
    return r.status === 0 ? undefined : `${r.stdout}${r.stderr}`.trim().split('\n').pop();
  });
}

// [pattern, valid in Go's RE2]: what Prometheus compiles a =~ matcher with.
const PATTERNS: [string, boolean][] = [
  ['', true], ['a|b', true], ['(a|b)*', true], ['^a$', true], ['a{2}', true], ['a{2,}', true], ['a{2,5}', true], ['a{1000}', true],
  ['[a-z]', true], ['[^a-z]', true], ['[]a]', true], ['[a-]', true], ['[-a]', true], ['[[:alpha:]]', true], ['[[:^digit:]x]', true],
  ['\\d+\\s\\w', true], ['\\pL', true], ['\\p{Greek}', true], ['\\P{Lu}', true], ['\\p{^Greek}', true], ['(?i)abc', true], ['(?i:abc)', true],
  ['(?i-s:a.b)', true], ['(?P<n>x)', true], ['(?:x)', true], ['\\Qa.b\\E*', true], ['\\Qa.(b', false], ['a*?', true], ['a+?', true], ['a??', true],
  ['\\x41', true], ['\\x{263a}', true], ['\\101', true], ['\\0', true], ['\\.\\*\\ ', true], ['a{', true], ['a{x}', true], ['x{2,1', true],
  ['\\A\\z', true], ['\\bword\\B', true], ['^*', true], ['prod|lab', true], ['[\\d\\-_]', true], ['(', false], [')', false], ['a)', false],
  ['[a', false], ['[z-a]', false], ['*', false], ['+a', false], ['a**', false], ['a{1001}', false], ['a{3,2}', false], ['(?=a)', false],
  ['(?!a)', false], ['(?<=a)', false], ['(?<n>x)', false], ['\\1', false], ['\\8', false], ['\\q', false], ['\\', false], ['\\C', false],
  ['\\Z', false], ['\\p{Foo}', false], ['[[:foo:]]', false], ['(?P<n>a)(?P<n>b)', true], ['(?P<>a)', false], ['(?z)', false], ['(?)', true],
  ['(?i-)', false], ['\\x{110000}', false], ['\\xZ', false], ['|*', false], ['(*)', false], ['a{2}{3}', false], ['(?i)*', false], ['[\\b]', false],
];

describe('re2Error', () => {
  it('agrees with the table', () => {
    for (const [pattern, valid] of PATTERNS) assert.equal(re2Error(pattern) === undefined, valid, `${JSON.stringify(pattern)}: ${re2Error(pattern)}`);
  });

  it("agrees with Prometheus' own parser (promtool) on every pattern of the table", (t) => {
    const promtool = requireBinary(t, 'promtool', 'prometheus');
    if (!promtool) return;
    const verdicts = promtoolVerdicts(promtool, tempDir(t), PATTERNS.map(([p]) => `up{job=~${promqlString(p)}}`));
    PATTERNS.forEach(([pattern], i) => assert.equal(verdicts[i] === undefined, re2Error(pattern) === undefined, `${JSON.stringify(pattern)}: promtool ${verdicts[i] ?? 'accepts'}, we ${re2Error(pattern) ?? 'accept'}`));
  });
});

// Refused whether or not PromQL would take them: other escapes than \\ and the quote, control characters.
const BAD_SELECTORS: [string, RegExp][] = [
  ['job="a\\q"', /expected name="value" .* at "job="a\\q""/],
  ['job="tab\\there"', /no escape but \\\\ and the quote/],
  ['job="\\x41"', /no escape but/],
  ["job='a\\\"b'", /no escape but/],
  ['job="a\tb"', /no control character/],
  ['job=`a\nb`', /no control character/],
  ['job=~"("', /job=~: not a valid RE2 regular expression: missing closing \)/],
  ['__name__="x"', /__name__ matcher/],
  ['job="a\nb"', /expected name="value"/],
  ['job="a', /expected name="value"/],
  ['job=node', /expected name="value"/],
  ['job=="a"', /expected name="value"/],
  ['1job="a"', /expected name="value" .* at "1job="a""/],
  ['job="a" env="b"', /expected name="value"/],
  ['job="a",,', /at ","/],
  ['env=~"(?=x)"', /look-arounds/],
];

describe('parseSelector', () => {
  it('takes the selectors of the table, written back in one canonical form', () => {
    for (const [typed, canonical] of SELECTORS) assert.equal(formatMatchers(parseSelector(typed)), canonical, typed);
  });
  it('refuses what PromQL refuses, and escapes beyond \\\\ and the quote, with the reason', () => {
    for (const [typed, why] of BAD_SELECTORS) assert.throws(() => parseSelector(typed), why, typed);
  });
  it('every canonical form loads in Prometheus, and means what was typed', (t) => {
    const promtool = requireBinary(t, 'promtool', 'prometheus');
    if (!promtool) return;
    const exprs = SELECTORS.filter(([, c]) => c).map(([, c]) => `up{${c}}`);
    assert.deepEqual(promtoolVerdicts(promtool, tempDir(t), exprs), exprs.map(() => undefined));
    // Parsing the canonical form again gives the same matchers.
    for (const [typed, canonical] of SELECTORS) assert.deepEqual(parseSelector(canonical), parseSelector(typed));
  });
  it('--selector on the command line: exit 2 with the reason, or the canonical form in every query', async () => {
    let r = await runCli(['dashboard', '--selector', 'job=~"("']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /option '--selector <matchers>' argument 'job=~"\("' is invalid\. job=~: not a valid RE2 regular expression: missing closing \)/);
    r = await runCli(['dashboard', '--selector', "job='node'"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes('job=\\"node\\"'));
    assert.ok(!r.stdout.includes("job='node'"));
  });
});

describe('re2Literal and templateLiteral', () => {
  it('a regex that matches exactly the text, every metacharacter escaped', () => {
    for (const text of ['a^b.prom', 'x$y', '[a]', '(a|b)', 'a.b*c+d?', '{1}', 'back\\slash']) {
      assert.equal(re2Error(re2Literal(text)), undefined);
      assert.ok(new RegExp(`^${re2Literal(text)}$`).test(text), text);
      assert.ok(!new RegExp(`^${re2Literal(text)}$`).test(`${text}x`), text);
    }
  });
  it('{{ becomes the action that prints it', () => {
    assert.equal(templateLiteral('{{x.prom'), '{{ "{{" }}x.prom');
    assert.equal(templateLiteral('plain.prom'), 'plain.prom');
  });
});

/** File names as operators may give them; each must give rules that load and an alert that fires for exactly that file. */
const NAMES = ['open_notify.prom', 'a^b.prom', '{{x.prom', '{{ query `up` }}.prom', 'a"b.prom', 'a\\b.prom', 'x$y.prom', '[a].prom', '(a|b).prom', 'a.b*c+d?.prom', 'é ü.prom', "it's.prom", '100%.prom', '}}.prom'];

function yamlSingle(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

describe('--textfile-name', () => {
  it('each accepted name: promtool check rules passes and TextfileStale fires for that exact file only', async (t) => {
    const promtool = requireBinary(t, 'promtool', 'prometheus');
    if (!promtool) return;
    const dir = tempDir(t);
    for (const [i, name] of NAMES.entries()) {
      const r = await runCli(['rules', '--textfile-name', name]);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      const rules = join(dir, `rules${i}.yml`);
      writeFileSync(rules, r.stdout);
      const check: { status: number | null; stdout: string; stderr: string } = spawnSync(promtool, ['check', 'rules', rules], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(check.status, 0, `${name}: ${check.stdout}${check.stderr}`);
      const ours = `node_textfile_mtime_seconds{file=${promqlString(`/var/lib/prometheus/node-exporter/${name}`)},instance="h:9100",job="node"}`;
      const other = `node_textfile_mtime_seconds{file=${promqlString(`/var/lib/prometheus/node-exporter/x${name}.old`)},instance="h:9100",job="node"}`;
      const tests = join(dir, `test${i}.yml`);
      // Both files stop changing at minute 0 (mtime 0): stale past 300 s, from minute 6 on.
      writeFileSync(
        tests,
        [
          `rule_files: [${yamlSingle(rules)}]`,
          'evaluation_interval: 1m',
          'tests:',
          '  - interval: 1m',
          '    input_series:',
          `      - series: ${yamlSingle(ours)}`,
          "        values: '0x10'",
          `      - series: ${yamlSingle(other)}`,
          "        values: '0x10'",
          '    alert_rule_test:',
          '      - eval_time: 7m',
          '        alertname: OpenNotifyTextfileStale',
          '        exp_alerts:',
          `          - exp_labels: { severity: warning, file: ${yamlSingle(`/var/lib/prometheus/node-exporter/${name}`)}, instance: 'h:9100', job: node }`,
          '            exp_annotations:',
          `              summary: ${yamlSingle(`${name} on h:9100 has not been rewritten for over 5m`)}`,
          "              description: 'The exporter has stopped running (cron entry or systemd timer disabled, or every run failing to write: see exit code 3 in its log). The file was last written 7m 0s ago.'",
          "              runbook_url: 'https://github.com/open-notify-exporter/open-notify-exporter/blob/main/docs/runbook.md#opennotifytextfilestale'",
          '',
        ].join('\n'),
      );
      const unit: { status: number | null; stdout: string; stderr: string } = spawnSync(promtool, ['test', 'rules', tests], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(unit.status, 0, `${name}: ${unit.stdout}${unit.stderr}`);
    }
  });

  it('a control character, a directory or another suffix: exit 2', async () => {
    for (const name of ['a\nb.prom', 'a\tb.prom', 'a\u0085.prom', 'd/a.prom', 'a.txt', '.prom']) {
      for (const cmd of ['rules', 'dashboard']) {
        const r = await runCli([cmd, '--textfile-name', name]);
        assert.equal(r.code, 2, `${cmd} ${JSON.stringify(name)}`);
        assert.match(r.stderr, /--textfile-name <name>' argument [^]* is invalid/);
      }
    }
  });
});
