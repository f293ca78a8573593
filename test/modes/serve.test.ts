// `serve` as a subprocess against the fake API, and a real Prometheus
// server scraping it directly.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { astrosBody, FAILURES, type FakeApi } from '../support/fakeOpenNotify';
import { parse, promtoolCheck, requireBinary, runCli, startCli, tempDir, useFakeApi, valueOf, type RunningCli } from '../support/helpers';
import { freePort, getText, startPeer, waitFor } from '../support/peers';

const fake = useFakeApi();
let api: FakeApi;
beforeEach(() => {
  api = fake();
});

async function startServe(t: TestContext, args: string[] = []): Promise<{ cli: RunningCli; url: string }> {
  const cli = startCli(['serve', '--api-url', api.url, '--web.listen-address', '127.0.0.1:0', ...args], { killAfterMs: 60_000 });
  t.after(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  const port = await waitFor('serve to listen', () => /msg="serving metrics" listen=127\.0\.0\.1:(\d+)/.exec(cli.stderr())?.[1], 10_000);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the first refresh', async () => ((await getText(`${url}/metrics`)).status === 200 ? true : undefined), 10_000);
  return { cli, url };
}

/** A GET with exactly these headers: the Content-Encoding that came back and the raw body. */
async function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; encoding: string | undefined; body: Buffer }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function request(url: string, method: string): Promise<number> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve', () => {
  it('serves the metrics, cached: 100 scrapes cause no API request', async (t) => {
    const { cli, url } = await startServe(t, ['--refresh', '1h']);
    const r = await getText(`${url}/metrics`);
    assert.equal(r.status, 200);
    assert.equal(r.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    const s = parse(r.body);
    assert.equal(valueOf(s, 'open_notify_people_in_space'), 3);
    assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'iss_now' }), 1);
    const before = { ...api.counts };
    for (let i = 0; i < 100; i++) assert.equal((await getText(`${url}/metrics`)).status, 200);
    assert.deepEqual(api.counts, before, 'scrapes never reach the API');
    assert.equal(before['/astros.json'], 1);

    cli.child.kill('SIGTERM');
    const done = await cli.result;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, '');
    assert.match(done.stderr, /msg=stopped signal=SIGTERM/);
  });

  it('refreshes in the background; /healthz turns 503 when both endpoints fail, and back', async (t) => {
    const { cli, url } = await startServe(t, ['--refresh', '1s', '--retries', '0']);
    assert.equal((await getText(`${url}/healthz`)).status, 200);
    const runs = async () => valueOf(parse((await getText(`${url}/metrics`)).body), 'open_notify_runs_total')!;
    const first = await runs();
    await waitFor('a refresh', async () => ((await runs()) > first ? true : undefined), 5000);

    api.set('/astros.json', FAILURES.unavailable);
    api.set('/iss-now.json', FAILURES.gatewayTimeout);
    const unhealthy = await waitFor('/healthz 503', async () => {
      const h = await getText(`${url}/healthz`);
      return h.status === 503 ? h.body : undefined;
    }, 5000);
    assert.match(unhealthy, /unhealthy: astros: error: HTTP 503: Service temporarily unavailable; iss_now: error: HTTP 504: an HTML page/);
    const s = parse((await getText(`${url}/metrics`)).body);
    assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'astros' }), 0);
    assert.equal(valueOf(s, 'open_notify_people_in_space'), undefined);
    assert.ok(valueOf(s, 'open_notify_last_success_timestamp_seconds', { endpoint: 'astros' })! > 0, 'last success kept in memory');

    api.set('/astros.json', { kind: 'json', body: astrosBody() });
    await waitFor('/healthz 200 again', async () => ((await getText(`${url}/healthz`)).status === 200 ? true : undefined), 5000);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });

  it('/ links /metrics, other paths 404, other methods 405, gzip when asked', async (t) => {
    const { cli, url } = await startServe(t, ['--refresh', '1h']);
    const index = await getText(`${url}/`);
    assert.equal(index.status, 200);
    assert.match(index.body, /<a href="\/metrics">/);
    // The landing page: cached HTML with a strict CSP, small, gzipped when asked.
    const page = await rawGet(`${url}/`, { 'accept-encoding': 'gzip' });
    assert.equal(page.encoding, 'gzip');
    const html = gunzipSync(page.body).toString('utf8');
    assert.equal(html, index.body);
    assert.ok(html.length < 150_000 && page.body.length < 40_000, `${html.length} bytes, ${page.body.length} gzipped`);
    assert.match(html, /<svg viewBox="0 0 360 180"/);
    assert.match(html, /<meta http-equiv="refresh" content="3600">/);
    // Without a web config the page still gets its own policy: no script, no request but the page.
    const headers = (await fetch(`${url}/`)).headers;
    assert.equal(headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    assert.equal(headers.get('x-content-type-options'), 'nosniff');
    assert.equal((await getText(`${url}/nope`)).status, 404);
    assert.equal((await getText(`${url}/metrics/x`)).status, 404);
    assert.equal(await request(`${url}/metrics`, 'POST'), 405);
    assert.equal(await request(`${url}/metrics`, 'DELETE'), 405);
    assert.equal(await request(`${url}/metrics`, 'HEAD'), 200);
    // httpGet asks for gzip and decodes it: the same series come back.
    const plain = await getText(`${url}/metrics`);
    assert.ok(parse(plain.body).length > 20);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });

  it('--web.telemetry-path (or OPEN_NOTIFY_WEB_TELEMETRY_PATH) moves /metrics, and the page links it; serve\'s own paths are refused', async (t) => {
    const cli = startCli(['serve', '--api-url', api.url, '--web.listen-address', '127.0.0.1:0', '--refresh', '1h'], { env: { OPEN_NOTIFY_WEB_TELEMETRY_PATH: '/probe/metrics' }, killAfterMs: 60_000 });
    t.after(() => cli.child.kill('SIGKILL'));
    const port = await waitFor('serve to listen', () => /msg="serving metrics" listen=127\.0\.0\.1:(\d+) path=\/probe\/metrics .* version=0\.1\.0/.exec(cli.stderr())?.[1], 10_000);
    const url = `http://127.0.0.1:${port}`;
    await waitFor('the first refresh', async () => ((await getText(`${url}/probe/metrics`)).status === 200 ? true : undefined), 10_000);
    assert.ok(parse((await getText(`${url}/probe/metrics`)).body).some((x) => x.name === 'open_notify_people_in_space'));
    assert.equal((await getText(`${url}/metrics`)).status, 404);
    assert.match((await getText(`${url}/`)).body, /<a href="\/probe\/metrics">\/probe\/metrics<\/a>/);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
    for (const [path, why] of [['/healthz', /\/healthz is one of serve's own paths/], ['metrics', /expected a path starting with \//], ['/a b', /without spaces/]] as const) {
      const r = await runCli(['serve', '--web.telemetry-path', path]);
      assert.equal(r.code, 2, path);
      assert.match(r.stderr, why);
    }
  });

  it('slow or abusive clients: an 8 KiB header cap, and a client that never finishes its headers is cut off', async (t) => {
    const { cli, url } = await startServe(t, ['--refresh', '1h']);
    const net = await import('node:net');
    const port = Number(new URL(url).port);
    const exchange = (payload: string, waitMs: number) =>
      new Promise<{ reply: string; closedAfterMs: number }>((resolve) => {
        const started = Date.now();
        let reply = '';
        const sock = net.connect(port, '127.0.0.1', () => sock.write(payload));
        sock.setEncoding('utf8').on('data', (d: string) => (reply += d));
        const timer = setTimeout(() => sock.destroy(), waitMs);
        sock.on('close', () => {
          clearTimeout(timer);
          resolve({ reply, closedAfterMs: Date.now() - started });
        });
        sock.on('error', () => undefined);
      });
    const big = await exchange(`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(16 * 1024)}\r\n\r\n`, 5000);
    assert.match(big.reply, /^HTTP\/1\.1 431 /);
    const slow = await exchange('GET /metrics HTTP/1.1\r\nHost: x\r\n', 15_000);
    assert.ok(slow.closedAfterMs < 10_000, `a half-sent request held the connection ${slow.closedAfterMs} ms`);
    assert.match(slow.reply, /^(HTTP\/1\.1 408 |$)/);
    assert.equal((await getText(`${url}/metrics`)).status, 200, 'still serving');
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });

  it('--process-metrics adds the process metrics, off by default', async (t) => {
    const off = await startServe(t, ['--refresh', '1h']);
    assert.doesNotMatch((await getText(`${off.url}/metrics`)).body, /process_cpu_seconds_total/);
    off.cli.child.kill('SIGTERM');
    const on = await startServe(t, ['--refresh', '1h', '--process-metrics']);
    const s = parse((await getText(`${on.url}/metrics`)).body);
    assert.ok(valueOf(s, 'process_cpu_seconds_total')! > 0);
    assert.equal(valueOf(s, 'open_notify_people_in_space'), 3);
    on.cli.child.kill('SIGTERM');
    assert.equal((await on.cli.result).code, 0);
  });

  it('--process-metrics are rendered and gzipped at most once a second, not per scrape', async (t) => {
    const { cli, url } = await startServe(t, ['--refresh', '1h', '--process-metrics']);
    const gz = async () => (await rawGet(`${url}/metrics`, { 'accept-encoding': 'gzip' })).body;
    // Back to back, five gzipped scrapes come from at most two renders (a second may turn between them).
    const bodies = new Set<string>();
    for (let i = 0; i < 5; i++) bodies.add((await gz()).toString('base64'));
    assert.ok(bodies.size <= 2, `${bodies.size} different bodies in 5 scrapes`);
    // And they move on: a second later they are rendered again (CPU seconds have moved).
    const first = (await gz()).toString('base64');
    await waitFor('new process metrics', async () => {
      await sleep(300);
      const now = await gz();
      return now.toString('base64') !== first && (valueOf(parse(gunzipSync(now).toString()), 'process_cpu_seconds_total') ?? 0) > 0 ? true : undefined;
    }, 10_000);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });

  it('--process-metrics with --label: every series carries every label, and promtool is silent', async (t) => {
    const promtool = requireBinary(t, 'promtool', 'prometheus');
    if (!promtool) return;
    const { cli, url } = await startServe(t, ['--refresh', '1h', '--process-metrics', '--label', 'site=lab1', '--label', 'rack=r7']);
    const text = (await getText(`${url}/metrics`)).body;
    const s = parse(text);
    assert.ok(s.length > 100, `${s.length} series`);
    const missing = s.filter((x) => x.labels.site !== 'lab1' || x.labels.rack !== 'r7');
    assert.deepEqual(missing.map((x) => x.name), []);
    assert.deepEqual(promtoolCheck(promtool, text), { code: 0, output: '' });
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });

  it('port in use or a bad listen address: one line, exit 2', async (t) => {
    const { url } = await startServe(t, ['--refresh', '1h']);
    const taken = url.replace('http://', '');
    let r = await runCli(['serve', '--api-url', api.url, '--web.listen-address', taken]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot listen on ${taken.replace(/\./g, '\\.')}: address already in use`));
    r = await runCli(['serve', '--web.listen-address', 'nowhere']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /option '--web.listen-address <\[host\]:port>' argument 'nowhere' is invalid/);
    r = await runCli(['serve', '--web.listen-address', ':70000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /port 70000 is out of range/);
    r = await runCli(['serve', '--web.listen-address', '192.0.2.1:8899']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot listen on 192\.0\.2\.1:8899: address not available on this host/);
  });

  it('SIGTERM aborts a refresh in flight and exits 0', async (t) => {
    const { cli } = await startServe(t, ['--refresh', '1s', '--timeout', '10s']);
    const seen = api.counts['/astros.json'] ?? 0;
    api.set('/astros.json', { kind: 'delay', ms: 1500, then: { kind: 'json', body: astrosBody() } });
    // The next refresh's request has reached the API and waits there: a refresh is in flight.
    await waitFor('a refresh in flight', () => ((api.counts['/astros.json'] ?? 0) > seen ? true : undefined), 10_000);
    await sleep(200);
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /stopping: aborted the refresh in flight/);
  });
});

/** Opens a connection and sends `requests` pipelined GET / without reading anything back. */
async function flood(port: number, requests: number): Promise<import('node:net').Socket> {
  const net = await import('node:net');
  const s = net.connect(port, '127.0.0.1');
  s.pause();
  s.on('error', () => undefined);
  s.write('GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n'.repeat(requests));
  return s;
}

describe('serve: connection limits', () => {
  it('a connection sending requests without reading the answers is closed and counted; scrapes go on', async (t) => {
    const { cli, url } = await startServe(t, ['--refresh', '1h', '--label', 'site=lab1']);
    const port = Number(new URL(url).port);
    const sockets = await Promise.all(Array.from({ length: 20 }, () => flood(port, 5000)));
    t.after(() => sockets.forEach((s) => s.destroy()));
    const dropped = await waitFor('the floods to be closed', async () => {
      const v = valueOf(parse((await getText(`${url}/metrics`, 5000)).body), 'open_notify_serve_connections_dropped_total', { reason: 'unread_responses', site: 'lab1' });
      return v === 20 ? v : undefined;
    });
    assert.equal(dropped, 20, 'each flooding connection once');
    assert.equal(valueOf(parse((await getText(`${url}/metrics`)).body), 'open_notify_serve_connections_dropped_total', { reason: 'max_connections' }), 0);
    assert.match(cli.stderr(), /level=warn msg="closed a connection: a client sent more than 16 requests without reading the answers" reason=unread_responses/);
    assert.equal(cli.stderr().split('\n').filter((l) => l.includes('closed a connection')).length, 1, 'one line a minute, not one per connection');
    // A well-behaved client pipelining a few requests and reading them is served.
    const net = await import('node:net');
    const polite = net.connect(port, '127.0.0.1');
    polite.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3));
    let answers = '';
    polite.setEncoding('utf8').on('data', (d: string) => (answers += d));
    await waitFor('three answers', () => ((answers.match(/HTTP\/1\.1 200 OK/g) ?? []).length === 3 ? true : undefined), 5000);
    polite.destroy();
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });

  it("80 pipelining floods cost serve little memory: a closed connection's unparsed requests are never parsed (the parser fed 2 KiB at a time)", async (t) => {
    const { cli, url } = await startServe(t, ['--refresh', '1h']);
    const peak = () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${cli.child.pid}/status`, 'utf8'))?.[1]) / 1024;
    const before = peak();
    const sockets = await Promise.all(Array.from({ length: 80 }, () => flood(Number(new URL(url).port), 20_000)));
    t.after(() => sockets.forEach((s) => s.destroy()));
    await waitFor('the floods to be closed', async () => (valueOf(parse((await getText(`${url}/metrics`, 5000)).body), 'open_notify_serve_connections_dropped_total', { reason: 'unread_responses' }) === 80 ? true : undefined), 30_000);
    // Fed whole, each connection's 64 KiB chunks of requests were parsed after its close: +225 MiB (npm run bench, flood).
    assert.ok(peak() - before < 100, `peak RSS grew ${Math.round(peak() - before)} MiB`);
  });

  it('--max-connections (or OPEN_NOTIFY_MAX_CONNECTIONS): at the cap a new connection makes room by closing an idle one, and is served', async (t) => {
    const cli = startCli(['serve', '--api-url', api.url, '--web.listen-address', '127.0.0.1:0', '--refresh', '1h'], { env: { OPEN_NOTIFY_MAX_CONNECTIONS: '3' }, killAfterMs: 60_000 });
    t.after(() => void cli.child.kill('SIGKILL'));
    const port = Number(await waitFor('serve to listen', () => /listen=127\.0\.0\.1:(\d+)/.exec(cli.stderr())?.[1], 10_000));
    await waitFor('the first refresh', () => (cli.stderr().includes('msg="refresh finished"') ? true : undefined), 10_000);
    const net = await import('node:net');
    const open = (): Promise<{ socket: import('node:net').Socket; closed: Promise<void> }> =>
      new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => resolve({ socket, closed }));
        const closed = new Promise<void>((r) => socket.once('close', () => r()));
        socket.on('error', () => undefined);
      });
    const held = [await open(), await open(), await open()];
    t.after(() => held.forEach((h) => h.socket.destroy()));
    // Three connections that send nothing fill the cap; before, every scrape was refused until they went.
    for (let i = 0; i < 3; i++) {
      const r = await getText(`http://127.0.0.1:${port}/metrics`, 3000);
      assert.equal(r.status, 200, 'a scrape at the cap is served');
    }
    await held[0].closed; // the oldest idle one made room
    // serve's own counts in /metrics may be a second old.
    await waitFor('the eviction to be counted', async () => {
      const n = valueOf(parse((await getText(`http://127.0.0.1:${port}/metrics`)).body), 'open_notify_serve_connections_dropped_total', { reason: 'evicted' });
      return n !== undefined && n >= 1 ? n : undefined;
    }, 5000);
    assert.match(cli.stderr(), /closed a connection: --max-connections 3 reached: made room for a new one/);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
    const bad = await runCli(['serve', '--max-connections', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /option '--max-connections <n>' argument '0' is invalid\. expected a whole number from 1 to 65535/);
  });
});

