// End to end: the built CLI as a subprocess against the fake API, checked the
// way a user or node_exporter would see it.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { FAILURES, astrosBody, issNowBody, PEOPLE, type FakeApi } from '../support/fakeOpenNotify';
import { BIN, cleanEnv, logfmt, parse, promtoolCheck, requireBinary, requireRoot, runCli, strayFiles, tempDir, valueOf, useFakeApi } from '../support/helpers';

const fake = useFakeApi();
let api: FakeApi;
beforeEach(() => {
  api = fake();
});

const fast = ['--timeout', '2s'];

describe('one-shot run', () => {
  it('writes every contract series and exits 0 when both endpoints answer', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'open_notify.prom');
    const before = Date.now() / 1000;
    const r = await runCli(['--api-url', api.url, '-o', out, ...fast]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const s = parse(readFileSync(out, 'utf8'));
    assert.equal(valueOf(s, 'open_notify_people_in_space'), 3);
    for (const p of PEOPLE) assert.equal(valueOf(s, 'open_notify_astronaut_info', p), 1);
    assert.equal(valueOf(s, 'open_notify_iss_latitude_degrees'), -44.4759);
    assert.equal(valueOf(s, 'open_notify_iss_longitude_degrees'), 120.1234);
    assert.ok(Math.abs(valueOf(s, 'open_notify_iss_position_timestamp_seconds')! - before) < 60);
    for (const endpoint of ['astros', 'iss_now']) {
      assert.equal(valueOf(s, 'open_notify_up', { endpoint }), 1);
      const d = valueOf(s, 'open_notify_fetch_duration_seconds', { endpoint })!;
      assert.ok(d > 0 && d < 2, `duration ${d}`);
      assert.ok(valueOf(s, 'open_notify_last_success_timestamp_seconds', { endpoint })! >= Math.floor(before));
    }
    assert.ok(valueOf(s, 'open_notify_last_run_timestamp_seconds')! >= Math.floor(before));
    assert.equal(valueOf(s, 'open_notify_build_info', { version: '0.1.0', nodejs: process.versions.node }), 1);
    // One summary line on stderr naming outcome, endpoints, duration and path.
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /level=info msg="run finished" outcome=ok astros=ok iss_now=ok duration=\d+\.\d{3}s output=\S+open_notify\.prom/);
    assert.deepEqual(strayFiles(dir, ['open_notify.prom']), []);
    assert.equal(api.counts['/astros.json'], 1);
    assert.equal(api.counts['/iss-now.json'], 1);
  });

  it('writes mode 0644 even under umask 077', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'o.prom');
    const r = await runCli(['--api-url', api.url, '-o', out], { umask: '077' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o644);
  });

  it('defaults to ./open_notify.prom in the working directory', async (t) => {
    const dir = tempDir(t);
    const r = await runCli(['--api-url', api.url], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(dir, 'open_notify.prom')));
  });

  it('writes to stdout with -o - and logs only to stderr', async () => {
    const r = await runCli(['--api-url', api.url, '-o', '-']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(valueOf(parse(r.stdout), 'open_notify_people_in_space'), 3);
    assert.match(r.stderr, /outcome=ok/);
    assert.doesNotMatch(r.stderr, /# HELP/);
  });

  it('takes options from the environment, and a flag wins over its variable', async (t) => {
    const dir = tempDir(t);
    const fromEnv = join(dir, 'env.prom');
    const fromFlag = join(dir, 'flag.prom');
    let r = await runCli([], { env: { OPEN_NOTIFY_API_URL: api.url, OPEN_NOTIFY_OUTPUT: fromEnv } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(fromEnv));
    r = await runCli(['-o', fromFlag], { env: { OPEN_NOTIFY_API_URL: api.url, OPEN_NOTIFY_OUTPUT: join(dir, 'unused.prom') } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(fromFlag));
    assert.ok(!existsSync(join(dir, 'unused.prom')));
  });

  it('adds --label constant labels to every series', async (t) => {
    const out = join(tempDir(t), 'l.prom');
    const r = await runCli(['--api-url', api.url, '-o', out, '--label', 'site=lab 1', '--label', 'team=ops']);
    assert.equal(r.code, 0, r.stderr);
    const s = parse(readFileSync(out, 'utf8'));
    assert.ok(s.length > 10);
    for (const sample of s) assert.deepEqual([sample.labels.site, sample.labels.team], ['lab 1', 'ops'], sample.name);
  });

  it('logs JSON lines with --log.format json, nothing with -q on success', async (t) => {
    const dir = tempDir(t);
    let r = await runCli(['--api-url', api.url, '-o', join(dir, 'a.prom'), '--log.format', 'json']);
    const line = JSON.parse(r.stderr) as Record<string, unknown>;
    assert.equal(line.level, 'info');
    assert.equal(line.outcome, 'ok');
    r = await runCli(['--api-url', api.url, '-o', join(dir, 'a.prom'), '-q']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    r = await runCli(['--api-url', api.url, '-o', join(dir, 'a.prom'), '-v']);
    assert.match(r.stderr, /level=debug msg="attempt succeeded" endpoint=astros attempt=1/);
  });
});

describe('counters carried across one-shot runs', () => {
  it('three runs in a row give runs_total 3; failures and every attempt are counted', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    let r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    api.set('/astros.json', FAILURES.unavailable);
    r = await runCli(['--api-url', api.url, '-o', out, '--retries', '1']);
    assert.equal(r.code, 1, r.stderr);
    api.set('/astros.json', { kind: 'json', body: astrosBody() });
    r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const s = parse(readFileSync(out, 'utf8'));
    assert.equal(valueOf(s, 'open_notify_runs_total'), 3);
    assert.equal(valueOf(s, 'open_notify_skipped_runs_total'), 0);
    assert.equal(valueOf(s, 'open_notify_fetch_failures_total', { endpoint: 'astros' }), 1);
    assert.equal(valueOf(s, 'open_notify_fetch_failures_total', { endpoint: 'iss_now' }), 0);
    // astros: 1 + 2 (one retry) + 1 attempts; iss_now: one per run.
    assert.equal(valueOf(s, 'open_notify_request_duration_seconds_count', { endpoint: 'astros' }), 4);
    assert.equal(valueOf(s, 'open_notify_request_duration_seconds_bucket', { endpoint: 'astros', le: '+Inf' }), 4);
    assert.equal(valueOf(s, 'open_notify_request_duration_seconds_count', { endpoint: 'iss_now' }), 3);
    assert.ok(valueOf(s, 'open_notify_request_duration_seconds_sum', { endpoint: 'astros' })! > 0);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  it('a corrupt previous file restarts the counters from zero with a warning, never a crash', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    writeFileSync(out, 'open_notify_runs_total 17\nopen_notify_runs_total{garbage\n');
    const r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /level=warn msg="previous output \S+ is not valid \(line 2: .*\); starting fresh"/);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_runs_total'), 1);
  });
});

describe('endpoint failures', () => {
  it('partial failure: file complete, up 0, no stale data, last success carried forward, exit 1', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'open_notify.prom');
    let r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const firstSuccess = valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_last_success_timestamp_seconds', { endpoint: 'astros' });

    api.set('/astros.json', FAILURES.unavailable);
    r = await runCli(['--api-url', api.url, '-o', out, '--retries', '2']);
    assert.equal(r.code, 1, r.stderr);
    const s = parse(readFileSync(out, 'utf8'));
    assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'astros' }), 0);
    assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'iss_now' }), 1);
    assert.equal(valueOf(s, 'open_notify_people_in_space'), undefined);
    assert.equal(s.filter((x) => x.name === 'open_notify_astronaut_info').length, 0);
    assert.equal(valueOf(s, 'open_notify_iss_latitude_degrees'), -44.4759);
    assert.equal(valueOf(s, 'open_notify_last_success_timestamp_seconds', { endpoint: 'astros' }), firstSuccess);
    assert.equal(api.counts['/astros.json'], 1 + 3, 'one request in the first run, then 1 + 2 retries');
    assert.deepEqual(
      { ...logfmt(r.stderr), time: '', duration: '', output: '' },
      { time: '', level: 'error', msg: 'run finished with failed endpoints', outcome: 'partial', astros: 'error: HTTP 503: Service temporarily unavailable (after 3 attempts)', astros_url: `${api.url}/astros.json`, iss_now: 'ok', duration: '', output: '' },
    );
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.deepEqual(strayFiles(dir, ['open_notify.prom']), []);
  });

  it('a failed fetch names the URL it asked (credentials redacted) and a TLS failure in one phrase', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'o.prom');
    let r = await runCli(['--api-url', `${api.url}/astros.json`, '-o', out, '--retries', '0']);
    assert.equal(r.code, 1);
    let line = logfmt(r.stderr);
    assert.match(line.astros, /^error: HTTP 404/);
    assert.equal(line.astros_url, `${api.url}/astros.json/astros.json`, 'the doubled path is there to see');
    const port = new URL(api.url).port;
    r = await runCli(['--api-url', `https://user:s3cret@127.0.0.1:${port}`, '-o', out, '--retries', '0']);
    line = logfmt(r.stderr);
    assert.equal(line.astros, 'error: TLS: the other end does not speak TLS (plain HTTP?)');
    assert.equal(line.iss_now_url, `https://user:***@127.0.0.1:${port}/iss-now.json`);
    assert.doesNotMatch(r.stderr, /s3cret|deps\/openssl|ssl3_get_record/);
  });

  it('a failing endpoint with no previous file has no last-success series', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    api.set('/iss-now.json', FAILURES.gatewayTimeout);
    const r = await runCli(['--api-url', api.url, '-o', out, '--retries', '0']);
    assert.equal(r.code, 1);
    const s = parse(readFileSync(out, 'utf8'));
    assert.equal(valueOf(s, 'open_notify_last_success_timestamp_seconds', { endpoint: 'iss_now' }), undefined);
    assert.ok(valueOf(s, 'open_notify_last_success_timestamp_seconds', { endpoint: 'astros' })! > 0);
    assert.match(r.stderr, /iss_now="error: HTTP 504: an HTML page"/);
  });

  it('warns and starts fresh when the previous file is corrupt', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    writeFileSync(out, 'open_notify_up{endpoint="astros" 1\n');
    api.set('/astros.json', FAILURES.unavailable);
    const r = await runCli(['--api-url', api.url, '-o', out, '--retries', '0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /level=warn msg="previous output \S+ is not valid \(line 1: .*\); starting fresh"/);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_up', { endpoint: 'astros' }), 0);
  });

  const cases: { name: string; set: () => void; args?: string[]; reason: RegExp; requests?: number }[] = [
    { name: '404 is not retried', set: () => api.set('/astros.json', FAILURES.notFound), reason: /HTTP 404: "not found" ok$/, requests: 1 },
    { name: '429 is retried', set: () => api.set('/astros.json', FAILURES.tooMany), args: ['--retries', '1'], reason: /HTTP 429: "slow down" \(after 2 attempts\)/, requests: 2 },
    { name: 'HTML under 200 OK', set: () => api.set('/astros.json', FAILURES.htmlOk), reason: /response is an HTML page, not JSON/, requests: 1 },
    { name: 'truncated JSON', set: () => api.set('/astros.json', FAILURES.truncated), reason: /response is not valid JSON/, requests: 1 },
    { name: 'message other than success', set: () => api.set('/astros.json', { kind: 'json', body: { message: 'error', number: 1, people: [] } }), reason: /"message" is "error", not "success"/ },
    { name: 'negative number', set: () => api.set('/astros.json', { kind: 'json', body: astrosBody(PEOPLE, -1) }), reason: /"number" must be a non-negative integer, got -1/ },
    { name: 'latitude NaN', set: () => api.set('/iss-now.json', { kind: 'json', body: issNowBody('NaN') }), reason: /"iss_position\.latitude" must be a decimal number, got "NaN"/ },
    { name: 'longitude out of range', set: () => api.set('/iss-now.json', { kind: 'json', body: issNowBody('1', '180.5') }), reason: /"iss_position\.longitude" 180\.5 is outside ±180/ },
    { name: 'body over the cap', set: () => api.set('/astros.json', { kind: 'huge', bytes: 8 * 1024 * 1024 }), args: ['--max-body', '64KiB'], reason: /body exceeds the 64KiB cap/, requests: 1 },
    { name: 'connection refused', set: () => undefined, args: ['--api-url', 'http://127.0.0.1:1', '--retries', '1'], reason: /connection refused \(after 2 attempts\)/ },
  ];
  for (const c of cases) {
    it(`${c.name}: exit 1 with a one-line reason, file still valid`, async (t) => {
      const dir = tempDir(t);
      const out = join(dir, 'o.prom');
      c.set();
      const r = await runCli(['--api-url', api.url, '-o', out, ...fast, ...(c.args ?? [])]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      const fields = logfmt(r.stderr);
      assert.match(`${fields.astros} ${fields.iss_now}`, c.reason);
      const s = parse(readFileSync(out, 'utf8'));
      assert.ok(s.some((x) => x.name === 'open_notify_up' && x.value === 0));
      if (c.requests !== undefined) assert.equal(api.counts['/astros.json'], c.requests);
      assert.deepEqual(strayFiles(dir, ['o.prom']), []);
    });
  }

  it('API text in the log: C1 and bidi controls escaped, in text and JSON lines', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    api.set('/astros.json', { kind: 'json', status: 503, body: { message: 'error', reason: 'down\u009b31m\u202eevil' } });
    for (const format of ['logfmt', 'json']) {
      const r = await runCli(['--api-url', api.url, '-o', out, '--retries', '0', '--log.format', format]);
      assert.equal(r.code, 1);
      assert.doesNotMatch(r.stderr, /[\u0080-\u009f\u202e]/, 'raw control characters reached the log');
      assert.ok(r.stderr.includes('down\\u009b31m\\u202eevil'), r.stderr);
    }
  });

  it('a server that never answers is bounded by --timeout, retries included', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    api.set('/astros.json', { kind: 'hang' });
    const r = await runCli(['--api-url', api.url, '-o', out, '--timeout', '300ms', '--retries', '1']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /astros="error: no complete response within 300ms \(after 2 attempts\)"/);
    assert.equal(api.counts['/astros.json'], 2);
    // Two 300 ms attempts and one backoff of at most 250 ms, plus start-up.
    assert.ok(r.elapsedMs < 5000, `took ${r.elapsedMs} ms`);
  });

  it('the deadline covers the body: a trickling body times out', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    api.set('/iss-now.json', { kind: 'trickle', body: issNowBody(), intervalMs: 100 });
    const r = await runCli(['--api-url', api.url, '-o', out, '--timeout', '500ms', '--retries', '0']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /iss_now="error: no complete response within 500ms"/);
    assert.ok(r.elapsedMs < 5000, `took ${r.elapsedMs} ms`);
  });

  it('recovers when a retry succeeds', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    api.set('/astros.json', FAILURES.unavailable, { kind: 'json', body: astrosBody() });
    const r = await runCli(['--api-url', api.url, '-o', out, '--retries', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(api.counts['/astros.json'], 2);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_up', { endpoint: 'astros' }), 1);
  });
});

