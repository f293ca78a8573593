// Faults and hostile input: nothing is ever lost or half-written. A reader
// thread re-reads the output the whole time and parses every read.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, truncateSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { SWEEP_GRACE_MS } from '../../src/outputs/textfile';
import { astrosBody, FAILURES, issNowBody, PEOPLE, type Behavior, type FakeApi } from '../support/fakeOpenNotify';
import { logfmt, parse, requireRoot, ROOT, runCli, startCli, strayFiles, tempDir, useFakeApi, valueOf } from '../support/helpers';

const fake = useFakeApi();
let api: FakeApi;
beforeEach(() => {
  api = fake();
});

interface ReaderStats {
  reads: number;
  missing: number;
  invalid: string[];
}

/**
 * Re-reads `file` in a worker thread until stopped; every read that finds
 * the file must parse whole and hold open_notify_up (a complete file of ours).
 */
function startReader(file: string): { stop(): Promise<ReaderStats> } {
  const parser = join(ROOT, 'dist', 'src', 'contract', 'previous.js');
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    const { parseExposition } = require(workerData.parser);
    const stats = { reads: 0, missing: 0, invalid: [] };
    let stop = false;
    parentPort.on('message', () => { stop = true; });
    const loop = () => {
      const until = Date.now() + 20;
      while (Date.now() < until) {
        let text;
        try { text = readFileSync(workerData.file, 'utf8'); } catch { stats.missing++; continue; }
        stats.reads++;
        try {
          const s = parseExposition(text);
          if (!s.some((x) => x.name === 'open_notify_up')) throw new Error('no open_notify_up');
        } catch (e) { if (stats.invalid.length < 5) stats.invalid.push(e.message + ': ' + JSON.stringify(text.slice(-80))); }
      }
      if (stop) parentPort.postMessage(stats); else setImmediate(loop);
    };
    loop();
    `,
    { eval: true, workerData: { file, parser } },
  );
  return {
    stop: () =>
      new Promise<ReaderStats>((resolve, reject) => {
        worker.once('message', (s: ReaderStats) => void worker.terminate().then(() => resolve(s)));
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}

const ours = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('open_notify.prom'));
const leftovers = (dir: string) => ours(dir).filter((f) => f !== 'open_notify.prom');

function report(line: string): void {
  process.stderr.write(`# ${line}\n`);
}

