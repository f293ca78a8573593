// Starting the real programs the tests talk to (node_exporter, Prometheus,
// the Pushgateway) on loopback: free ports, bounded readiness, always stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet } from '../../src/lib/http';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function getText(url: string, timeoutMs = 5000): Promise<{ status: number; body: string; contentType: string }> {
  const r = await httpGet(url, { timeoutMs, maxBodyBytes: 32 * 1024 * 1024, maxRedirects: 0, userAgent: 'open-notify-exporter-tests' });
  return { status: r.status, body: r.body.toString('utf8'), contentType: r.contentType };
}

/** Polls `probe` every 100 ms until it returns a value, at most `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; Date.now() < deadline && i < 10_000; i++) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`);
}

export interface Peer {
  child: ChildProcess;
  url: string;
  log(): string;
}

/** Starts `cmd`, waits until `readyPath` answers 200, and stops it (TERM, then KILL) after the test. */
export async function startPeer(t: TestContext, cmd: string, args: string[], port: number, readyPath: string): Promise<Peer> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${cmd} on ${url}${readyPath}`, async () => {
    if (child.exitCode !== null) throw new Error(`${cmd} exited with ${child.exitCode}: ${log.slice(-500)}`);
    const r = await getText(`${url}${readyPath}`, 1000);
    return r.status === 200 ? true : undefined;
  });
  return { child, url, log: () => log };
}
