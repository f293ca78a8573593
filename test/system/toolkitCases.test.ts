// exporter-toolkit's own test cases against serve: every case of the
// tls_config_test.go in Debian's golang-github-prometheus-exporter-toolkit-dev
// (0.8.2, node_exporter 1.5's), run with its testdata files in place and its
// client settings, and held to the outcome that test expects. The cases are
// read from that file at run time, so none is left out. .ci/run unpacks the
// package and names its web/ in EXPORTER_TOOLKIT_WEB; else the installed one.
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { IN_CI, logfmt, runCli, startCli } from '../support/helpers';
import { freePort, waitFor } from '../support/peers';

const WEB = process.env.EXPORTER_TOOLKIT_WEB ?? '/usr/share/gocode/src/github.com/prometheus/exporter-toolkit/web';
const TEST_FILE = join(WEB, 'tls_config_test.go');

interface GoCase {
  name: string;
  config?: string;
  error?: string;
  tlsClient: boolean;
  maxVersion?: string;
  ciphers: string[];
  actualCipher?: string;
  curves: string[];
  user?: string;
  password?: string;
  clientCert?: string;
}

/** The cases of the Go test tables: one per `Name:`, its fields up to the next. */
function goCases(text: string): GoCase[] {
  const field = (chunk: string, name: string) => new RegExp(`\\b${name}:\\s*(?:"([^"]*)"|\`([^\`]*)\`|([^,\\n]+))`).exec(chunk)?.slice(1).find((v) => v !== undefined);
  const idents = (chunk: string, name: string) => [...(new RegExp(`\\b${name}:\\s*\\[\\][\\w.]+\\{([^}]*)\\}`).exec(chunk)?.[1] ?? '').matchAll(/tls\.(\w+)/g)].map((m) => m[1]);
  return text.split(/\n\s*Name:\s*/).slice(1).map((chunk) => {
    const body = chunk.split(/\n\t\t\}/)[0];
    return {
      name: /^`([^`]*)`/.exec(chunk)?.[1] ?? chunk.slice(0, 40),
      config: field(body, 'YAMLConfigPath'),
      error: /ExpectedError:\s*ErrorMap\["([^"]+)"\]/.exec(body)?.[1],
      tlsClient: /UseTLSClient:\s*true/.test(body),
      maxVersion: /ClientMaxTLSVersion:\s*tls\.(\w+)/.exec(body)?.[1],
      ciphers: idents(body, 'CipherSuites'),
      actualCipher: /ActualCipher:\s*tls\.(\w+)/.exec(body)?.[1],
      curves: idents(body, 'CurvePreferences'),
      user: field(body, 'Username'),
      password: field(body, 'Password'),
      clientCert: field(body, 'ClientCertificate'),
    };
  });
}

/** Go's names for what the cases' clients offer → OpenSSL's. */
const OPENSSL: Record<string, string> = {
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  CurveP256: 'P-256',
  CurveP384: 'P-384',
  CurveP521: 'P-521',
  X25519: 'X25519',
  VersionTLS10: 'TLSv1',
  VersionTLS11: 'TLSv1.1',
};
const openssl = (name: string): string => OPENSSL[name] ?? assert.fail(`a case offers ${name}: add its OpenSSL name to the test`);

/** The Go test's expected errors that stop serve at start: the phrase serve's one line says instead. */
const AT_START: Record<string, RegExp> = {
  'No such file': /cannot read \S+ \(ENOENT\)/,
  'YAML error': /unknown key|expected a mapping|not valid YAML/,
  'Invalid CertPath': /missing one of cert or cert_file/,
  'Invalid KeyPath': /missing one of key or key_file/,
  'ClientCA set without policy': /a client CA without a client_auth_type/,
  'Bad password': /not a bcrypt hash/,
  'Unknown cipher': /cipher_suites: \S+ is not one of Go's secure suites/,
  'Unknown curve': /curve_preferences: \S+ is not one of/,
  'Unknown TLS version': /_version: "\S+" is not one of TLS10/,
  'Invalid value': /"\S+" is not one of/,
  'Invalid header': /headers\.\S+: unknown key/,
  'No HTTP2 cipher': /cipher_suites: HTTP\/2 needs TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256/,
};
/**
 * Where serve's line names another of the file's faults than Go's: this
 * file has both a client CA that cannot be read and no client_auth_type;
 * Go reads the file first, serve checks the policy first.
 */
const OTHER_FAULT: Record<string, RegExp> = {
  'invalid config yml (invalid ClientCAs filepath)': AT_START['ClientCA set without policy'],
};

const SERVER_CERT = existsSync(WEB) ? new X509Certificate(readFileSync(join(WEB, 'testdata/server.crt'))).fingerprint256 : '';

type Answer = { status: number; body: string; cipher?: string; cert?: string } | { error: string };

function request(port: number, c: GoCase): Promise<Answer> {
  const auth = c.user !== undefined ? { authorization: `Basic ${Buffer.from(`${c.user}:${c.password ?? ''}`).toString('base64')}` } : {};
  const tls = c.tlsClient
    ? {
        // Its CA chain carries key usages OpenSSL refuses for a server (Go does not look): the server is known by its certificate instead.
        rejectUnauthorized: false,
        servername: 'localhost',
        ...(c.clientCert ? { cert: readFileSync(join(WEB, `testdata/${c.clientCert}.pem`)), key: readFileSync(join(WEB, `testdata/${c.clientCert}.key`)) } : {}),
        // A client limited to TLS 1.1 must be able to offer it for the server to refuse it.
        ...(c.maxVersion ? { minVersion: 'TLSv1' as const, maxVersion: openssl(c.maxVersion) as 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
        ...(c.ciphers.length > 0 ? { ciphers: c.ciphers.map(openssl).join(':') } : {}),
        ...(c.curves.length > 0 ? { ecdhCurve: c.curves.map(openssl).join(':') } : {}),
      }
    : {};
  const mod = (c.tlsClient ? require('node:https') : require('node:http')) as typeof import('node:https');
  return new Promise((resolve) => {
    // /-/healthy answers 200 at once and is behind authentication, as the Go test's handler.
    const req = mod.get({ host: '127.0.0.1', port, path: '/-/healthy', agent: false, timeout: 10_000, headers: auth, ...tls }, (res) => {
      let body = '';
      const socket = res.socket as import('node:tls').TLSSocket;
      const tlsSeen = c.tlsClient ? { cipher: socket.getCipher().standardName, cert: socket.getPeerCertificate().fingerprint256 } : {};
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...tlsSeen }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (err) => resolve({ error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}` }));
  });
}