describe('process faults', () => {
  it('SIGKILL at random points of many runs: every read is a complete file', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'open_notify.prom');
    writeFileSync(join(dir, 'foreign.prom.123'), 'not ours\n');
    // Big enough (~300 KB) that writing takes a while; answers delayed 0-40 ms.
    const many = Array.from({ length: 3000 }, (_, i) => ({ name: `Astronaut ${i} ${'x'.repeat(40)}`, craft: 'ISS' }));
    let r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const reader = startReader(out);
    const trials = 60;
    let killed = 0;
    for (let i = 0; i < trials; i++) {
      const delay = Math.floor(Math.random() * 40);
      api.set('/astros.json', { kind: 'delay', ms: delay, then: { kind: 'json', body: astrosBody(many) } });
      const cli = startCli(['--api-url', api.url, '-o', out]);
      // A run takes ~80-150 ms here: most kills land mid-run, some after it ended.
      await sleep(Math.floor(Math.random() * 150));
      if (cli.child.exitCode === null) {
        cli.child.kill('SIGKILL');
        killed += 1;
      }
      await cli.result;
    }
    const stats = await reader.stop();
    report(`SIGKILL trials: ${trials}, killed mid-run: ${killed}, reads checked: ${stats.reads}, invalid: ${stats.invalid.length}, temp files left: ${leftovers(dir).length}`);
    assert.deepEqual(stats.invalid, []);
    assert.equal(stats.missing, 0, 'the file never disappears');
    assert.ok(stats.reads > 100, `only ${stats.reads} reads`);
    assert.ok(killed > trials / 4, `only ${killed} kills landed`);
    for (const f of readdirSync(dir)) assert.ok(f === 'open_notify.prom' || !f.endsWith('.prom'), `${f} would be read by node_exporter`);

    // Leftovers of killed runs are swept once past the grace period; nothing foreign is.
    const old = (Date.now() - SWEEP_GRACE_MS - 1000) / 1000;
    for (const f of leftovers(dir)) utimesSync(join(dir, f), old, old);
    utimesSync(join(dir, 'foreign.prom.123'), old, old);
    api.set('/astros.json', { kind: 'json', body: astrosBody() });
    r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ['foreign.prom.123', 'open_notify.prom']);
    parse(readFileSync(out, 'utf8'));
  });

  it('SIGKILL exactly while a temp file exists: the output stays the old complete file', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'open_notify.prom');
    const many = Array.from({ length: 5000 }, (_, i) => ({ name: `Astronaut ${i} ${'y'.repeat(60)}`, craft: 'ISS' }));
    api.set('/astros.json', { kind: 'json', body: astrosBody(many) });
    const r = await runCli(['--api-url', api.url, '-o', out, '--max-body', '16MiB', '--max-people', '5000']);
    assert.equal(r.code, 0, r.stderr);
    const reader = startReader(out);
    let caught = 0;
    const trials = 20;
    for (let i = 0; i < trials; i++) {
      const before = readFileSync(out);
      const cli = startCli(['--api-url', api.url, '-o', out, '--max-body', '16MiB', '--max-people', '5000']);
      // inotify tells us the moment a temp file appears.
      const watcher = watch(dir, (_event, name) => {
        if (name && name !== 'open_notify.prom' && name.startsWith('open_notify.prom.') && cli.child.exitCode === null) cli.child.kill('SIGKILL');
      });
      const res = await cli.result;
      watcher.close();
      if (res.signal === 'SIGKILL') {
        caught += 1;
        const after = readFileSync(out);
        // Killed with a temp file present: either before the rename (old file) or just after it (new file).
        assert.ok(after.equals(before) || valueOf(parse(after.toString('utf8')), 'open_notify_runs_total') === valueOf(parse(before.toString('utf8')), 'open_notify_runs_total')! + 1);
      }
    }
    const stats = await reader.stop();
    report(`kill-on-temp-file trials: ${trials}, kills while a temp file existed: ${caught}, reads checked: ${stats.reads}, invalid: ${stats.invalid.length}`);
    assert.deepEqual(stats.invalid, []);
    assert.ok(caught >= trials / 4, `only ${caught} kills landed on a temp file`);
  });

  it('20 one-shot runs writing the same output at once: all exit 0, every read complete', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'open_notify.prom');
    let r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 0);
    const reader = startReader(out);
    const results = await Promise.all(Array.from({ length: 20 }, () => runCli(['--api-url', api.url, '-o', out])));
    const stats = await reader.stop();
    report(`concurrent writers: 20, reads checked: ${stats.reads}, invalid: ${stats.invalid.length}`);
    for (const x of results) assert.equal(x.code, 0, x.stderr);
    assert.deepEqual(stats.invalid, []);
    const s = parse(readFileSync(out, 'utf8'));
    assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'astros' }), 1);
    assert.deepEqual(readdirSync(dir), ['open_notify.prom']);
    r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 0);
  });
});