/** The CLI with stdout or stderr on /dev/full: every write there fails with ENOSPC. Not spawnSync: the fake API answers from this process. */
async function withFull(args: string[], stream: 'stdout' | 'stderr', cwd: string): Promise<{ code: number | null; stderr: string }> {
  const full = openSync('/dev/full', 'w');
  try {
    const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', stream === 'stdout' ? full : 'pipe', stream === 'stderr' ? full : 'pipe'];
    const child = spawn(process.execPath, [BIN, ...args], { stdio, env: cleanEnv(), cwd });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(killer);
    return { code, stderr };
  } finally {
    closeSync(full);
  }
}

describe('standard output or error that cannot be written', () => {
  it('-o - on a full device: one line, exit 3; rules, dashboard, --help and --version too', async (t) => {
    const dir = tempDir(t);
    let r = await withFull(['--api-url', api.url, '-o', '-', ...fast], 'stdout', dir);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /level=error msg="cannot write to standard output: no space left on device" astros=ok iss_now=ok/);
    for (const args of [['rules'], ['dashboard'], ['--help'], ['--version'], ['serve', '--help']]) {
      r = await withFull(args, 'stdout', dir);
      assert.deepEqual([r.code, r.stderr], [3, 'open-notify-exporter: cannot write to standard output: no space left on device\n'], args.join(' '));
    }
  });

  it('a log line that cannot be written changes nothing: the file is written, exit 0', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'o.prom');
    const r = await withFull(['--api-url', api.url, '-o', out, ...fast], 'stderr', dir);
    assert.equal(r.code, 0);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_people_in_space'), 3);
    api.set('/astros.json', FAILURES.unavailable);
    assert.equal((await withFull(['--api-url', api.url, '-o', out, '--retries', '0'], 'stderr', dir)).code, 1, 'still the exit code of the run');
  });
});

