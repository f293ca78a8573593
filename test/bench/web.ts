// npm run bench's sections on serve --web.config.file under hostile
// clients, each against its budget: the connection-cap lockout
// (BENCH_ONLY=lockout), the wrong-password floods (auth) and the slow
// readers (slowreaders). serve runs with the units' flags; the attackers
// come from 127.0.0.2, the scraper from 127.0.0.1, as on a real network
// they come from different hosts. Loopback only; every loop is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { BIN } from '../support/helpers';
import { freePort, waitFor } from '../support/peers';
import { makePki, type Pki } from '../support/pki';

const f1 = (n: number) => n.toFixed(1);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const verdict = (ok: boolean) => (ok ? 'within budget' : 'OVER BUDGET');
const bcrypt = () => require('@node-rs/bcrypt') as { hashSync(p: string, cost: number): string };

function peakMiB(pid: number): number {
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function startServe(flags: string[], args: string[]): ChildProcess {
  return spawn(process.execPath, [...flags, BIN, 'serve', '-q', ...args], { stdio: 'ignore' });
}

async function stop(serve: ChildProcess): Promise<void> {
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('exit', r));
}

/** One request on a new connection (TLS when `ca`), from `local`: status and milliseconds. */
function once(port: number, path: string, o: { auth?: string; secure?: boolean; local?: string; agent?: http.Agent; timeoutMs?: number } = {}): Promise<{ status: number; ms: number; bytes: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const lib = o.secure ? (require('node:https') as typeof import('node:https')) : http;
    const req = lib.get(
      { host: '127.0.0.1', port, path, localAddress: o.local ?? '127.0.0.1', agent: o.agent ?? false, rejectUnauthorized: false, timeout: o.timeoutMs ?? 10_000, headers: o.auth ? { authorization: `Basic ${Buffer.from(o.auth).toString('base64')}` } : {} },
      (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, bytes }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0, bytes: 0 }));
  });
}

/**
 * --max-connections (256) filled from 127.0.0.2 by a third each of idle
 * TCP connections, connections that sent 5 bytes of a ClientHello, and TLS
 * keep-alive connections asking /healthz every 3 s, each re-opened as soon
 * as it is closed; meanwhile a scraper (TLS, basic auth) on a new
 * connection every 250 ms.
 */
export async function lockout(apiUrl: string, dir: string, flags: string[], p: Pki): Promise<string[]> {
  const seconds = Number(process.env.BENCH_LOCKOUT_SECONDS ?? 15);
  const web = join(dir, 'web-lockout.yml');
  writeFileSync(web, `tls_server_config:\n  cert_file: ${p.serverCert}\n  key_file: ${p.serverKey}\nbasic_auth_users:\n  prom: '${bcrypt().hashSync('s3cret', 10)}'\n`);
  const port = await freePort();
  const serve = startServe(flags, ['--api-url', apiUrl, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1h', '--web.config.file', web]);
  const open = new Set<net.Socket>();
  let stopping = false;
  try {
    await waitFor('serve', async () => ((await once(port, '/metrics', { secure: true, auth: 'prom:s3cret' })).status === 200 ? true : undefined), 30_000);
    const attacker = (i: number): void => {
      if (stopping) return;
      const again = () => setTimeout(() => attacker(i), 1);
      const raw = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
      raw.on('error', () => undefined);
      let s: net.Socket = raw;
      if (i % 3 === 1) raw.once('connect', () => raw.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])));
      if (i % 3 === 2) {
        const t = tls.connect({ socket: raw, rejectUnauthorized: false }, () => {
          const ask = () => t.writable && t.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
          ask();
          const timer = setInterval(ask, 3000);
          t.once('close', () => clearInterval(timer));
        });
        t.on('data', () => undefined);
        t.on('error', () => undefined);
        s = t;
      }
      open.add(s);
      s.once('close', () => {
        open.delete(s);
        again();
      });
    };
    for (let i = 0; i < 256; i++) attacker(i);
    await sleep(1000);
    const scrapes: number[] = [];
    const until = performance.now() + seconds * 1000;
    for (let i = 0; performance.now() < until && i < 1000; i++) {
      const r = await once(port, '/metrics', { secure: true, auth: 'prom:s3cret', timeoutMs: 5000 });
      scrapes.push(r.status === 200 ? r.ms : Infinity);
      await sleep(250);
    }
    const ok = scrapes.filter((ms) => ms < 2000).length;
    const share = (100 * ok) / scrapes.length;
    return [
      `Connection-cap lockout: --max-connections 256 held from another address by idle, half-handshaked and keep-alive /healthz TLS connections, each re-opened as closed, for ${seconds} s; a TLS + basic-auth scrape on a new connection every 250 ms (serve under ${flags.join(' ')}):`,
      '',
      '| scrapes | answered in < 2 s | p50 (ms) | p99 (ms) | max (ms) |',
      '|---|---|---|---|---|',
      `| ${scrapes.length} | ${ok} (${f1(share)} %) | ${f1(pct(scrapes, 50))} | ${f1(pct(scrapes, 99))} | ${f1(Math.max(...scrapes))} |`,
      '',
      `- ≥ 95 % of scrapes answered, each in < 2 s: ${f1(share)} % — ${verdict(share >= 95)}`,
    ];
  } finally {
    stopping = true;
    for (const s of open) s.destroy();
    await stop(serve);
  }
}

