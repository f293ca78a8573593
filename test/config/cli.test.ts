// The command line as a user meets it: bad options, environment values,
// --help and --version, run as the built CLI in a subprocess.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import type { FakeApi } from '../support/fakeOpenNotify';
import { BIN, ROOT, runCli, startCli, strayFiles, tempDir, useFakeApi } from '../support/helpers';
import { waitFor } from '../support/peers';

const fake = useFakeApi();
let api: FakeApi;
beforeEach(() => {
  api = fake();
});

describe('usage errors', () => {
  const bad: [string[], RegExp][] = [
    [['--timeout', '5x'], /option '--timeout <duration>' argument '5x' is invalid/],
    [['--retries', '-1'], /option '--retries <n>' argument '-1' is invalid/],
    [['--max-body', 'lots'], /option '--max-body <bytes>' argument 'lots' is invalid/],
    [['--label', '1bad=x'], /option '--label <name=value>' argument '1bad=x' is invalid/],
    [['--label', 'endpoint=x'], /used by the exporter's own series/],
    [['--api-url', 'ftp://example'], /option '--api-url <url>' argument 'ftp:\/\/example' is invalid/],
    [['--log.format', 'xml'], /option '--log.format <format>' argument 'xml' is invalid/],
    [['--nope'], /unknown option '--nope'/],
    [['-q', '-v'], /cannot be used with/],
    [['--log.level', 'verbose'], /option '--log\.level <level>' argument 'verbose' is invalid\. Allowed choices are debug, info, warn, error/],
    [['-q', '--log.level', 'info'], /option '-q' is a shorthand for '--log\.level': give one of them/],
    [['--log.format', 'text'], /option '--log\.format <format>' argument 'text' is invalid\. Allowed choices are logfmt, json/],
    // A constant le doubles the histogram's own: node_exporter would drop the whole file.
    [['--label', 'le=x'], /label name "le" is reserved by the exposition format/],
    [['--label', 'quantile=x'], /label name "quantile" is reserved by the exposition format/],
    [['--label', '__name__=x'], /label name "__name__" is reserved \(starts with __\)/],
    [['--label', 'job=x'], /label name "job" is set by Prometheus from the scrape target \(a constant one arrives renamed exported_job/],
    [['--label', 'instance=x'], /label name "instance" is set by Prometheus from the scrape target/],
    [['--label', 'site=a', '--label', 'site=b'], /option '--label <name=value>' argument 'site=b' is invalid\. label "site" is given more than once/],
    [['-o', 'dir/'], /argument 'dir\/' is invalid\. expected a file path, not a directory/],
    // An unset shell variable for the port: not a silent :80.
    [['--api-url', 'http://127.0.0.1:'], /option '--api-url <url>' argument 'http:\/\/127\.0\.0\.1:' is invalid\. the port after ":" is empty/],
    [['-o', 'x.prom', 'extra-arg'], /^open-notify-exporter: error: unexpected argument 'extra-arg': every value goes with an option/],
  ];
  for (const [args, message] of bad) {
    it(`${args.join(' ')}: one line, exit 2, nothing written`, async (t) => {
      const dir = tempDir(t);
      const r = await runCli(['--api-url', api.url, ...args], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.deepEqual(strayFiles(dir, []), []);
      assert.equal(api.counts['/astros.json'], undefined, 'no request made');
    });
  }

  it('an option before the command word is refused, exit 2, not silently dropped', async () => {
    const cases: [string[], RegExp][] = [
      [['--cross-check', 'rules'], /option '--cross-check' comes before the command 'rules': options go after it \(open-notify-exporter rules --cross-check …\)/],
      [['--log.format', 'json', 'serve'], /option '--log.format' comes before the command 'serve'/],
      [['--api-url', 'http://127.0.0.1:1', 'schedule'], /option '--api-url' comes before the command 'schedule'/],
      [['-q', 'push', '--gateway', 'http://127.0.0.1:1'], /option '--quiet' comes before the command 'push'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
    // After the command word they are honoured.
    const rules = await runCli(['rules', '--cross-check']);
    assert.equal(rules.code, 0);
    assert.equal((rules.stdout.match(/- alert: /g) ?? []).length, 8);
  });

  it('help that tells the truth: lines of 80 columns, serve names every endpoint, schedule offers no -o -, the docs list the refused label names the code refuses', async () => {
    for (const cmd of [[], ['schedule'], ['serve'], ['push'], ['rules'], ['dashboard'], ['healthcheck']]) {
      const r = await runCli([...cmd, '--help']);
      // The crontab example is one line by nature.
      const wide = r.stdout.split('\n').filter((l) => l.length > 80 && !l.startsWith('  * * * * *'));
      assert.deepEqual(wide, [], cmd.join(' '));
    }
    const serve = (await runCli(['serve', '--help'])).stdout;
    for (const path of ['/metrics', '/healthz', '/-/healthy', '/-/ready']) assert.ok(serve.includes(path), path);
    assert.doesNotMatch((await runCli(['schedule', '--help'])).stdout, /- for standard output/);
    const { OWN_LABELS } = require('../../src/contract/metrics') as typeof import('../../src/contract/metrics');
    const reference = readFileSync(join(ROOT, 'docs', 'reference.md'), 'utf8');
    const listed = /as do the names the exporter uses itself \(([^)]*)\)/.exec(reference)?.[1].match(/`([^`]+)`/g)?.map((n) => n.slice(1, -1));
    assert.deepEqual([...(listed ?? [])].sort(), [...OWN_LABELS].sort());
  });

  it('rules -o FILE writes the rules atomically, as dashboard -o does; a path where a command goes gets a hint at -o', async (t) => {
    const dir = tempDir(t);
    const r = await runCli(['rules', '-o', join(dir, 'rules.yml')]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    assert.match(readFileSync(join(dir, 'rules.yml'), 'utf8'), /^groups:/m);
    const bad = await runCli(['rules', '-o', join(dir, 'missing', 'rules.yml')]);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /^open-notify-exporter: error: cannot write /);
    const path = await runCli([join(dir, 'open_notify.prom')]);
    assert.equal(path.code, 2);
    assert.match(path.stderr, /unknown command '\S+open_notify\.prom' \(commands: [^)]*\); to write to that file: open-notify-exporter -o \S+open_notify\.prom/);
  });

  it('a misspelt OPEN_NOTIFY_ variable is one warning naming it; another command\'s variable is not', async () => {
    const r = await runCli(['--api-url', api.url, '-o', '-'], { env: { OPEN_NOTIFY_TIMOUT: '3s', OPEN_NOTIFY_REFRESH: '1s' } });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.includes('unknown environment variable'));
    assert.deepEqual(lines.map((l) => l.replace(/^time=\S+ /, '')), ['level=warn msg="unknown environment variable OPEN_NOTIFY_TIMOUT, ignored (misspelt?)"']);
  });

  it("serve --refresh '0 0 30 2 *' gives the cron reason, as --cron does", async () => {
    const r = await runCli(['serve', '--refresh', '0 0 30 2 *']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /option '--refresh <duration\|cron>' argument '0 0 30 2 \*' is invalid\. invalid cron expression "0 0 30 2 \*" \(dayOfMonth: 30 2 is an impossible day of month/);
  });

  it('with --log.format json a usage error is a JSON log line too', async () => {
    const cases: [string[], Record<string, string>][] = [
      [['--log.format', 'json', '--timeout', '5x'], {}],
      [['serve', '--log.format=json', '--web.listen-address', 'nope'], {}],
      [['shedule', '--log.format', 'json'], {}],
      [['--timeout', '5x'], { OPEN_NOTIFY_LOG_FORMAT: 'json' }],
    ];
    for (const [args, env] of cases) {
      const r = await runCli(args, { env });
      assert.equal(r.code, 2);
      const line = JSON.parse(r.stderr) as { level: string; msg: string; time: string };
      assert.equal(line.level, 'error');
      assert.match(line.msg, /^(option '--|unknown command 'shedule')/);
      assert.ok(!Number.isNaN(Date.parse(line.time)));
    }
  });

  it('a mistyped command word is named as such; --help lists exactly the known commands', async () => {
    let r = await runCli(['shedule']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "open-notify-exporter: error: unknown command 'shedule' (commands: schedule, serve, push, rules, dashboard, healthcheck)\n");
    r = await runCli(['--help']);
    const listed = r.stdout.split('Commands:\n')[1].split('\n\n')[0].split('\n').map((l) => /^ {2}(\S+) /.exec(l)?.[1]).filter(Boolean);
    assert.deepEqual(listed, ['schedule', 'serve', 'push', 'rules', 'dashboard', 'healthcheck', 'help']);
  });

  it('a reader closing the pipe early is not a crash', () => {
    const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${BIN}" --help | head -1`], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.stdout, 'Usage: open-notify-exporter [options] [command]\n');
    assert.doesNotMatch(r.stderr, /EPIPE|Error/);
    // A reader gone before the first write (true exits long before node has started): EPIPE, still exit 0.
    const gone = spawnSync('/bin/bash', ['-c', `"${process.execPath}" "${BIN}" --help | true; echo "exit \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(gone.stderr, 'exit 0\n');
  });

  it("a subcommand reads only its own options' variables: the one-shot's are not its business", async (t) => {
    const dir = tempDir(t);
    // serve and push have no --output; rules, dashboard and healthcheck fetch nothing.
    const noOutput = { OPEN_NOTIFY_OUTPUT: '' };
    const noFetch = { ...noOutput, OPEN_NOTIFY_API_URL: 'ftp://x', OPEN_NOTIFY_TIMEOUT: 'soon', OPEN_NOTIFY_RETRIES: '99' };
    const cases: [string[], Record<string, string>][] = [
      [['rules'], noFetch],
      [['dashboard', '-o', `${dir}/d.json`], noFetch],
      [['healthcheck', '--help'], noFetch],
      [['push', '--help'], noOutput],
      [['serve', '--help'], noOutput],
      [['help', 'rules'], noFetch],
    ];
    for (const [args, env] of cases) {
      const r = await runCli(args, { env, cwd: dir });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '');
    }
    // And running, not only --help: serve with the one-shot's OPEN_NOTIFY_OUTPUT set empty.
    const serve = startCli(['serve', '--api-url', api.url, '--web.listen-address', '127.0.0.1:0', '--refresh', '1h'], { env: noOutput });
    t.after(() => void serve.child.kill('SIGKILL'));
    await waitFor('serve to refresh', () => (serve.stderr().includes('msg="refresh finished"') ? true : undefined), 10_000);
    serve.child.kill('SIGTERM');
    assert.equal((await serve.result).code, 0);
    // Its own still count: serve's --timeout is OPEN_NOTIFY_TIMEOUT.
    const r = await runCli(['serve', '--web.listen-address', '127.0.0.1:0'], { env: { OPEN_NOTIFY_TIMEOUT: 'soon' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /value 'soon' from env 'OPEN_NOTIFY_TIMEOUT' is invalid/);
  });

  it('healthcheck exits only 0 or 1, a usage error included (Docker reserves 2)', async () => {
    for (const args of [['healthcheck', '--web.listen-address', 'nowhere'], ['healthcheck', '--bogus'], ['healthcheck', 'extra']]) {
      const r = await runCli(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.equal((await runCli(['healthcheck'], { env: { OPEN_NOTIFY_WEB_LISTEN_ADDRESS: 'nowhere' } })).code, 1);
    assert.equal((await runCli(['healthcheck', '--help'])).code, 0);
  });

  it('push: a --label and a --grouping of one name is exit 2 naming both', async () => {
    const r = await runCli(['push', '--api-url', api.url, '--gateway', api.url, '--label', 'site=a', '--grouping', 'site=b']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "open-notify-exporter: error: option '--label site=a' conflicts with option '--grouping site=b': the Pushgateway would keep only the grouping value; give the name once.\n");
    assert.deepEqual(api.counts, {}, 'nothing fetched, nothing pushed');
  });

  it("serve --process-metrics: a --label the process metrics use is exit 2", async () => {
    for (const name of ['space', 'type', 'kind', 'major']) {
      const r = await runCli(['serve', '--api-url', api.url, '--web.listen-address', '127.0.0.1:0', '--process-metrics', '--label', `${name}=x`]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`label name "${name}" is used by --process-metrics' own series`));
    }
  });

  it("the log flags are Prometheus' own: --log.level filters, --log.format logfmt is the text format, -q and -v are shorthands", async () => {
    const levels = async (args: string[], env: Record<string, string> = {}) => {
      const r = await runCli(['--api-url', api.url, '-o', '-', '--retries', '0', ...args], { env });
      return [...new Set([...r.stderr.matchAll(/level=(\w+)/g)].map((m) => m[1]))].sort().join(',');
    };
    // A good run logs one info line, and a debug line per HTTP attempt.
    assert.equal(await levels([]), 'info');
    assert.equal(await levels(['--log.level', 'warn']), '');
    assert.equal(await levels(['-q']), '');
    assert.equal(await levels(['--log.level', 'debug']), 'debug,info');
    assert.equal(await levels(['-v']), 'debug,info');
    assert.equal(await levels([], { OPEN_NOTIFY_LOG_LEVEL: 'error' }), '');
    assert.equal(await levels(['-v'], { OPEN_NOTIFY_LOG_LEVEL: 'error' }), 'debug,info', 'the flag wins over the variable');
    assert.equal(await levels(['--log.format', 'logfmt']), 'info');
    const json = await runCli(['--api-url', api.url, '-o', '-', '--retries', '0'], { env: { OPEN_NOTIFY_LOG_FORMAT: 'json' } });
    assert.ok(json.stderr.trim().split('\n').every((l) => JSON.parse(l) !== null), json.stderr);
  });

  it('a bad environment value names the variable', async () => {
    const r = await runCli([], { env: { OPEN_NOTIFY_TIMEOUT: 'soon' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /value 'soon' from env 'OPEN_NOTIFY_TIMEOUT' is invalid/);
  });

  it('--help lists options, env vars and exit codes; --version prints the version', async () => {
    let r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const s of ['--output', 'OPEN_NOTIFY_OUTPUT', '--api-url', 'OPEN_NOTIFY_API_URL', '--timeout', 'OPEN_NOTIFY_TIMEOUT', '--retries', 'OPEN_NOTIFY_RETRIES', '--max-body', '--label', '--log.format', '--quiet', '--verbose', 'Exit codes:', '  3  the output could not be written']) {
      assert.ok(r.stdout.includes(s), `help lacks ${s}`);
    }
    r = await runCli(['--version']);
    assert.equal(r.stdout, `open-notify-exporter, version 0.1.0 (node ${process.version})\n`);
  });
});