describe('write failures: exit 3, previous file untouched', () => {
  it('missing directory', async (t) => {
    const dir = tempDir(t);
    const r = await runCli(['--api-url', api.url, '-o', join(dir, 'nope', 'o.prom')]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /level=error msg="cannot write \S+nope\/o\.prom: directory \S+nope does not exist"/);
    assert.deepEqual(strayFiles(dir, []), []);
  });

  it('output path is a directory', async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'o.prom'));
    const r = await runCli(['--api-url', api.url, '-o', join(dir, 'o.prom')]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /cannot write \S+: the output path is a directory/);
    assert.deepEqual(strayFiles(dir, ['o.prom']), []);
  });

  it('directory without write permission (as nobody)', async (t) => {
    if (!requireRoot(t, 'runs the CLI as nobody')) return;
    const dir = tempDir(t);
    chmodSync(dir, 0o755);
    const out = join(dir, 'o.prom');
    writeFileSync(out, 'old\n');
    chmodSync(out, 0o666);
    const r = await runCli(['--api-url', api.url, '-o', out], {
      wrapper: ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'],
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /cannot write \S+o\.prom: permission denied/);
    assert.equal(readFileSync(out, 'utf8'), 'old\n');
    assert.deepEqual(strayFiles(dir, ['o.prom']), []);
  });
});