/** What each expected error (or none) means for a request to a serve that started. */
function checkAnswer(c: GoCase, a: Answer): void {
  const what = `${c.name}: ${JSON.stringify(a)}`;
  switch (c.error) {
    case undefined:
      assert.ok('status' in a && a.status === 200, what);
      if (c.tlsClient) assert.equal(a.cert, SERVER_CERT, `${what}: not the server's certificate`);
      if (c.actualCipher) assert.equal('cipher' in a && a.cipher, c.actualCipher, what);
      return;
    case 'Unauthorized':
      return assert.ok('status' in a && a.status === 401, what);
    case 'HTTP Request to HTTPS server':
      // As Go's server answers plain HTTP on its TLS port.
      return assert.ok('status' in a && a.status === 400 && a.body.includes('Client sent an HTTP request to an HTTPS server.'), what);
    case 'HTTP Response to HTTPS':
      return assert.ok('error' in a && /EPROTO|wrong version number|packet length too long/.test(a.error), what);
    case 'Incompatible TLS version':
      return assert.ok('error' in a && /protocol version|unsupported protocol/i.test(a.error), what);
    case 'Handshake failure':
      return assert.ok('error' in a && /handshake failure|no shared cipher/i.test(a.error), what);
    case 'Bad certificate':
      // Refused in the handshake (unknown CA, certificate required) or, for RequireAnyClientCert, closed right after it: never an answer.
      return assert.ok('error' in a && /certificate|ECONNRESET|socket hang up/i.test(a.error), what);
    default:
      assert.fail(`${c.name}: the test knows no outcome for ErrorMap["${c.error}"]`);
  }
}

it("exporter-toolkit 0.8.2's own cases, with its testdata, as its tls_config_test.go expects", async (t) => {
  if (!existsSync(TEST_FILE)) {
    const why = `${TEST_FILE} not found (apt-get install golang-github-prometheus-exporter-toolkit-dev)`;
    if (IN_CI) throw new Error(`${why}: required when CI=true`);
    return t.skip(why);
  }
  const cases = goCases(readFileSync(TEST_FILE, 'utf8'));
  // 16 config files, 24 server behaviours, 7 users in 0.8.2; a parse that finds fewer is a broken test, not a pass.
  assert.ok(cases.length >= 47, `only ${cases.length} cases found`);
  const names = new Set<string>();
  for (const c of cases) {
    names.add(c.name);
    const args = ['serve', '--api-url', 'http://127.0.0.1:9', '--web.listen-address', `127.0.0.1:${await freePort()}`];
    // "" is the Go test's way of saying no web config; a relative path is relative to web/, as `go test` runs there.
    if (c.config) args.push('--web.config.file', join(WEB, c.config));
    const phrase = OTHER_FAULT[c.name] ?? (c.error ? AT_START[c.error] : undefined);
    if (phrase) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${c.name}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${c.name}: ${r.stderr}`);
      assert.match(logfmt(r.stderr).msg ?? '', phrase, c.name);
      continue;
    }
    const cli = startCli(args, { killAfterMs: 60_000 });
    try {
      await waitFor(`${c.name}: serve to listen`, () => (cli.stderr().includes('msg="serving metrics"') ? true : cli.child.exitCode !== null ? assert.fail(cli.stderr()) : undefined), 10_000);
      checkAnswer(c, await request(Number(args[4].split(':')[1]), c));
    } finally {
      cli.child.kill('SIGTERM');
      await cli.result;
    }
  }
  assert.equal(names.size, cases.length, 'each case once');
});