describe('hostile and broken API responses', () => {
  type Case = { name: string; endpoint: '/astros.json' | '/iss-now.json'; behavior: Behavior; reason: RegExp; args?: string[] };
  const refused = { kind: 'redirect', location: 'http://127.0.0.1:1/astros.json' } as const;
  const fail: Case[] = [
    { name: 'craft missing', endpoint: '/astros.json', behavior: { kind: 'json', body: astrosBody([{ name: 'A' } as never]) }, reason: /people\[0\]" must have string "name" and "craft"/ },
    { name: 'number negative', endpoint: '/astros.json', behavior: { kind: 'json', body: astrosBody(PEOPLE, -3) }, reason: /"number" must be a non-negative integer, got -3/ },
    { name: 'number float', endpoint: '/astros.json', behavior: { kind: 'json', body: astrosBody(PEOPLE, 2.5) }, reason: /got 2\.5/ },
    { name: 'number a string', endpoint: '/astros.json', behavior: { kind: 'json', body: astrosBody(PEOPLE, '3' as never) }, reason: /got "3"/ },
    { name: 'number huge', endpoint: '/astros.json', behavior: { kind: 'raw', body: '{"message":"success","number":1e400,"people":[]}' }, reason: /got null/ },
    { name: 'latitude "NaN"', endpoint: '/iss-now.json', behavior: { kind: 'json', body: issNowBody('NaN') }, reason: /latitude" must be a decimal number, got "NaN"/ },
    { name: 'latitude "Infinity"', endpoint: '/iss-now.json', behavior: { kind: 'json', body: issNowBody('Infinity') }, reason: /got "Infinity"/ },
    { name: 'latitude "1e309"', endpoint: '/iss-now.json', behavior: { kind: 'json', body: issNowBody('1e309') }, reason: /got "1e309"/ },
    { name: 'latitude out of range', endpoint: '/iss-now.json', behavior: { kind: 'json', body: issNowBody('-91') }, reason: /latitude" -91 is outside ±90/ },
    { name: 'timestamp in the future', endpoint: '/iss-now.json', behavior: { kind: 'json', body: issNowBody('1', '2', Math.floor(Date.now() / 1000) + 86400) }, reason: /"timestamp" \d+ is \d+s in the future/ },
    { name: 'timestamp a string', endpoint: '/iss-now.json', behavior: { kind: 'json', body: issNowBody('1', '2', '1700000000') }, reason: /"timestamp" must be a positive integer, got "1700000000"/ },
    { name: 'body trickling one byte every 100 ms', endpoint: '/iss-now.json', behavior: { kind: 'trickle', body: issNowBody(), intervalMs: 100 }, reason: /no complete response within 1s/, args: ['--timeout', '1s', '--retries', '0'] },
    { name: '512 MiB body', endpoint: '/astros.json', behavior: { kind: 'huge', bytes: 512 * 1024 * 1024 }, reason: /body exceeds the 128KiB cap/ },
    { name: 'redirect loop', endpoint: '/astros.json', behavior: { kind: 'redirect', location: '/astros.json' }, reason: /too many redirects/ },
    { name: 'redirect to another scheme', endpoint: '/astros.json', behavior: { kind: 'redirect', location: 'file:///etc/passwd' }, reason: /refusing file: URL/ },
    { name: 'content type that lies (HTML as JSON)', endpoint: '/astros.json', behavior: FAILURES.htmlOk, reason: /response is an HTML page, not JSON/ },
    { name: 'TCP reset mid-body', endpoint: '/astros.json', behavior: { kind: 'reset', body: astrosBody() }, reason: /connection closed before the body was complete/, args: ['--retries', '0'] },
    { name: 'a port that refuses (via redirect)', endpoint: '/astros.json', behavior: refused, reason: /connection refused/, args: ['--retries', '0'] },
    { name: 'HTTP 503 with an error body', endpoint: '/iss-now.json', behavior: FAILURES.unavailable, reason: /HTTP 503: Service temporarily unavailable/, args: ['--retries', '0'] },
  ];

  for (const c of fail) {
    it(`${c.name}: exit 1, one-line reason, up 0, nothing else changed`, async (t) => {
      const out = join(tempDir(t), 'open_notify.prom');
      let r = await runCli(['--api-url', api.url, '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      const before = parse(readFileSync(out, 'utf8'));
      api.set(c.endpoint, c.behavior);
      r = await runCli(['--api-url', api.url, '-o', out, '--timeout', '3s', ...(c.args ?? [])], { killAfterMs: 20_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.elapsedMs < 15_000, `bounded run, took ${r.elapsedMs} ms`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      const failed = c.endpoint === '/astros.json' ? 'astros' : 'iss_now';
      const other = failed === 'astros' ? 'iss_now' : 'astros';
      assert.match(logfmt(r.stderr)[failed], c.reason);
      assert.equal(logfmt(r.stderr)[other], 'ok');
      const s = parse(readFileSync(out, 'utf8'));
      assert.equal(valueOf(s, 'open_notify_up', { endpoint: failed }), 0);
      assert.equal(valueOf(s, 'open_notify_up', { endpoint: other }), 1);
      const last = { endpoint: failed };
      assert.equal(valueOf(s, 'open_notify_last_success_timestamp_seconds', last), valueOf(before, 'open_notify_last_success_timestamp_seconds', last));
      const data = failed === 'astros' ? ['open_notify_people_in_space', 'open_notify_astronaut_info'] : ['open_notify_iss_latitude_degrees', 'open_notify_iss_position_timestamp_seconds'];
      for (const n of data) assert.ok(!s.some((x) => x.name === n), `${n} left out`);
    });
  }

  const odd: { name: string; body: Behavior; check: (s: ReturnType<typeof parse>) => void }[] = [
    {
      name: '500 people, as many as --max-people takes by default',
      body: { kind: 'json', body: astrosBody(Array.from({ length: 500 }, (_, i) => ({ name: `P${i}`, craft: 'ISS' }))) },
      check: (s) => {
        assert.equal(valueOf(s, 'open_notify_people_in_space'), 500);
        assert.equal(s.filter((x) => x.name === 'open_notify_astronaut_info').length, 500);
      },
    },
    {
      name: 'duplicate people (one series; number as the API says)',
      body: { kind: 'json', body: astrosBody([PEOPLE[0], PEOPLE[0], PEOPLE[1]], 3) },
      check: (s) => {
        assert.equal(valueOf(s, 'open_notify_people_in_space'), 3);
        assert.equal(s.filter((x) => x.name === 'open_notify_astronaut_info').length, 2);
      },
    },
    {
      name: 'empty craft kept',
      body: { kind: 'json', body: astrosBody([{ name: 'A', craft: '' }]) },
      check: (s) => assert.equal(s.filter((x) => x.name === 'open_notify_astronaut_info' && x.labels.name === 'A').length, 1),
    },
    { name: 'gzip body', body: { kind: 'gzip', body: astrosBody() }, check: (s) => assert.equal(valueOf(s, 'open_notify_people_in_space'), 3) },
    { name: 'chunked body', body: { kind: 'chunked', body: astrosBody() }, check: (s) => assert.equal(valueOf(s, 'open_notify_people_in_space'), 3) },
    { name: 'one redirect', body: { kind: 'redirect', location: '/moved/astros.json' }, check: (s) => assert.equal(valueOf(s, 'open_notify_people_in_space'), 3) },
  ];
  for (const c of odd) {
    it(`${c.name}: accepted, exit 0`, async (t) => {
      const out = join(tempDir(t), 'open_notify.prom');
      api.set('/astros.json', c.body);
      api.set('/moved/astros.json', { kind: 'json', body: astrosBody() });
      const r = await runCli(['--api-url', api.url, '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      c.check(parse(readFileSync(out, 'utf8')));
    });
  }
});

describe('hostile output paths: a device, FIFO or socket is refused untouched, before any I/O', () => {
  /** The identity of a file system object: what must not change. */
  const identity = (p: string) => {
    const st = lstatSync(p);
    return { mode: st.mode, rdev: st.rdev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  };

  async function refused(dir: string, node: string, type: RegExp, output = node): Promise<void> {
    const before = identity(node);
    const files = readdirSync(dir).sort();
    // Killed at 15 s: before the fix a FIFO hung here for ever, and /dev/zero grew memory until the OOM killer came.
    const r = await runCli(['--api-url', api.url, '-o', output], { killAfterMs: 15_000 });
    assert.equal(r.code, 3, `${r.signal ?? ''} ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(logfmt(r.stderr).msg, new RegExp(`^cannot write \\S+: it is ${type.source}, not a regular file$`));
    assert.deepEqual(identity(node), before, 'the node is untouched');
    assert.deepEqual(readdirSync(dir).sort(), files, 'nothing written beside it');
    assert.equal(api.counts['/astros.json'], undefined, 'refused before fetching');
  }

  const devices: [string, string, RegExp][] = [
    ['null', 'c 1 3', /a character device/],
    ['zero', 'c 1 5', /a character device/],
    ['full', 'c 1 7', /a character device/],
    ['loop', 'b 7 250', /a block device/],
  ];
  for (const [name, spec, type] of devices) {
    it(`${type.source} like /dev/${name} (our own node, made with mknod)`, async (t) => {
      if (!requireRoot(t, 'mknod makes device nodes')) return;
      const dir = tempDir(t);
      const node = join(dir, name);
      execFileSync('mknod', [node, ...spec.split(' ')]);
      await refused(dir, node, type);
    });
  }

  it('a symlink to a device: the link is followed, and refused for what it points to', async (t) => {
    if (!requireRoot(t, 'mknod makes device nodes')) return;
    const dir = tempDir(t);
    const node = join(dir, 'null');
    execFileSync('mknod', [node, 'c', '1', '3']);
    symlinkSync(node, join(dir, 'out.prom'));
    await refused(dir, node, /a character device/, join(dir, 'out.prom'));
    assert.equal(readlinkSync(join(dir, 'out.prom')), node);
  });

  it('a FIFO: refused at once, no hang, still a FIFO', async (t) => {
    const dir = tempDir(t);
    const fifo = join(dir, 'ff');
    execFileSync('mkfifo', [fifo]);
    await refused(dir, fifo, /a FIFO \(named pipe\)/);
  });

  it('a socket: refused, still a socket', async (t) => {
    const dir = tempDir(t);
    const sock = join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await refused(dir, sock, /a socket/);
  });

  it('schedule refuses a FIFO in every run and keeps running', async (t) => {
    const dir = tempDir(t);
    const fifo = join(dir, 'ff');
    execFileSync('mkfifo', [fifo]);
    const cli = startCli(['schedule', '--api-url', api.url, '-o', fifo, '--cron', '0 0 1 1 *'], { killAfterMs: 15_000 });
    for (let i = 0; i < 100 && !cli.stderr().includes('cannot write'); i++) await sleep(50);
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /level=error msg="cannot write \S+ff: it is a FIFO \(named pipe\), not a regular file"/);
    assert.ok(lstatSync(fifo).isFIFO());
  });
});

describe('the previous file is read back with a cap', () => {
  // --max-people 64 makes the cap 4 MiB: (64 + 64) lines of at most 32 KiB.
  it('a file over 4 MiB at the output (here a sparse 64 GiB one) is not ours: a warning, counters restart, the run completes', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'open_notify.prom');
    writeFileSync(out, 'open_notify_runs_total 41\n');
    truncateSync(out, 64 * 1024 ** 3);
    const r = await runCli(['--api-url', api.url, '-o', out, '--max-people', '64'], { killAfterMs: 15_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /level=warn msg="previous output \S+ is over 4MiB \(68719476736 bytes or more\), too large to be ours; starting fresh"/);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_runs_total'), 1);
    assert.ok(statSync(out).size < 64 * 1024);
  });

  it('a file just under the cap that parses is read; one byte over is not', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'open_notify.prom');
    const line = 'open_notify_runs_total 41\n';
    const pad = `# ${'x'.repeat(1000)}\n`;
    const body = (bytes: number) => pad.repeat(Math.floor((bytes - line.length) / pad.length)) + line;
    const under = body(4 * 1024 * 1024);
    writeFileSync(out, `${'#'.repeat(4 * 1024 * 1024 - under.length - 1)}\n${under}`);
    assert.equal(statSync(out).size, 4 * 1024 * 1024);
    let r = await runCli(['--api-url', api.url, '-o', out, '--max-people', '64']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_runs_total'), 42, r.stderr);
    writeFileSync(out, `#${'#'.repeat(4 * 1024 * 1024 - under.length - 1)}\n${under}`);
    r = await runCli(['--api-url', api.url, '-o', out, '--max-people', '64']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /too large to be ours/);
    assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_runs_total'), 1);
  });
});

describe('symbolic links and odd paths', () => {
  it('a dangling symlink: its target is created and the link kept', async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'real'));
    const link = join(dir, 'open_notify.prom');
    symlinkSync('real/target.prom', link);
    const r = await runCli(['--api-url', api.url, '-o', link]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is kept');
    assert.equal(readlinkSync(link), 'real/target.prom');
    assert.equal(valueOf(parse(readFileSync(join(dir, 'real', 'target.prom'), 'utf8')), 'open_notify_up', { endpoint: 'astros' }), 1);
    assert.match(logfmt(r.stderr).target, /real\/target\.prom$/);
    assert.deepEqual(strayFiles(join(dir, 'real'), ['target.prom']), []);
  });

  it('a chain of links, the last one dangling, is followed to its end', async (t) => {
    const dir = tempDir(t);
    symlinkSync(join(dir, 'b.prom'), join(dir, 'a.prom'));
    symlinkSync('c.prom', join(dir, 'b.prom'));
    const r = await runCli(['--api-url', api.url, '-o', join(dir, 'a.prom')]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(lstatSync(join(dir, 'a.prom')).isSymbolicLink() && lstatSync(join(dir, 'b.prom')).isSymbolicLink());
    assert.ok(lstatSync(join(dir, 'c.prom')).isFile());
  });

  it('a dangling symlink into a missing directory: exit 3, the link untouched', async (t) => {
    const dir = tempDir(t);
    const link = join(dir, 'open_notify.prom');
    symlinkSync(join(dir, 'gone', 'target.prom'), link);
    const r = await runCli(['--api-url', api.url, '-o', link]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /msg="cannot write \S+open_notify\.prom: directory \S+\/gone does not exist"/);
    assert.equal(readlinkSync(link), join(dir, 'gone', 'target.prom'));
    assert.deepEqual(strayFiles(dir, ['open_notify.prom']), []);
  });

  it('a symlink loop: exit 3, too many levels of symbolic links', async (t) => {
    const dir = tempDir(t);
    symlinkSync('b.prom', join(dir, 'a.prom'));
    symlinkSync('a.prom', join(dir, 'b.prom'));
    const r = await runCli(['--api-url', api.url, '-o', join(dir, 'a.prom')]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /too many levels of symbolic links/);
  });

  it('-o with a trailing slash: exit 2, nothing written', async (t) => {
    const dir = tempDir(t);
    const r = await runCli(['--api-url', api.url, '-o', 'out/'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /option '-o, --output <file>' argument 'out\/' is invalid\. expected a file path, not a directory \(it ends in \/\)/);
    assert.deepEqual(strayFiles(dir, []), []);
  });

  it('an existing 0600 output becomes 0644, so node_exporter can read it (documented)', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    writeFileSync(out, '');
    chmodSync(out, 0o600);
    const r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o644);
  });
});

describe('the largest file the flags allow', () => {
  it('16 labels and 500 names of 256 four-byte characters: the file is read back, the counters go on; a longer --label value or a 17th is exit 2', async (t) => {
    const out = join(tempDir(t), 'open_notify.prom');
    const wide = (c: string) => c.repeat(256);
    api.set('/astros.json', { kind: 'json', body: astrosBody(Array.from({ length: 500 }, (_, i) => ({ name: `${i}${wide('🚀')}`, craft: wide('🛰') }))) });
    const labels = Array.from({ length: 16 }, (_, i) => ['--label', `l${i}=${wide('🌍')}`]).flat();
    for (let run = 1; run <= 2; run++) {
      const r = await runCli(['--api-url', api.url, '-o', out, '--max-body', '4MiB', ...labels], { killAfterMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /too large/);
      assert.equal(valueOf(parse(readFileSync(out, 'utf8')), 'open_notify_runs_total'), run);
    }
    assert.ok(statSync(out).size > 4 * 1024 * 1024, `${statSync(out).size} bytes: over the old cap`);
    let r = await runCli(['--api-url', api.url, '-o', out, '--label', `x=${'a'.repeat(257)}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /label "x" has a value of 257 characters; at most 256/);
    r = await runCli(['--api-url', api.url, '-o', out, ...labels, '--label', 'l16=x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /at most 16 labels/);
  });
});

describe('a link planted at the output in a sticky, world-writable directory', () => {
  it("is followed only where the kernel would follow it (fs.protected_symlinks): nobody's link to a root-only file is exit 3, the file untouched; our own link is followed", async (t) => {
    if (!requireRoot(t, 'chown a link to nobody')) return;
    const base = tempDir(t);
    const shared = join(base, 'tmp');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const victim = join(base, 'shadow');
    writeFileSync(victim, 'secret\n', { mode: 0o600 });
    const out = join(shared, 'open_notify.prom');
    symlinkSync(victim, out);
    lchownSync(out, 65534, 65534);
    const r = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /cannot write \S+open_notify\.prom: a symbolic link owned by uid 65534 in a sticky world-writable directory; not followed/);
    assert.equal(readFileSync(victim, 'utf8'), 'secret\n');
    assert.equal(statSync(victim).mode & 0o777, 0o600);
    lchownSync(out, 0, 0);
    const ours = await runCli(['--api-url', api.url, '-o', out]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.match(readFileSync(victim, 'utf8'), /open_notify_up/);
  });
});
