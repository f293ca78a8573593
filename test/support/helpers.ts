// Shared test plumbing: run the built CLI as a user would, temp directories,
// and finding the Debian binaries the peer tests need.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, type TestContext } from 'node:test';
import { astrosBody, issNowBody, startFakeApi, type FakeApi } from './fakeOpenNotify';
import { parseExposition, type Sample } from '../../src/contract/previous';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const BIN = join(ROOT, 'bin', 'open-notify-exporter');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Killed after this long; a test that hits it fails on the exit code. */
  killAfterMs?: number;
  /** Prefix for the command, e.g. ['setpriv', '--reuid=nobody', ...]. */
  wrapper?: string[];
  umask?: string;
  /** Another executable of the CLI than this checkout's bin/ (an installed package), run as is. */
  command?: string;
}

/** Environment without any OPEN_NOTIFY_* the developer may have set. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('OPEN_NOTIFY_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface RunningCli {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  result: Promise<CliResult>;
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCli(args, opts).result;
}

/** Starts the CLI and hands back the child, for tests that signal it mid-run. */
export function startCli(args: string[], opts: CliOptions = {}): RunningCli {
  const started = performance.now();
  let cmd = opts.command ?? process.execPath;
  let argv = opts.command ? [...args] : [BIN, ...args];
  if (opts.umask) {
    argv = ['-c', `umask ${opts.umask} && exec "$0" "$@"`, process.execPath, BIN, ...args];
    cmd = '/bin/sh';
  }
  if (opts.wrapper) {
    argv = [...opts.wrapper.slice(1), cmd, ...argv];
    cmd = opts.wrapper[0]!;
  }
  const child = spawn(cmd, argv, {
    cwd: opts.cwd ?? tmpdir(),
    env: cleanEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 30_000);
  const result = new Promise<CliResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolvePromise({ code, signal, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
  return { child, stderr: () => stderr, result };
}

export function tempDir(t: TestContext, prefix = 'one-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Files in `dir` other than the named ones: stray temp files, if any. */
export function strayFiles(dir: string, expected: string[]): string[] {
  return readdirSync(dir).filter((f) => !expected.includes(f));
}

/** The value of the one sample matching name and labels, or undefined. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

export function parse(text: string): Sample[] {
  return parseExposition(text);
}

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Finds a binary the test needs. On a laptop without it the test skips with
 * the reason printed; under CI=true a missing binary is a failure, never a skip.
 */
export function requireBinary(t: TestContext, name: string, debianPackage: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin'])) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  const why = `${name} not found (apt-get install ${debianPackage})`;
  if (IN_CI) throw new Error(`${why}: required when CI=true`);
  process.stderr.write(`# SKIP ${t.name}: ${why}\n`);
  t.skip(why);
  return undefined;
}

/** True when running as root; otherwise skips (or fails under CI, which runs as root). */
export function requireRoot(t: TestContext, why: string): boolean {
  if (process.getuid?.() === 0) return true;
  const reason = `needs root: ${why}`;
  if (IN_CI) throw new Error(`${reason}: CI runs as root`);
  process.stderr.write(`# SKIP ${t.name}: ${reason}\n`);
  t.skip(reason);
  return false;
}

export function promtoolCheck(promtool: string, text: string): { code: number | null; output: string } {
  const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Parses one logfmt line as our logger writes it (quoted values are JSON strings). */
export function logfmt(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const m of line.matchAll(re)) out[m[1]] = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
  return out;
}

/**
 * One fake API for a test file, reset to healthy answers and zero counts
 * before each test. Returns a getter: the server starts in `before`.
 */
export function useFakeApi(): () => FakeApi {
  let api: FakeApi | undefined;
  before(async () => {
    api = await startFakeApi();
  });
  after(() => api?.close());
  beforeEach(() => {
    api!.set('/astros.json', { kind: 'json', body: astrosBody() });
    api!.set('/iss-now.json', { kind: 'json', body: issNowBody() });
    for (const k of Object.keys(api!.counts)) delete api!.counts[k];
  });
  return () => api!;
}
