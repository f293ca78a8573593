// --web.config.file read key for key: what each key maps to, and every bad
// file refused at start with one line naming the file and the key.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadWebConfig } from '../../src/outputs/webConfig';
import { logfmt, runCli, tempDir } from '../support/helpers';
import { testPki, type Pki } from '../support/pki';

const bcrypt = require('@node-rs/bcrypt') as { hashSync(password: string, cost: number): string };
let HASH = '';
before(() => {
  HASH = bcrypt.hashSync('s3cret', 4);
});


function file(dir: string, yaml: string): string {
  const f = join(dir, 'web.yml');
  writeFileSync(f, yaml);
  return f;
}

describe('loadWebConfig', () => {
  it('maps the keys onto Node: versions, suites, curves, client auth, headers, users; paths relative to the file', async (t) => {
    const p = testPki(t);
    if (!p) return;
    const files: string[] = [];
    const w = await loadWebConfig(
      file(
        p.dir,
        [
          'tls_server_config:',
          '  cert_file: server.pem',
          '  key_file: server.key',
          '  client_ca_file: ca.pem',
          '  client_auth_type: RequireAndVerifyClientCert',
          '  client_allowed_sans: [scraper.example]',
          '  min_version: TLS13',
          '  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]',
          '  curve_preferences: [X25519, CurveP256]',
          '  prefer_server_cipher_suites: false',
          'http_server_config:',
          '  http2: false',
          '  headers:',
          '    X-Frame-Options: deny',
          '    Strict-Transport-Security: max-age=31536000',
          'basic_auth_users:',
          `  prom: '${HASH}'`,
          '',
        ].join('\n'),
      ),
      files,
    );
    assert.ok(w.tls);
    assert.deepEqual(
      { min: w.tls.context.minVersion, max: w.tls.context.maxVersion, ciphers: w.tls.context.ciphers, curves: w.tls.context.ecdhCurve, honor: w.tls.context.honorCipherOrder },
      { min: 'TLSv1.3', max: 'TLSv1.3', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384', curves: 'X25519:P-256', honor: false },
    );
    assert.deepEqual(w.tls.server, { requestCert: true, rejectUnauthorized: true });
    assert.deepEqual(w.tls.allowedSans, ['scraper.example']);
    assert.deepEqual(files, [join(p.dir, 'web.yml'), join(p.dir, 'server.pem'), join(p.dir, 'server.key'), join(p.dir, 'ca.pem')]);
    assert.deepEqual(w.headers, { 'X-Frame-Options': 'deny', 'Strict-Transport-Security': 'max-age=31536000' });
    assert.deepEqual([...w.users], [['prom', HASH]]);
  });

  it('inline cert and key, and no TLS at all, are fine too', async (t) => {
    const p = testPki(t);
    if (!p) return;
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const indent = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => `    ${l}`).join('\n');
    const files: string[] = [];
    const w = await loadWebConfig(file(p.dir, `tls_server_config:\n  cert: |\n${indent(p.serverCert)}\n  key: |\n${indent(p.serverKey)}\n`), files);
    assert.equal(w.tls?.clientAuth, 'NoClientCert');
    assert.deepEqual(files, [join(p.dir, 'web.yml')]);
    assert.equal((await loadWebConfig(file(p.dir, `basic_auth_users:\n  a: '${HASH}'\n`))).tls, undefined);
  });
});

describe('a bad web config: exit 2 at start, one line naming the file and the key, nothing listens', () => {
  const cases: [string, (p: Pki) => string, RegExp][] = [
    ['an unknown key', () => 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  cert_flie: x\n', /tls_server_config\.cert_flie: unknown key/],
    ['an unknown top-level key', () => 'rate_limits:\n  interval: 1s\n', /rate_limits: unknown key/],
    ['a missing certificate file', () => 'tls_server_config:\n  cert_file: nope.pem\n  key_file: server.key\n', /tls_server_config\.cert_file: cannot read \S+nope\.pem \(ENOENT\)/],
    ['a key that does not match the certificate', () => 'tls_server_config:\n  cert_file: server.pem\n  key_file: client.key\n', /tls_server_config\.key_file: the key does not belong to the certificate/],
    ['a CA file with no certificate in it', () => 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: server.key\n', /tls_server_config\.client_ca_file: no PEM certificate in it/],
    ['a password in clear', () => 'basic_auth_users:\n  prom: s3cret\n', /basic_auth_users\.prom: not a bcrypt hash/],
    ['an unknown client_auth_type', () => 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: Yes\n', /client_auth_type: "Yes" is not one of/],
    ['a client CA with NoClientCert', () => 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_ca_file: ca.pem\n', /client_ca_file: a client CA without a client_auth_type/],
    ['client_allowed_sans with VerifyClientCertIfGiven', () => 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.pem\n  client_allowed_sans: [x]\n', /client_allowed_sans: needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert/],
    ['an insecure cipher suite', () => 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n', /cipher_suites: TLS_RSA_WITH_RC4_128_SHA is not one of Go's secure suites/],
    ['key: "" beside a cert_file', () => 'tls_server_config:\n  cert_file: server.pem\n  key: ""\n', /tls_server_config\.key_file: missing one of key or key_file/],
    ['an unknown curve', () => 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  curve_preferences: [P256]\n', /curve_preferences: P256 is not one of CurveP256/],
    ['min above max', () => 'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS13\n  max_version: TLS12\n', /min_version: TLS13 is above max_version TLS12/],
    ['a header not on the list', () => 'http_server_config:\n  headers:\n    Server: x\n', /http_server_config\.headers\.Server: unknown key/],
    ['a bad X-Frame-Options', () => 'http_server_config:\n  headers:\n    X-Frame-Options: allow\n', /X-Frame-Options: "allow" is not one of deny, sameorigin/],
    ['not YAML', () => 'tls_server_config: [\n', /\(file\): not valid YAML/],
    ['http2 that is not a boolean', () => 'http_server_config:\n  http2: yes please\n', /http_server_config\.http2: /],
    ['cert and cert_file both', (p) => `tls_server_config:\n  cert: x\n  cert_file: ${p.serverCert}\n  key_file: server.key\n`, /cert_file: give cert or cert_file, not both/],
  ];
  for (const [name, yaml, why] of cases) {
    it(name, async (t) => {
      const p = testPki(t);
      if (!p) return;
      const f = file(p.dir, yaml(p));
      const r = await runCli(['serve', '--web.listen-address', '127.0.0.1:0', '--web.config.file', f, '--api-url', 'http://127.0.0.1:9']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      const msg = logfmt(r.stderr).msg;
      assert.ok(msg.startsWith(`web config ${f}: `), r.stderr);
      assert.match(msg, why);
      assert.doesNotMatch(r.stderr, /serving/);
    });
  }

  it('a missing or unreadable file, from the flag or OPEN_NOTIFY_WEB_CONFIG_FILE', async (t) => {
    const dir = tempDir(t);
    let r = await runCli(['serve', '--web.listen-address', '127.0.0.1:0', '--web.config.file', join(dir, 'none.yml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /web config \S+none\.yml: \(file\): cannot read it \(ENOENT\)/);
    r = await runCli(['serve', '--web.listen-address', '127.0.0.1:0'], { env: { OPEN_NOTIFY_WEB_CONFIG_FILE: dir } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\(file\): it is a directory, not a regular file/);
    // healthcheck exits 1, never 2.
    r = await runCli(['healthcheck', '--web.listen-address', '127.0.0.1:1', '--web.config.file', join(dir, 'none.yml')]);
    assert.equal(r.code, 1);
  });
});
