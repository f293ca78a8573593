// The wrapper around serve's HTTP side, in-process: what it does at the
// connection cap, its deadlines and how it stops.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/lib/log';
import { HEAD_DEADLINE_MS, listenAndServe, RESPONSE_DEADLINE_MS, type WebServer } from '../../src/outputs/web';
import { clientGroup } from '../../src/outputs/webConns';
import type { LiveWebConfig } from '../../src/outputs/webReload';
import { getText } from '../support/peers';

function logger(lines: string[]) {
  return createLogger({ level: 'info', format: 'logfmt' }, (l) => lines.push(l));
}

/** A server whose handler answers at once, or waits for `release` when the path is /hold. */
async function start(t: TestContext, maxConnections: number, lines: string[] = [], config?: LiveWebConfig): Promise<{ web: WebServer; port: number; release: () => void }> {
  let releases: (() => void)[] = [];
  const web = await listenAndServe({ listen: { host: '127.0.0.1', port: 0 }, maxConnections, log: logger(lines), config }, async (req, res) => {
    if (req.url === '/hold') await new Promise<void>((r) => releases.push(r));
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  });
  t.after(() => web.close());
  return {
    web,
    port: Number(web.address.split(':').pop()),
    release: () => {
      for (const r of releases) r();
      releases = [];
    },
  };
}

function connect(port: number, localAddress = '127.0.0.1'): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve({ socket, closed }));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', reject);
  });
}

function isClosed(c: { closed: Promise<void> }, withinMs = 300): Promise<boolean> {
  return Promise.race([c.closed.then(() => true), sleep(withinMs).then(() => false)]);
}