describe('hostile label values', () => {
  const hostile = [
    { name: 'Quote " and \\ backslash', craft: 'ISS' },
    { name: 'New\nline} open_notify_people_in_space 99', craft: 'ISS' },
    { name: 'Carriage\rreturn and NUL\u0000', craft: 'Tiangong' },
    { name: 'Юрий Гагарин 宇航员 🚀', craft: 'Восток' },
    { name: 'x'.repeat(10_000), craft: 'ISS' },
    { name: '', craft: '' },
  ];

  it('no name adds a series or breaks the file', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    api.set('/astros.json', { kind: 'json', body: astrosBody(hostile) });
    const r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    const s = parse(text);
    assert.equal(valueOf(s, 'open_notify_people_in_space'), hostile.length);
    const info = s.filter((x) => x.name === 'open_notify_astronaut_info');
    assert.equal(info.length, hostile.length);
    assert.ok(info.some((x) => x.labels.name === 'Quote " and \\ backslash'));
    assert.ok(info.some((x) => x.labels.name === 'New\ufffdline} open_notify_people_in_space 99'));
    assert.ok(info.some((x) => x.labels.name === 'Carriage\ufffdreturn and NUL\ufffd'), 'control characters replaced');
    assert.ok(info.some((x) => x.labels.name === 'Юрий Гагарин 宇航员 🚀' && x.labels.craft === 'Восток'));
    assert.ok(info.some((x) => x.labels.name.length === 256 && x.labels.name.endsWith('…')), 'long names cut to 256 characters');
    assert.ok(!text.includes('\r') && !text.includes('\u0000'));
  });
});