/**
 * Wrong passwords for the real user from 127.0.0.2 (another host) or from
 * 127.0.0.1 (the scraper's own address: a NAT or a proxy), back to back, by 16 or
 * 64 clients on keep-alive connections or a new connection each; the
 * cached scraper every 200 ms, and every 1.5 s a valid user whose
 * credentials are not cached yet (a scraper after a restart or a rotation).
 * bcrypt cost 10, as htpasswd -nBC 10.
 */
export async function authFlood(apiUrl: string, dir: string, flags: string[]): Promise<string[]> {
  const seconds = Number(process.env.BENCH_AUTH_SECONDS ?? 10);
  const b = bcrypt();
  const users = Array.from({ length: 40 }, (_, i) => `u${i}`);
  const web = join(dir, 'web-auth.yml');
  writeFileSync(web, `basic_auth_users:\n  prom: '${b.hashSync('s3cret', 10)}'\n${users.map((u) => `  ${u}: '${b.hashSync(`pw-${u}`, 10)}'\n`).join('')}`);
  const lines = [
    `Wrong-password floods for ${seconds} s each (bcrypt cost 10, serve under ${flags.join(' ')}): the cached scraper every 200 ms, an uncached valid user every 1.5 s:`,
    '',
    '| attackers from | attackers | connections | wrong attempts answered | of them 429 | cached p50 / p99 / max (ms) | uncached logins | uncached max (ms) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const verdicts: string[] = [];
  let next = 0;
  // Attackers from another address, and from the scraper's own (a NAT, a proxy, a container's port mapping).
  const cases = ['127.0.0.2', '127.0.0.1'].flatMap((from) => [16, 64].map((attackers) => ({ from, attackers })));
  for (const { from, attackers } of cases) {
    for (const keepAlive of [true, false]) {
      const port = await freePort();
      const serve = startServe(flags, ['--api-url', apiUrl, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1h', '--web.config.file', web]);
      const agents: http.Agent[] = [];
      try {
        await waitFor('serve', async () => ((await once(port, '/metrics', { auth: 'prom:s3cret' })).status === 200 ? true : undefined), 30_000);
        const until = performance.now() + seconds * 1000;
        const wrong: number[] = [];
        const hammer = async () => {
          const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
          if (agent) agents.push(agent);
          for (let i = 0; performance.now() < until && i < 100_000; i++) wrong.push((await once(port, '/metrics', { auth: `prom:guess${i}`, local: from, agent })).status);
        };
        const cached: number[] = [];
        const scrape = async () => {
          for (let i = 0; performance.now() < until && i < 10_000; i++) {
            const r = await once(port, '/metrics', { auth: 'prom:s3cret' });
            cached.push(r.status === 200 ? r.ms : Infinity);
            await sleep(200);
          }
        };
        const uncached: number[] = [];
        const login = async () => {
          await sleep(1000);
          for (let i = 0; performance.now() < until && i < 100; i++) {
            const u = users[next++ % users.length];
            const r = await once(port, '/metrics', { auth: `${u}:pw-${u}` });
            uncached.push(r.status === 200 ? r.ms : Infinity);
            await sleep(1500);
          }
        };
        await Promise.all([...Array.from({ length: attackers }, hammer), scrape(), login()]);
        const busy = wrong.filter((x) => x === 429).length;
        const worst = Math.max(...uncached);
        lines.push(`| ${from === '127.0.0.1' ? 'the scraper\'s address' : 'another address'} | ${attackers} | ${keepAlive ? 'keep-alive' : 'new each'} | ${wrong.length} | ${busy} | ${f1(pct(cached, 50))} / ${f1(pct(cached, 99))} / ${f1(Math.max(...cached))} | ${uncached.length} | ${f1(worst)} |`);
        const limit = attackers > 16 && from === '127.0.0.1' ? 5000 : 2000;
        verdicts.push(`- ${attackers} ${keepAlive ? 'keep-alive' : 'reconnecting'} from ${from}: cached p99 ≤ 100 ms: ${f1(pct(cached, 99))} ms — ${verdict(pct(cached, 99) <= 100)}; every uncached login ≤ ${limit / 1000} s: max ${f1(worst)} ms — ${verdict(worst <= limit)}`);
      } finally {
        agents.forEach((a) => a.destroy());
        await stop(serve);
      }
    }
  }
  return [...lines, '', ...verdicts];
}

/**
 * 256 authenticated TLS clients that ask for /metrics uncompressed at the
 * default --max-people (500 people: the largest answer serve takes by
 * default) and read nothing.
 */
export async function slowReaders(api: { url: string; set(path: string, reply: unknown): void }, dir: string, flags: string[], p: Pki, body: Buffer): Promise<string[]> {
  api.set('/astros.json', { kind: 'raw', body, headers: { 'content-type': 'application/json' } });
  const web = join(dir, 'web-slow.yml');
  writeFileSync(web, `tls_server_config:\n  cert_file: ${p.serverCert}\n  key_file: ${p.serverKey}\nbasic_auth_users:\n  prom: '${bcrypt().hashSync('s3cret', 10)}'\n`);
  const port = await freePort();
  const serve = startServe(flags, ['--api-url', api.url, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1h', '--max-connections', '300', '--web.config.file', web]);
  const readers: tls.TLSSocket[] = [];
  try {
    const first = await waitFor('serve', async () => {
      const r = await once(port, '/metrics', { secure: true, auth: 'prom:s3cret' });
      return r.status === 200 ? r : undefined;
    }, 30_000);
    const before = peakMiB(serve.pid!);
    const auth = Buffer.from('prom:s3cret').toString('base64');
    for (let i = 0; i < 256; i++) {
      const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => s.write(`GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${auth}\r\n\r\n`));
      s.on('error', () => undefined);
      s.pause();
      readers.push(s);
    }
    await sleep(8000);
    const peak = peakMiB(serve.pid!);
    const alive = readers.filter((s) => !s.destroyed).length;
    return [
      `Slow readers: 256 authenticated TLS clients ask for /metrics uncompressed (500 people, the default --max-people: ${f1(first.bytes / 1024)} KiB; ${f1(body.length / 1024)} KiB of astros.json) and read nothing for 8 s (serve under ${flags.join(' ')}; a first scrape took ${f1(first.ms)} ms):`,
      '',
      '| peak RSS before (MiB) | peak RSS with the readers (MiB) | readers still connected |',
      '|---|---|---|',
      `| ${f1(before)} | ${f1(peak)} | ${alive} |`,
      '',
      `- peak RSS < 200 MiB: ${f1(peak)} MiB — ${verdict(peak < 200)}`,
    ];
  } finally {
    readers.forEach((s) => s.destroy());
    await stop(serve);
  }
}

export function benchPki(dir: string): Pki {
  const { mkdirSync } = require('node:fs') as typeof import('node:fs');
  const at = join(dir, 'pki');
  mkdirSync(at, { recursive: true });
  return makePki('openssl', at);
}