describe('web: the connection cap', () => {
  it('a new connection at the cap closes the oldest idle one and is served', async (t) => {
    const { web, port } = await start(t, 3);
    const held = [await connect(port), await connect(port), await connect(port)];
    t.after(() => held.forEach((h) => h.socket.destroy()));
    await sleep(100);
    const r = await getText(`http://127.0.0.1:${port}/`, 2000);
    assert.equal(r.status, 200);
    assert.equal(await isClosed(held[0], 1000), true, 'the oldest idle connection made room');
    assert.equal(await isClosed(held[2], 100), false, 'only one');
    assert.equal(web.counts().dropped.evicted, 1);
    assert.equal(web.counts().dropped.max_connections, 0);
  });

  it('a connection being answered is never closed for room: with every one busy, a new one is refused and counted', async (t) => {
    const { web, port, release } = await start(t, 2);
    const busy = [getText(`http://127.0.0.1:${port}/hold`, 5000), getText(`http://127.0.0.1:${port}/hold`, 5000)];
    await sleep(200);
    const extra = await connect(port);
    assert.equal(await isClosed(extra, 1000), true, 'refused at once');
    assert.equal(web.counts().dropped.max_connections, 1);
    release();
    for (const r of await Promise.all(busy)) assert.equal(r.status, 200, 'the busy ones were answered');
  });

  it('the client holding the most connections makes room, not an older connection of another client', async (t) => {
    const { port } = await start(t, 4);
    const scraper = await connect(port, '127.0.0.1');
    await sleep(20);
    const flood = [await connect(port, '127.0.0.2'), await connect(port, '127.0.0.2'), await connect(port, '127.0.0.2')];
    t.after(() => [scraper, ...flood].forEach((h) => h.socket.destroy()));
    await sleep(100);
    const more = await connect(port, '127.0.0.2');
    t.after(() => more.socket.destroy());
    assert.equal(await isClosed(flood[0], 1000), true, "the flood's oldest went");
    assert.equal(await isClosed(scraper, 200), false, "the other client's older connection stayed");
  });

  it('an authenticated connection is kept over an older unauthenticated one, each client holding one', async (t) => {
    // A web config with one user, x with the password y.
    const users = new Map([['x', (require('@node-rs/bcrypt') as { hashSync(p: string, cost: number): string }).hashSync('y', 4)]]);
    const config: LiveWebConfig = {
      current: () => ({ path: 'web.yml', headers: {}, users, warnings: [] }),
      status: () => ({ ok: true, lastSuccess: 0 }),
      reload: () => Promise.resolve(),
      onReload: () => undefined,
      close: () => undefined,
    };
    const { port } = await start(t, 3, [], config);
    const scraper = await connect(port, '127.0.0.1');
    const answered = new Promise((resolve) => scraper.socket.once('data', resolve));
    scraper.socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic eDp5\r\n\r\n');
    await answered;
    await sleep(20);
    const others = [await connect(port, '127.0.0.2'), await connect(port, '127.0.0.3')];
    t.after(() => [scraper, ...others].forEach((h) => h.socket.destroy()));
    await sleep(100);
    const more = await connect(port, '127.0.0.4');
    t.after(() => more.socket.destroy());
    assert.equal(await isClosed(others[0], 1000), true, 'the oldest unauthenticated connection went');
    assert.equal(await isClosed(scraper, 200), false, 'the older, authenticated one stayed');
  });

  it('clientGroup: an address, or its /64 for IPv6', () => {
    assert.equal(clientGroup('127.0.0.1'), '127.0.0.1');
    assert.equal(clientGroup('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(clientGroup('2001:db8:0:1::5'), '2001:db8:0:1::/64');
    assert.equal(clientGroup('2001:db8:0:1:ffff:1:2:3'), '2001:db8:0:1::/64');
    assert.equal(clientGroup('::1'), '0:0:0:0::/64');
  });
});

describe('web: deadlines and stopping', () => {
  it(`a connection that sends no request is closed after ${HEAD_DEADLINE_MS / 1000} s and counted`, async (t) => {
    const { web, port } = await start(t, 8);
    const silent = await connect(port);
    t.after(() => silent.socket.destroy());
    // It reads what it is sent (Node's 408), so it sees the close.
    silent.socket.resume();
    assert.equal(await isClosed(silent, HEAD_DEADLINE_MS + 3000), true);
    assert.equal(web.counts().dropped.request_deadline, 1);
  });

  it('a keep-alive connection that trickles its next request head is closed 6 s after its last answer (Node resets its own idle timer on every byte)', async (t) => {
    const { port } = await start(t, 8);
    const slow = await connect(port);
    t.after(() => slow.socket.destroy());
    const answered = new Promise((resolve) => slow.socket.once('data', resolve));
    slow.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await answered;
    const head = 'GET / HTTP/1.1\r\nX-Slow: ' + 'a'.repeat(20);
    let i = 0;
    const drip = setInterval(() => slow.socket.write(head[i++ % head.length]), 500);
    t.after(() => clearInterval(drip));
    assert.equal(await isClosed(slow, 9000), true, 'closed while it still trickled');
  });

  // Told apart by order, not by clock: the idle ones close while close() still waits for the answer in flight.
  it('close() closes idle and half-sent connections at once, and one still being answered after a grace of a second', { timeout: 10_000 }, async (t) => {
    const { web, port } = await start(t, 64);
    const idle = await Promise.all(Array.from({ length: 20 }, () => connect(port)));
    const half = await connect(port);
    half.socket.write('GET / HTTP/1.1\r\nHo');
    t.after(() => [...idle, half].forEach((h) => h.socket.destroy()));
    // Its own timeout is past the test's: only serve can cut it off in time.
    const held = getText(`http://127.0.0.1:${port}/hold`, 30_000).then(
      () => 'answered',
      () => 'cut off',
    );
    await sleep(100);
    let stopped = false;
    const closing = web.close().then(() => (stopped = true));
    await Promise.all([...idle, half].map((c) => c.closed));
    assert.equal(stopped, false, 'the idle and half-sent ones closed while close() still waited for the answer in flight');
    await closing;
    assert.equal(await held, 'cut off', 'close() gave up on the answer it was never let finish');
  });
});

describe('web: the response deadline', () => {
  it(`a client reading an answer slowly, but never idle, is cut off ${RESPONSE_DEADLINE_MS / 1000} s after asking and counted`, async (t) => {
    const body = Buffer.alloc(64 * 1024 * 1024, 0x61);
    let answerClosed = false;
    const web = await listenAndServe({ listen: { host: '127.0.0.1', port: 0 }, maxConnections: 8, log: logger([]) }, (_req, res) => {
      res.once('close', () => (answerClosed = true));
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length) }).end(body);
      return Promise.resolve();
    });
    t.after(() => web.close());
    const reader = await connect(Number(web.address.split(':').pop()));
    t.after(() => reader.socket.destroy());
    // 16 KiB a second: the server's socket sees progress all along, so Node's own inactivity timeout never fires.
    reader.socket.pause();
    const drain = setInterval(() => void reader.socket.read(16 * 1024), 1000);
    t.after(() => clearInterval(drain));
    reader.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    // What the kernel holds still reaches the paused reader after the cut, so the server's count is what shows it.
    for (let i = 0; i < (RESPONSE_DEADLINE_MS + 4000) / 250 && web.counts().dropped.response_deadline === 0; i++) await sleep(250);
    assert.equal(web.counts().dropped.response_deadline, 1, 'counted');
    await sleep(100);
    assert.equal(answerClosed, true, 'the answer was cut off, not left to go on');
  });
});