describe('names that become the same text', () => {
  it('lone surrogates, U+FFFD itself and a cut that ends the same: one astronaut line per distinct output value', async () => {
    const long = 'x'.repeat(300);
    api.set('/astros.json', { kind: 'json', body: astrosBody(['\ud800', '\udc00', '\udbff', '\ufffd', `${long}a`, `${long}b`].map((name) => ({ name, craft: 'ISS' }))) });
    const r = await runCli(['--api-url', api.url, '-o', '-']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('open_notify_astronaut_info{'));
    assert.equal(new Set(lines).size, lines.length, lines.join('\n'));
    assert.equal(lines.length, 2, lines.join('\n'));
  });
});

describe('promtool check metrics', () => {
  it('is silent on the success, partial-failure and hostile-name outputs', async (t) => {
    const promtool = requireBinary(t, 'promtool', 'prometheus');
    if (!promtool) return;
    const outputs: Record<string, string> = {};
    let r = await runCli(['--api-url', api.url, '-o', '-', '--label', 'site=a']);
    outputs.success = r.stdout;
    api.set('/astros.json', FAILURES.unavailable);
    r = await runCli(['--api-url', api.url, '-o', '-', '--retries', '0']);
    assert.equal(r.code, 1);
    outputs.partial = r.stdout;
    api.set('/astros.json', { kind: 'json', body: astrosBody([{ name: 'a"b\\c\nd\u0000', craft: '🚀' }]) });
    api.set('/iss-now.json', FAILURES.unavailable);
    r = await runCli(['--api-url', api.url, '-o', '-', '--retries', '0']);
    outputs.hostile = r.stdout;
    for (const [name, text] of Object.entries(outputs)) {
      assert.ok(text.includes('open_notify_up'), name);
      assert.deepEqual(promtoolCheck(promtool, text), { code: 0, output: '' }, name);
    }
    // The check can fail: a family without HELP is a finding.
    const broken = promtoolCheck(promtool, outputs.success.replace(/# HELP open_notify_people_in_space .*\n/, ''));
    assert.notDeepEqual(broken, { code: 0, output: '' });
  });
});
