// serve --web.config.file against the real peers: Debian's Prometheus 2.42
// scraping it over TLS with basic auth and with a client certificate, the
// real node_exporter 1.5 reading the very same file, certificate rotation,
// and the container's healthcheck.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeApi } from '../support/fakeOpenNotify';
import { parse, requireBinary, runCli, tempDir, useFakeApi, valueOf } from '../support/helpers';
import { freePort, getText, startPeer, waitFor } from '../support/peers';
import { issue, serveWeb, testPki, type Pki } from '../support/pki';

const fake = useFakeApi();
let api: FakeApi;
beforeEach(() => {
  api = fake();
});

const bcrypt = require('@node-rs/bcrypt') as { hashSync(password: string, cost: number): string };

/** One HTTPS GET with exactly these credentials and client certificate: the status, or the error. */
function get(url: string, o: { ca?: string; auth?: string; cert?: string; key?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> } | { error: string }> {
  const https = require('node:https') as typeof import('node:https');
  return new Promise((resolve) => {
    const req = https.get(
      url,
      {
        agent: false,
        timeout: 5000,
        ca: o.ca ? readFileSync(o.ca) : undefined,
        cert: o.cert ? readFileSync(o.cert) : undefined,
        key: o.key ? readFileSync(o.key) : undefined,
        headers: o.auth ? { authorization: `Basic ${Buffer.from(o.auth).toString('base64')}` } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ error: err.message }));
  });
}

/** The CN of the certificate a new TLS connection is shown. */
function peerCn(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(ca), servername: 'localhost', rejectUnauthorized: false }, () => {
      const cn: string | string[] | undefined = s.getPeerCertificate().subject.CN;
      s.destroy();
      resolve(Array.isArray(cn) ? cn.join(',') : (cn ?? ''));
    });
    s.on('error', reject);
  });
}



const authYaml = (p: Pki, hash: string) => `tls_server_config:\n  cert_file: ${p.serverCert}\n  key_file: ${p.serverKey}\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\nbasic_auth_users:\n  prom: '${hash}'\n`;
const mtlsYaml = (p: Pki) => `tls_server_config:\n  cert_file: ${p.serverCert}\n  key_file: ${p.serverKey}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${p.ca}\n`;