describe('serve: a very large answer', () => {
  it('1 MiB of nested brackets (JSON.parse ~180 ms under --jitless): refused at the default --max-body before it is parsed, and every health probe meanwhile answered in < 100 ms', async (t) => {
    const n = 512 * 1024;
    api.set('/astros.json', { kind: 'raw', body: `${'['.repeat(n)}${']'.repeat(n)}`, headers: { 'content-type': 'application/json' } });
    const port = await freePort();
    const cli = startCli(['serve', '--api-url', api.url, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1s', '--retries', '0'], { env: { NODE_OPTIONS: '--max-semi-space-size=1 --jitless' }, killAfterMs: 60_000 });
    t.after(() => void cli.child.kill('SIGKILL'));
    await waitFor('a refresh', () => (cli.stderr().includes('msg="refresh finished') ? true : undefined), 10_000);
    const waited: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      assert.equal((await getText(`http://127.0.0.1:${port}/-/healthy`)).status, 200);
      waited.push(performance.now() - t0);
      await sleep(50);
    }
    assert.match(cli.stderr(), /astros="error: body (of 1048576 bytes )?exceeds the 128KiB cap"/);
    assert.ok(Math.max(...waited) < 100, `slowest probe ${Math.round(Math.max(...waited))} ms over ${waited.length} across refreshes`);
  });

  it('45,000 people: refused past --max-people, astros up 0 with a line naming the limit, the rest served; scrapes go on', async (t) => {
    const people = Array.from({ length: 45_000 }, (_, i) => ({ name: `P${i}`, craft: 'ISS' }));
    api.set('/astros.json', { kind: 'raw', body: JSON.stringify(astrosBody(people)), headers: { 'content-type': 'application/json' } });
    const { cli, url } = await startServe(t, ['--refresh', '1s', '--max-body', '2MiB']);
    const s = parse((await getText(`${url}/metrics`)).body);
    assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'astros' }), 0);
    assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'iss_now' }), 1);
    assert.equal(s.filter((x) => x.name === 'open_notify_astronaut_info').length, 0, 'no astronaut series');
    assert.ok(valueOf(s, 'open_notify_iss_latitude_degrees') !== undefined, 'the ISS position is there');
    assert.match(cli.stderr(), /astros="error: \\"people\\" lists 45000 people, more than --max-people 500"/);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });

  it('--max-people raised (or OPEN_NOTIFY_MAX_PEOPLE): 1,000 people all kept as series; the page lists 200 per craft', async (t) => {
    const people = Array.from({ length: 1000 }, (_, i) => ({ name: `P${i}`, craft: 'ISS' }));
    api.set('/astros.json', { kind: 'raw', body: JSON.stringify(astrosBody(people)), headers: { 'content-type': 'application/json' } });
    const port = await freePort();
    const cli = startCli(['serve', '--api-url', api.url, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1h'], { env: { OPEN_NOTIFY_MAX_PEOPLE: '1000' }, killAfterMs: 60_000 });
    t.after(() => void cli.child.kill('SIGKILL'));
    await waitFor('the first refresh', () => (cli.stderr().includes('msg="refresh finished"') ? true : undefined), 10_000);
    const url = `http://127.0.0.1:${port}`;
    const s = parse((await getText(`${url}/metrics`)).body);
    assert.equal(s.filter((x) => x.name === 'open_notify_astronaut_info').length, 1000, 'the metrics keep every person');
    const page = (await getText(`${url}/`)).body;
    assert.match(page, /<h3>ISS <span class="count">1000<\/span><\/h3>/);
    assert.match(page, /<li class="more">… and 800 more<\/li>/);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
    const bad = await runCli(['--max-people', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /option '--max-people <n>' argument '0' is invalid/);
  });
});

describe('serve: Accept-Encoding', () => {
  it('gzip only when acceptable: q=0 means not acceptable (RFC 9110), identity always served', async (t) => {
    const { cli, url } = await startServe(t, ['--refresh', '1h']);
    const cases: [string, boolean][] = [
      ['gzip', true],
      ['gzip, deflate, br', true],
      ['GZIP;q=0.5', true],
      ['gzip;q=0', false],
      ['gzip; q=0.000', false],
      ['*', true],
      ['*;q=0', false],
      ['gzip;q=0, *', false],
      ['deflate', false],
      ['gzip;q=bogus', false],
      // Nothing acceptable: identity anyway, as most servers do.
      ['identity;q=0', false],
      ['identity;q=0, gzip;q=0', false],
    ];
    for (const [header, gzip] of cases) {
      const r = await rawGet(`${url}/metrics`, { 'accept-encoding': header });
      assert.equal(r.status, 200, header);
      assert.equal(r.encoding, gzip ? 'gzip' : undefined, header);
      const text = gzip ? gunzipSync(r.body).toString('utf8') : r.body.toString('utf8');
      assert.equal(valueOf(parse(text), 'open_notify_people_in_space'), 3, header);
    }
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });

  it('a refresh is a debug line: info for the first, error when an endpoint starts failing, info when it recovers', async (t) => {
    const { cli } = await startServe(t, ['--refresh', '1s']);
    const lines = (re: RegExp) => cli.stderr().split('\n').filter((l) => re.test(l)).length;
    await sleep(3500);
    assert.equal(lines(/msg="refresh finished"/), 1, 'only the first of four refreshes');
    api.set('/astros.json', { kind: 'json', status: 503, body: { message: 'failure', reason: 'maintenance' } });
    await waitFor('the failure', () => (lines(/level=error msg="refresh finished with failed endpoints"/) === 1 ? true : undefined), 10_000);
    await sleep(2500);
    assert.equal(lines(/refresh finished with failed endpoints/), 1, 'failing on: no new line');
    api.set('/astros.json', { kind: 'json', body: astrosBody() });
    await waitFor('the recovery', () => (lines(/level=info msg="refresh finished"/) === 2 ? true : undefined), 10_000);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });

  it('SIGHUP reloads and serve keeps running', async (t) => {
    const { cli, url } = await startServe(t, ['--refresh', '1h']);
    cli.child.kill('SIGHUP');
    await waitFor('the line', () => (/level=info msg="received SIGHUP: no --web.config.file to reload; going on"/.test(cli.stderr()) ? true : undefined), 5000);
    assert.equal((await getText(`${url}/metrics`)).status, 200, 'still serving');
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /msg=stopped signal=SIGTERM/);
  });
});

describe('Prometheus scraping serve directly', () => {
  it('answers queries with our values', async (t) => {
    const bin = requireBinary(t, 'prometheus', 'prometheus');
    if (!bin) return;
    const { url } = await startServe(t, ['--refresh', '1h']);
    const dir = tempDir(t);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: open_notify\n    static_configs:\n      - targets: ['${url.replace('http://', '')}']\n`,
    );
    const port = await freePort();
    const prom = await startPeer(t, bin, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], port, '/-/ready');
    const result = await waitFor('Prometheus to answer', async () => {
      const r = await getText(`${prom.url}/api/v1/query?query=${encodeURIComponent('open_notify_iss_longitude_degrees')}`);
      const body = JSON.parse(r.body) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      return body.data.result.length > 0 ? body.data.result : undefined;
    }, 30_000);
    assert.equal(result[0].value[1], '120.1234');
    assert.equal(result[0].metric.job, 'open_notify');
  });
});
