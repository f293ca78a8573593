import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { httpGet, type GetOptions } from '../../src/lib/http';
import { AttemptError as FetchError } from '../../src/lib/retry';
import { astrosBody, startFakeApi, type FakeApi } from '../support/fakeOpenNotify';

let api: FakeApi;
before(async () => {
  api = await startFakeApi();
});
after(() => api.close());

const opts: GetOptions = { timeoutMs: 2000, maxBodyBytes: 64 * 1024, maxRedirects: 3, userAgent: 'test' };
const get = (path: string, o: Partial<GetOptions> = {}) => httpGet(`${api.url}${path}`, { ...opts, ...o });

async function rejects(p: Promise<unknown>, re: RegExp, retryable: boolean): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof FetchError, String(err));
    assert.match(err.message, re);
    assert.equal(err.retryable, retryable, err.message);
    return true;
  });
}

describe('httpGet', () => {
  // The reason says which ended it: the stop, not the 10 s deadline (which the test's own 5 s timeout never reaches).
  it('a stop signal ends a request to a server that never answers, not retryable', { timeout: 5000 }, async () => {
    api.set('/hang', { kind: 'hang' });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    await rejects(get('/hang', { timeoutMs: 10_000, signal: stop.signal }), /^aborted: stopping$/, false);
  });

  it('decodes gzip and chunked bodies', async () => {
    api.set('/z', { kind: 'gzip', body: astrosBody() });
    assert.deepEqual(JSON.parse((await get('/z')).body.toString()), astrosBody());
    api.set('/c', { kind: 'chunked', body: astrosBody() });
    assert.deepEqual(JSON.parse((await get('/c')).body.toString()), astrosBody());
  });

  it('applies the cap to the decoded size of a compressed body', async () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    api.set('/bomb', { kind: 'raw', body: bomb, headers: { 'content-encoding': 'gzip' } });
    await rejects(get('/bomb'), /body exceeds the 64KiB cap/, false);
  });

  it('refuses a declared content-length over the cap before reading', async () => {
    api.set('/big', { kind: 'huge', bytes: 100 * 1024 * 1024, declare: true });
    await rejects(get('/big'), /body of 104857600 bytes exceeds the 64KiB cap/, false);
  });

  it('stops reading a 512 MiB body at the cap, memory bounded', async () => {
    api.set('/huge', { kind: 'huge', bytes: 512 * 1024 * 1024 });
    const rss = process.memoryUsage().rss;
    await rejects(get('/huge', { maxBodyBytes: 1024 * 1024 }), /body exceeds the 1MiB cap/, false);
    const grown = (process.memoryUsage().rss - rss) / 1024 / 1024;
    assert.ok(grown < 64, `rss grew ${grown.toFixed(1)} MiB`);
  });

  it('follows a few redirects, not too many, and only to http(s)', async () => {
    api.set('/r1', { kind: 'redirect', location: '/r2' });
    api.set('/r2', { kind: 'redirect', location: `${api.url}/final`, status: 301 });
    api.set('/final', { kind: 'json', body: { ok: 1 } });
    const res = await get('/r1');
    assert.equal(res.status, 200);
    assert.equal(res.url, `${api.url}/final`);
    api.set('/loop', { kind: 'redirect', location: '/loop' });
    await rejects(get('/loop'), /too many redirects \(more than 3\)/, false);
    api.set('/ftp', { kind: 'redirect', location: 'ftp://127.0.0.1/x' });
    await rejects(get('/ftp'), /refusing ftp: URL/, false);
  });

  it('reports a reset mid-body as retryable', async () => {
    api.set('/reset', { kind: 'reset', body: astrosBody() });
    await rejects(get('/reset'), /^connection closed before the body was complete$/, true);
  });

  it('reports a refused connection as retryable', async () => {
    await rejects(httpGet('http://127.0.0.1:1/x', opts), /^connection refused$/, true);
  });

  // A byte every 50 ms: the body would take longer than the test's own timeout, so only the deadline can end it in time.
  it('times out a trickling body: the deadline covers the whole exchange', { timeout: 5000 }, async () => {
    const body = astrosBody();
    assert.ok(JSON.stringify(body).length * 50 > 5000, 'the trickle outlasts the test timeout');
    api.set('/slow', { kind: 'trickle', body, intervalMs: 50 });
    await rejects(get('/slow', { timeoutMs: 300 }), /no complete response within 300ms/, true);
  });

  it('closes the connection at the deadline and at a stop, before or during the body: nothing is left open', async () => {
    // A server that answers nothing on /hang and trickles a byte every 50 ms forever elsewhere; it reports each connection's close.
    const closed: Promise<void>[] = [];
    const server: Server = createServer((req, res) => {
      closed.push(new Promise((resolve) => req.socket.once('close', () => resolve())));
      if (req.url === '/hang') return;
      res.writeHead(200, { 'content-length': '1000' });
      const timer = setInterval(() => res.write(' '), 50);
      res.once('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      for (const path of ['/hang', '/trickle']) {
        await rejects(httpGet(`${base}${path}`, { ...opts, timeoutMs: 200 }), /no complete response within 200ms/, true);
        const stop = new AbortController();
        setTimeout(() => stop.abort(), 100);
        await rejects(httpGet(`${base}${path}`, { ...opts, timeoutMs: 10_000, signal: stop.signal }), /^aborted: stopping$/, false);
      }
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still open after 1 s'), 1000)));
      assert.equal(await Promise.race([Promise.all(closed).then(() => 'closed'), late]), 'closed');
      clearTimeout(timer);
      assert.equal(closed.length, 4);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('refuses an unknown content-encoding', async () => {
    api.set('/br', { kind: 'raw', body: 'x', headers: { 'content-encoding': 'zstd' } });
    await rejects(get('/br'), /unsupported content-encoding "zstd"/, false);
  });
});