describe('serve --web.config.file', () => {
  it('TLS and basic auth on every path but /healthz; 401 with WWW-Authenticate; lifecycle endpoints; no metrics over plain HTTP; healthcheck exits 0', async (t) => {
    const p = testPki(t);
    if (!p) return;
    const web = join(p.dir, 'web.yml');
    writeFileSync(web, authYaml(p, bcrypt.hashSync('s3cret', 6)));
    const { cli, port } = await serveWeb(t, api.url, web);
    const base = `https://127.0.0.1:${port}`;
    const ok = await get(`${base}/metrics`, { ca: p.ca, auth: 'prom:s3cret' });
    assert.ok('status' in ok && ok.status === 200, JSON.stringify(ok));
    assert.equal(valueOf(parse(ok.body), 'open_notify_people_in_space'), 3);
    assert.equal(valueOf(parse(ok.body), 'open_notify_web_config_last_reload_successful'), 1);
    assert.equal(ok.headers['x-frame-options'], 'deny');
    for (const path of ['/metrics', '/', '/-/healthy', '/-/ready', '/nope']) {
      for (const auth of [undefined, 'prom:wrong', 'nobody:s3cret']) {
        const r = await get(`${base}${path}`, { ca: p.ca, auth });
        assert.ok('status' in r && r.status === 401, `${path} ${auth}: ${JSON.stringify(r)}`);
        assert.match(String(r.headers['www-authenticate']), /^Basic realm="open-notify-exporter"/);
        assert.doesNotMatch(r.body, /open_notify/);
      }
    }
    const healthz = await get(`${base}/healthz`, { ca: p.ca });
    assert.ok('status' in healthz && healthz.status === 200 && healthz.body === 'ok\n', JSON.stringify(healthz));
    for (const path of ['/-/healthy', '/-/ready']) {
      const r = await get(`${base}${path}`, { ca: p.ca, auth: 'prom:s3cret' });
      assert.ok('status' in r && r.status === 200, `${path}: ${JSON.stringify(r)}`);
    }
    // Plain HTTP to the TLS port: no metrics.
    const http = require('node:http') as typeof import('node:http');
    const plain = await new Promise<string>((resolve) => {
      const req = http.get(`http://127.0.0.1:${port}/metrics`, { agent: false, timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', (e) => resolve(`error: ${e.message}`));
      req.on('timeout', () => req.destroy(new Error('timeout')));
    });
    assert.doesNotMatch(plain, /open_notify/);
    const hc = await runCli(['healthcheck', '--web.listen-address', `127.0.0.1:${port}`, '--web.config.file', web]);
    assert.deepEqual([hc.code, hc.stderr], [0, '']);
    assert.equal((await runCli(['healthcheck', '--web.listen-address', `127.0.0.1:${port}`])).code, 1, 'plain HTTP healthcheck against TLS: unhealthy');
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });

  it('RequireAndVerifyClientCert: a client certificate from the CA gets in, none or another CA\'s does not; healthcheck presents the server\'s own', async (t) => {
    const p = testPki(t);
    if (!p) return;
    const web = join(p.dir, 'web.yml');
    writeFileSync(web, mtlsYaml(p));
    const { cli, port } = await serveWeb(t, api.url, web);
    const url = `https://127.0.0.1:${port}/metrics`;
    const ok = await get(url, { ca: p.ca, cert: p.clientCert, key: p.clientKey });
    assert.ok('status' in ok && ok.status === 200, JSON.stringify(ok));
    for (const o of [{ ca: p.ca }, { ca: p.ca, cert: p.rogueCert, key: p.rogueKey }]) {
      const r = await get(url, o);
      assert.ok('error' in r, `got in: ${JSON.stringify(r).slice(0, 200)}`);
    }
    assert.equal((await runCli(['healthcheck', '--web.listen-address', `127.0.0.1:${port}`, '--web.config.file', web])).code, 0);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });

  it('a real Prometheus scrapes it over TLS: basic auth up 1, a wrong password up 0, a client certificate up 1', async (t) => {
    const prometheus = requireBinary(t, 'prometheus', 'prometheus');
    const p = testPki(t);
    if (!prometheus || !p) return;
    const webAuth = join(p.dir, 'web-auth.yml');
    const webMtls = join(p.dir, 'web-mtls.yml');
    writeFileSync(webAuth, authYaml(p, bcrypt.hashSync('s3cret', 6)));
    writeFileSync(webMtls, mtlsYaml(p));
    const a = await serveWeb(t, api.url, webAuth);
    const b = await serveWeb(t, api.url, webMtls);
    const job = (name: string, port: number, lines: string[]) => [`  - job_name: ${name}`, '    scheme: https', '    tls_config:', `      ca_file: ${p.ca}`, ...lines, '    static_configs:', `      - targets: ['127.0.0.1:${port}']`];
    const dir = tempDir(t);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        ...job('good', a.port, ['    basic_auth:', '      username: prom', '      password: s3cret']),
        ...job('wrong', a.port, ['    basic_auth:', '      username: prom', '      password: guess']),
        ...job('mtls', b.port, [`      cert_file: ${p.clientCert}`, `      key_file: ${p.clientKey}`]),
        ...job('nocert', b.port, []),
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const prom = await startPeer(t, prometheus, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], port, '/-/ready');
    const query = async (q: string) =>
      (JSON.parse((await getText(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`)).body) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    const up = await waitFor('all four jobs scraped', async () => {
      const r = await query('up');
      return r.length === 4 ? Object.fromEntries(r.map((s) => [s.metric.job, s.value[1]])) : undefined;
    }, 30_000);
    assert.deepEqual(up, { good: '1', wrong: '0', mtls: '1', nocert: '0' });
    const people = await query('open_notify_people_in_space');
    assert.deepEqual(people.map((s) => [s.metric.job, s.value[1]]).sort(), [['good', '3'], ['mtls', '3']]);
  });

  it("the same file is node_exporter's: both accept the right credentials and certificate, both refuse the wrong", async (t) => {
    const nodeExporter = requireBinary(t, 'prometheus-node-exporter', 'prometheus-node-exporter');
    const p = testPki(t);
    if (!nodeExporter || !p) return;
    const hash = bcrypt.hashSync('s3cret', 6);
    const both = join(p.dir, 'web.yml');
    // The keys node_exporter 1.5's exporter-toolkit knows, together: TLS with a verified client certificate, basic auth, a header.
    writeFileSync(
      both,
      `tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n  min_version: TLS12\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\nbasic_auth_users:\n  prom: '${hash}'\n`,
    );
    const ours = await serveWeb(t, api.url, both);
    const nePort = await freePort();
    const textDir = tempDir(t);
    const { spawn } = await import('node:child_process');
    const ne = spawn(nodeExporter, ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${textDir}`, `--web.listen-address=127.0.0.1:${nePort}`, `--web.config.file=${both}`], { stdio: 'ignore' });
    t.after(() => void ne.kill('SIGKILL'));
    const client = { ca: p.ca, cert: p.clientCert, key: p.clientKey };
    for (const [name, port] of [['open-notify-exporter', ours.port], ['node_exporter', nePort]] as const) {
      const url = `https://127.0.0.1:${port}/metrics`;
      const ok = await waitFor(`${name} to answer`, async () => {
        const r = await get(url, { ...client, auth: 'prom:s3cret' });
        return 'status' in r && r.status === 200 ? r : undefined;
      }, 10_000);
      assert.equal(ok.headers['x-content-type-options'], 'nosniff', name);
      const wrong = await get(url, { ...client, auth: 'prom:guess' });
      assert.ok('status' in wrong && wrong.status === 401, `${name}: ${JSON.stringify(wrong).slice(0, 200)}`);
      const none = await get(url, { ...client });
      assert.ok('status' in none && none.status === 401, name);
      const nocert = await get(url, { ca: p.ca, auth: 'prom:s3cret' });
      assert.ok('error' in nocert, `${name} let a client without a certificate in`);
    }
    // And a file node_exporter refuses, we refuse too.
    writeFileSync(join(p.dir, 'bad.yml'), 'basic_auth_users:\n  prom: s3cret\n');
    const r = await runCli(['serve', '--web.listen-address', '127.0.0.1:0', '--web.config.file', join(p.dir, 'bad.yml')]);
    assert.equal(r.code, 2);
  });

  it('certificate rotation without a restart: a new connection sees the new certificate within 3 s; a broken file keeps the last good one, logged once, exported', async (t) => {
    const openssl = requireBinary(t, 'openssl', 'openssl');
    const p = testPki(t);
    if (!openssl || !p) return;
    const web = join(p.dir, 'web.yml');
    const cert = join(p.dir, 'live.pem');
    const key = join(p.dir, 'live.key');
    copyFileSync(p.serverCert, cert);
    copyFileSync(p.serverKey, key);
    writeFileSync(web, `tls_server_config:\n  cert_file: live.pem\n  key_file: live.key\n`);
    const { cli, port } = await serveWeb(t, api.url, web);
    assert.equal(await peerCn(port, p.ca), 'localhost');
    issue(openssl, p.dir, 'rotated', 'rotated', 'IP:127.0.0.1', 'ca');
    // The key first, then the certificate: in between the pair does not match, and serve must go on meanwhile.
    copyFileSync(join(p.dir, 'rotated.key'), key);
    copyFileSync(join(p.dir, 'rotated.pem'), cert);
    const started = performance.now();
    await waitFor('the rotated certificate', async () => ((await peerCn(port, p.ca)) === 'rotated' ? true : undefined), 3000);
    process.stderr.write(`# rotation seen after ${Math.round(performance.now() - started)} ms\n`);
    const metric = async () => valueOf(parse(((await get(`https://127.0.0.1:${port}/metrics`, { ca: p.ca })) as { body: string }).body), 'open_notify_web_config_last_reload_successful');
    await waitFor('reload ok', async () => ((await metric()) === 1 ? true : undefined), 5000);
    // Now break it: a certificate file with no certificate.
    writeFileSync(cert, 'not a certificate\n');
    await waitFor('the error', () => (/level=error msg="web config \S+: tls_server_config\.cert_file: no PEM certificate in it; still serving with the last valid web config"/.test(cli.stderr()) ? true : undefined), 5000);
    await sleep(2500);
    assert.equal(cli.stderr().split('\n').filter((l) => l.includes('still serving with the last valid')).length, 1, 'logged once per change');
    assert.equal(await peerCn(port, p.ca), 'rotated', 'the last good certificate goes on');
    assert.equal(await waitFor('the metric', async () => ((await metric()) === 0 ? 0 : undefined), 5000), 0);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });
});
