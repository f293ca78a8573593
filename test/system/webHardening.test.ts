// serve --web.config.file under hostile clients and hostile files, the
// built CLI against real sockets: what an attacker or a slip of the
// operator's finger gets, and node_exporter 1.5 on the same file where it
// is the yardstick.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeApi } from '../support/fakeOpenNotify';
import { logfmt, parse, requireBinary, runCli, startCli, tempDir, useFakeApi, valueOf } from '../support/helpers';
import { freePort, waitFor } from '../support/peers';
import { issue, serveWeb, testPki, type Pki } from '../support/pki';

const fake = useFakeApi();
let api: FakeApi;
beforeEach(() => {
  api = fake();
});

const bcrypt = require('@node-rs/bcrypt') as { hashSync(password: string, cost: number): string };



/** One HTTPS request with exactly these options: the status, headers and body, or the error. */
function request(port: number, path: string, o: tls.ConnectionOptions & { auth?: string } = {}): Promise<{ status: number; body: string; raw: string } | { error: string }> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...o }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${o.auth ? `Authorization: Basic ${Buffer.from(o.auth).toString('base64')}\r\n` : ''}\r\n`);
    });
    let raw = '';
    s.setEncoding('latin1').on('data', (d: string) => (raw += d));
    s.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(raw)?.[1] ?? 0), body: raw.split('\r\n\r\n').slice(1).join('\r\n\r\n'), raw }));
    s.on('error', (err: Error) => resolve({ error: err.message }));
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
  });
}

const tlsYaml = (p: Pki, more = '') => `tls_server_config:\n  cert_file: ${p.serverCert}\n  key_file: ${p.serverKey}\n${more}`;
const metric = async (port: number, name: string, labels: Record<string, string> = {}, auth?: string) => {
  const r = await request(port, '/metrics', auth ? { auth } : {});
  return 'body' in r ? valueOf(parse(r.body.replace(/^[0-9a-f]+\r\n/gm, '')), name, labels) : undefined;
};

describe('serve --web.config.file: hostile clients', () => {
  it('16 clients guessing passwords from the scraper\'s own address (a NAT, a proxy): five fresh logins from it each get in within 2 s, under the units\' flags', async (t) => {
    const users = Array.from({ length: 5 }, (_, i) => `user${i}`);
    const dir = tempDir(t);
    writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  prom: '${bcrypt.hashSync('s3cret', 10)}'\n${users.map((u) => `  ${u}: '${bcrypt.hashSync(`pw-${u}`, 10)}'\n`).join('')}`);
    const port = await freePort();
    const cli = startCli(['serve', '--api-url', api.url, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1h', '--web.config.file', join(dir, 'web.yml')], { env: { NODE_OPTIONS: '--max-semi-space-size=1 --jitless' }, killAfterMs: 120_000 });
    t.after(() => void cli.child.kill('SIGKILL'));
    await waitFor('serve to refresh', () => (cli.stderr().includes('msg="refresh finished"') ? true : undefined), 10_000);
    const get = (auth: string, agent?: http.Agent) => new Promise<number>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/metrics', agent: agent ?? false, timeout: 10_000, headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
    });
    let stop = false;
    const agents = Array.from({ length: 16 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    t.after(() => agents.forEach((a) => a.destroy()));
    const guessers = agents.map(async (agent, i) => {
      for (let n = 0; !stop && n < 10_000; n++) await get(`prom:guess${i}-${n}`, agent);
    });
    await sleep(1000);
    const waited: number[] = [];
    for (const u of users) {
      const t0 = performance.now();
      assert.equal(await get(`${u}:pw-${u}`), 200);
      waited.push(Math.round(performance.now() - t0));
    }
    stop = true;
    await Promise.all(guessers);
    assert.ok(waited.every((ms) => ms < 2000), `fresh logins waited ${waited.join(', ')} ms`);
  });

  it('401 and 429 carry X-Content-Type-Options: nosniff and the config\'s headers, as every answer does', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'web.yml'), `http_server_config:\n  headers:\n    X-Frame-Options: deny\nbasic_auth_users:\n  prom: '${bcrypt.hashSync('s3cret', 4)}'\nrate_limit:\n  interval: 1m\n  burst: 2\n`);
    const port = await freePort();
    const cli = startCli(['serve', '--api-url', api.url, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1h', '--web.config.file', join(dir, 'web.yml')], { killAfterMs: 60_000 });
    t.after(() => void cli.child.kill('SIGKILL'));
    await waitFor('serve to listen', () => (cli.stderr().includes('msg="serving metrics"') ? true : undefined), 10_000);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`);
      statuses.push(r.status);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', `on the ${r.status}`);
      assert.equal(r.headers.get('x-frame-options'), 'deny', `on the ${r.status}`);
    }
    assert.deepEqual(statuses, [401, 401, 429]);
  });

  it("plain HTTP to the TLS port is answered 400, as Go's server does, and counted", async (t) => {
    const p = testPki(t);
    if (!p) return;
    writeFileSync(join(p.dir, 'web.yml'), tlsYaml(p));
    const { cli, port } = await serveWeb(t, api.url, join(p.dir, 'web.yml'));
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'));
      let text = '';
      s.setEncoding('latin1').on('data', (d: string) => (text += d));
      s.on('close', () => resolve(text));
      s.on('error', () => undefined);
    });
    assert.equal(answer, 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
    await waitFor('the count', async () => ((await metric(port, 'open_notify_serve_tls_handshake_failures_total', { reason: 'plain_http' })) === 1 ? true : undefined), 5000);
    assert.match(cli.stderr(), /level=warn msg="refused a TLS connection: plain HTTP sent to the TLS port" reason=plain_http/);
  });

  it('SIGTERM with 200 idle TCP connections and 20 half-sent ClientHellos on the TLS port: exit 0 within 2 s', async (t) => {
    const p = testPki(t);
    if (!p) return;
    writeFileSync(join(p.dir, 'web.yml'), tlsYaml(p));
    const { cli, port } = await serveWeb(t, api.url, join(p.dir, 'web.yml'), ['--max-connections', '512']);
    const sockets = await Promise.all(
      Array.from({ length: 220 }, (_, i) => new Promise<net.Socket>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          if (i >= 200) s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
          resolve(s);
        });
        s.on('error', () => undefined);
      })),
    );
    t.after(() => sockets.forEach((s) => s.destroy()));
    await sleep(300);
    const t0 = performance.now();
    cli.child.kill('SIGTERM');
    const r = await cli.result;
    const ms = performance.now() - t0;
    assert.equal(r.code, 0);
    assert.ok(ms < 2000, `exited after ${Math.round(ms)} ms`);
  });

  it('a full cap of idle, half-handshaked and keep-alive /healthz connections, re-opened as closed, does not lock a scraper out', async (t) => {
    const p = testPki(t);
    if (!p) return;
    writeFileSync(join(p.dir, 'web.yml'), tlsYaml(p, `basic_auth_users:\n  prom: '${bcrypt.hashSync('s3cret', 4)}'\n`));
    const { port } = await serveWeb(t, api.url, join(p.dir, 'web.yml'), ['--max-connections', '30']);
    let stop = false;
    const open: net.Socket[] = [];
    const attacker = (i: number): void => {
      if (stop) return;
      const kind = i % 3;
      const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => {
        if (kind === 1) s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
      });
      if (kind === 2) {
        s.destroy();
        const ts = tls.connect({ socket: net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }), rejectUnauthorized: false }, () => {
          const tick = () => !stop && ts.writable && ts.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
          tick();
          const timer = setInterval(tick, 500);
          ts.once('close', () => clearInterval(timer));
        });
        ts.on('data', () => undefined);
        ts.on('error', () => undefined);
        ts.once('close', () => setImmediate(() => attacker(i)));
        open.push(ts);
        return;
      }
      s.on('error', () => undefined);
      s.once('close', () => setImmediate(() => attacker(i)));
      open.push(s);
    };
    for (let i = 0; i < 30; i++) attacker(i);
    t.after(() => {
      stop = true;
      open.forEach((s) => s.destroy());
    });
    await sleep(500);
    let answered = 0;
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const r = await request(port, '/metrics', { auth: 'prom:s3cret' });
      if ('status' in r && r.status === 200 && performance.now() - t0 < 2000) answered++;
      await sleep(100);
    }
    stop = true;
    assert.ok(answered >= 19, `${answered} of 20 scrapes answered (before: 0)`);
  });

  it('wrong passwords and failed handshakes are counted and warned about, at most a line a minute each', async (t) => {
    const p = testPki(t);
    if (!p) return;
    writeFileSync(join(p.dir, 'web.yml'), tlsYaml(p, `basic_auth_users:\n  prom: '${bcrypt.hashSync('s3cret', 4)}'\n`));
    const { cli, port } = await serveWeb(t, api.url, join(p.dir, 'web.yml'));
    for (let i = 0; i < 5; i++) assert.ok('status' in (await request(port, '/metrics', { auth: `prom:guess${i}` })));
    for (let i = 0; i < 3; i++) await request(port, '/metrics', { maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA256' });
    await waitFor('the counts', async () => ((await metric(port, 'open_notify_serve_requests_refused_total', { reason: 'unauthorized' }, 'prom:s3cret')) === 5 ? true : undefined), 5000);
    assert.equal(await metric(port, 'open_notify_serve_tls_handshake_failures_total', { reason: 'tls_error' }, 'prom:s3cret'), 3);
    const lines = cli.stderr().split('\n');
    assert.equal(lines.filter((l) => l.includes('msg="refused a request: wrong or missing credentials"')).length, 1);
    assert.equal(lines.filter((l) => /msg="refused a TLS connection: no TLS cipher suite or signature in common" reason=tls_error/.test(l)).length, 1, cli.stderr());
  });
});

describe('serve --web.config.file: the TLS settings as exporter-toolkit means them', () => {
  it("with no cipher_suites, a client offering its defaults over TLS 1.2 gets Go's first choice, ECDHE with AES-GCM, on an EC and on an RSA certificate", async (t) => {
    const openssl = requireBinary(t, 'openssl', 'openssl');
    const p = testPki(t);
    if (!openssl || !p) return;
    execFileSync(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.pem', '-days', '2', '-subj', '/CN=localhost'], { cwd: p.dir, stdio: 'ignore' });
    for (const [cert, key, expected] of [[p.serverCert, p.serverKey, 'ECDHE-ECDSA-AES128-GCM-SHA256'], [join(p.dir, 'rsa.pem'), join(p.dir, 'rsa.key'), 'ECDHE-RSA-AES128-GCM-SHA256']]) {
      writeFileSync(join(p.dir, 'web.yml'), `tls_server_config:\n  cert_file: ${cert}\n  key_file: ${key}\n`);
      const { cli, port } = await serveWeb(t, api.url, join(p.dir, 'web.yml'));
      const chosen = await new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion: 'TLSv1.2' }, () => {
          resolve(s.getCipher().name);
          s.destroy();
        });
        s.on('error', reject);
      });
      assert.equal(chosen, expected);
      cli.child.kill('SIGTERM');
      await cli.result;
    }
  });

  it("with no cipher_suites, the TLS 1.2 suites accepted are node_exporter's on the same file", async (t) => {
    const nodeExporter = requireBinary(t, 'prometheus-node-exporter', 'prometheus-node-exporter');
    const p = testPki(t);
    if (!nodeExporter || !p) return;
    writeFileSync(join(p.dir, 'web.yml'), tlsYaml(p));
    const { port } = await serveWeb(t, api.url, join(p.dir, 'web.yml'));
    const nePort = await freePort();
    const ne = spawn(nodeExporter, ['--collector.disable-defaults', `--web.listen-address=127.0.0.1:${nePort}`, `--web.config.file=${join(p.dir, 'web.yml')}`], { stdio: 'ignore' });
    t.after(() => void ne.kill('SIGKILL'));
    await waitFor('node_exporter', async () => ('status' in (await request(nePort, '/metrics')) ? true : undefined), 10_000);
    const accepted = async (at: number) => {
      const ok: string[] = [];
      for (const c of tls.getCiphers().filter((n) => !n.startsWith('tls_'))) {
        const r = await new Promise<boolean>((resolve) => {
          const s = tls.connect({ host: '127.0.0.1', port: at, rejectUnauthorized: false, maxVersion: 'TLSv1.2', ciphers: `${c.toUpperCase()}:@SECLEVEL=0` }, () => {
            s.destroy();
            resolve(true);
          });
          s.on('error', () => resolve(false));
        });
        if (r) ok.push(c);
      }
      return ok;
    };
    const ours = await accepted(port);
    assert.ok(ours.length > 0);
    assert.deepEqual(ours, await accepted(nePort));
  });

  it('min_version TLS10 is honoured: a TLS 1.0 client gets in', async (t) => {
    const p = testPki(t);
    if (!p) return;
    writeFileSync(join(p.dir, 'web.yml'), tlsYaml(p, '  min_version: TLS10\n'));
    const { port } = await serveWeb(t, api.url, join(p.dir, 'web.yml'));
    const r = await request(port, '/-/healthy', { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    assert.ok('status' in r && r.status === 200, JSON.stringify(r));
  });

  it('client_allowed_sans compares addresses as addresses: ::1 and 2001:db8::1 match certificates for them', async (t) => {
    const openssl = requireBinary(t, 'openssl', 'openssl');
    const p = testPki(t);
    if (!openssl || !p) return;
    issue(openssl, p.dir, 'v6', 'v6', 'IP:::1,IP:2001:db8::1', 'ca');
    issue(openssl, p.dir, 'v6other', 'v6other', 'IP:2001:db8::2', 'ca');
    const yaml = (sans: string) => tlsYaml(p, `  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${p.ca}\n  client_allowed_sans: [${sans}]\n`);
    for (const [sans, cert, ok] of [['"::1"', 'v6', true], ['"2001:db8::1"', 'v6', true], ['"2001:db8::1"', 'v6other', false]] as const) {
      writeFileSync(join(p.dir, 'web.yml'), yaml(sans));
      const { cli, port } = await serveWeb(t, api.url, join(p.dir, 'web.yml'));
      const r = await request(port, '/-/healthy', { cert: readFileSync(join(p.dir, `${cert}.pem`)), key: readFileSync(join(p.dir, `${cert}.key`)) });
      assert.equal('status' in r && r.status === 200, ok, `${sans} with ${cert}: ${JSON.stringify(r)}`);
      cli.child.kill('SIGTERM');
      await cli.result;
    }
  });

  it('healthcheck under RequireAndVerifyClientCert with a serverAuth-only server certificate: a line that says why, and --tls.cert-file/--tls.key-file that work', async (t) => {
    const openssl = requireBinary(t, 'openssl', 'openssl');
    const p = testPki(t);
    if (!openssl || !p) return;
    issue(openssl, p.dir, 'srvonly', 'localhost', 'IP:127.0.0.1', 'ca', 'extendedKeyUsage=serverAuth\n');
    writeFileSync(join(p.dir, 'web.yml'), `tls_server_config:\n  cert_file: srvonly.pem\n  key_file: srvonly.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n`);
    const { port } = await serveWeb(t, api.url, join(p.dir, 'web.yml'));
    const bad = await runCli(['healthcheck', '--web.listen-address', `127.0.0.1:${port}`, '--web.config.file', join(p.dir, 'web.yml')]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /give --tls\.cert-file and --tls\.key-file/);
    const good = await runCli(['healthcheck', '--web.listen-address', `127.0.0.1:${port}`, '--web.config.file', join(p.dir, 'web.yml'), '--tls.cert-file', p.clientCert, '--tls.key-file', p.clientKey]);
    assert.deepEqual([good.code, good.stderr], [0, '']);
  });
});

describe('serve --web.config.file: hostile files', () => {
  const startFails = async (web: string, why: RegExp) => {
    const t0 = performance.now();
    const r = await runCli(['serve', '--web.listen-address', '127.0.0.1:0', '--web.config.file', web, '--api-url', 'http://127.0.0.1:9'], { killAfterMs: 10_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(logfmt(r.stderr).msg, why);
    return performance.now() - t0;
  };

  it('a header value Node cannot send (a line break, a block scalar, a character outside Latin-1) is refused naming the header', async (t) => {
    const dir = tempDir(t);
    const cases: [string, RegExp][] = [
      ['http_server_config:\n  headers:\n    Content-Security-Policy: |\n      default-src \'none\'\n', /http_server_config\.headers\.Content-Security-Policy: not a valid HTTP header value: it has a line break/],
      ['http_server_config:\n  headers:\n    Strict-Transport-Security: "max-age=1\\r\\nX-Evil: 1"\n', /headers\.Strict-Transport-Security: not a valid HTTP header value: it has a line break/],
      ['http_server_config:\n  headers:\n    Content-Security-Policy: "default-src \u20ac"\n', /headers\.Content-Security-Policy: not a valid HTTP header value: it has a control character or a character outside Latin-1/],
    ];
    for (const [yaml, why] of cases) {
      writeFileSync(join(dir, 'web.yml'), yaml);
      await startFails(join(dir, 'web.yml'), why);
    }
  });

  it('a FIFO, /dev/zero or a file over 1 MiB as the config or a certificate: one line at once', async (t) => {
    const p = testPki(t);
    if (!p) return;
    execFileSync('mkfifo', [join(p.dir, 'fifo.pem')]);
    symlinkSync('/dev/zero', join(p.dir, 'zero.pem'));
    writeFileSync(join(p.dir, 'big.yml'), `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const cert = (name: string) => `tls_server_config:\n  cert_file: ${name}\n  key_file: server.key\n`;
    writeFileSync(join(p.dir, 'fifo.yml'), cert('fifo.pem'));
    writeFileSync(join(p.dir, 'zero.yml'), cert('zero.pem'));
    assert.ok((await startFails(join(p.dir, 'fifo.yml'), /cert_file: \S+fifo\.pem is a FIFO \(named pipe\), not a regular file/)) < 5000);
    await startFails(join(p.dir, 'zero.yml'), /cert_file: \S+zero\.pem is a character device, not a regular file/);
    await startFails(join(p.dir, 'big.yml'), /\(file\): it is larger than 1 MiB/);
    await startFails(join(p.dir, 'fifo.pem'), /\(file\): it is a FIFO \(named pipe\), not a regular file/);
    // healthcheck too: within its own timeout, exit 1.
    const hc = await runCli(['healthcheck', '--web.listen-address', '127.0.0.1:1', '--web.config.file', join(p.dir, 'fifo.yml')], { killAfterMs: 10_000 });
    assert.equal(hc.code, 1);
    assert.match(hc.stderr, /FIFO/);
  });

  it('a reload that failed is tried again when the files it names appear, and the metric returns to 1', async (t) => {
    const p = testPki(t);
    if (!p) return;
    const web = join(p.dir, 'web.yml');
    writeFileSync(web, tlsYaml(p));
    const { cli, port } = await serveWeb(t, api.url, web);
    writeFileSync(web, `tls_server_config:\n  cert_file: later/new.pem\n  key_file: later/new.key\n`);
    await waitFor('the failed reload', () => (/later\/new\.pem \(ENOENT\); still serving/.test(cli.stderr()) ? true : undefined), 5000);
    await waitFor('metric 0', async () => ((await metric(port, 'open_notify_web_config_last_reload_successful')) === 0 ? true : undefined), 5000);
    mkdirSync(join(p.dir, 'later'));
    copyFileSync(p.serverKey, join(p.dir, 'later', 'new.key'));
    copyFileSync(p.serverCert, join(p.dir, 'later', 'new.pem'));
    await waitFor('metric 1', async () => ((await metric(port, 'open_notify_web_config_last_reload_successful')) === 1 ? true : undefined), 5000);
    assert.match(cli.stderr(), /msg="web config reloaded"/);
    rmSync(join(p.dir, 'later'), { recursive: true });
  });

  it('SIGHUP re-reads the web config at once, changed or not, and serve goes on', async (t) => {
    const p = testPki(t);
    if (!p) return;
    writeFileSync(join(p.dir, 'web.yml'), tlsYaml(p));
    const { cli, port } = await serveWeb(t, api.url, join(p.dir, 'web.yml'));
    cli.child.kill('SIGHUP');
    await waitFor('the reload', () => (/msg="web config reloaded"/.test(cli.stderr()) ? true : undefined), 900);
    const r = await request(port, '/-/healthy');
    assert.ok('status' in r && r.status === 200, JSON.stringify(r));
  });

  it("exporter-toolkit's readings: X-XSS-Protection: 1 is the string \"1\", TLS 1.3 suites are ignored with a warning, rate_limit answers 429 past its burst, an empty OPEN_NOTIFY_WEB_CONFIG_FILE is none", async (t) => {
    const p = testPki(t);
    if (!p) return;
    const web = join(p.dir, 'web.yml');
    writeFileSync(web, tlsYaml(p, '  cipher_suites: [TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\nhttp_server_config:\n  headers:\n    X-XSS-Protection: 1\nrate_limit:\n  interval: 1m\n  burst: 3\n'));
    const { cli, port } = await serveWeb(t, api.url, web);
    assert.match(cli.stderr(), /level=warn msg="web config \S+: tls_server_config\.cipher_suites: TLS_AES_128_GCM_SHA256 ignored: TLS 1\.3 suites cannot be chosen/);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await request(port, '/-/healthy');
      assert.ok('status' in r);
      statuses.push(r.status);
      if (i === 0) assert.match(r.raw, /\r\nX-XSS-Protection: 1\r\n/i);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const plain = await runCli(['healthcheck', '--web.listen-address', '127.0.0.1:1'], { env: { OPEN_NOTIFY_WEB_CONFIG_FILE: '' } });
    assert.doesNotMatch(plain.stderr, /not a regular file|web config/);
  });

  it("rate_limit as Go reads it: interval 0 is no limit whatever the burst (accepted, as Go's duration parser takes 0), burst 0 refuses every request", async (t) => {
    const dir = tempDir(t);
    const statuses: Record<string, number[]> = {};
    for (const [name, yaml] of [['interval 0', 'rate_limit:\n  interval: 0\n  burst: 0\n'], ['burst 0', 'rate_limit:\n  interval: 1s\n  burst: 0\n']]) {
      writeFileSync(join(dir, 'web.yml'), yaml);
      const port = await freePort();
      const cli = startCli(['serve', '--api-url', api.url, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1h', '--web.config.file', join(dir, 'web.yml')], { killAfterMs: 60_000 });
      t.after(() => void cli.child.kill('SIGKILL'));
      await waitFor('serve to listen', () => (cli.stderr().includes('msg="serving metrics"') ? true : undefined), 10_000);
      statuses[name] = [];
      for (let i = 0; i < 3; i++) statuses[name].push((await fetch(`http://127.0.0.1:${port}/-/healthy`)).status);
      cli.child.kill('SIGTERM');
      await cli.result;
    }
    assert.deepEqual(statuses, { 'interval 0': [200, 200, 200], 'burst 0': [429, 429, 429] });
  });

  it('a UTF-16 file and a nesting 1,000 deep: a line that says so', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'u16.yml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('basic_auth_users: {}\n', 'utf16le')]));
    await startFails(join(dir, 'u16.yml'), /\(file\): it has NUL bytes \(UTF-16\?\); save it as UTF-8/);
    writeFileSync(join(dir, 'deep.yml'), `tls_server_config: ${'['.repeat(1000)}${']'.repeat(1000)}\n`);
    await startFails(join(dir, 'deep.yml'), /\(file\): nested too deeply/);
  });

  it('/ sends the config\'s Content-Security-Policy and X-Content-Type-Options once each', async (t) => {
    const p = testPki(t);
    if (!p) return;
    writeFileSync(join(p.dir, 'web.yml'), tlsYaml(p, "http_server_config:\n  headers:\n    Content-Security-Policy: default-src 'none'\n    X-Content-Type-Options: nosniff\n"));
    const { port } = await serveWeb(t, api.url, join(p.dir, 'web.yml'));
    const r = await request(port, '/');
    assert.ok('raw' in r);
    const head = r.raw.split('\r\n\r\n')[0];
    assert.deepEqual(head.split('\r\n').filter((l) => /^content-security-policy:/i.test(l)), ["Content-Security-Policy: default-src 'none'"]);
    assert.equal(head.split('\r\n').filter((l) => /^x-content-type-options:/i.test(l)).length, 1);
  });
});
