// `--web.config.file`: exporter-toolkit's web configuration (the format
// node_exporter, blackbox_exporter and the Pushgateway take), read key for
// key and mapped onto Node's TLS options. Loaded only when the flag is
// given: the YAML parser and bcrypt are not part of the bundle.
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SecureContextOptions, TlsOptions } from 'node:tls';

export class WebConfigError extends Error {}

export type ClientAuth = 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';
const CLIENT_AUTH: readonly ClientAuth[] = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'];

/** Go's crypto/tls version names → Node's. */
const VERSIONS: Record<string, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/**
 * Go's tls.CipherSuites() (the ones exporter-toolkit accepts) for TLS 1.0-1.2,
 * by OpenSSL's name. Go's insecure suites (RC4, 3DES, CBC-SHA256) are not
 * accepted by exporter-toolkit either.
 */
const CIPHERS: Record<string, string> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
};
/** TLS 1.3's suites: Go does not let them be chosen (it ignores them), so neither do we. */
const TLS13_CIPHERS = new Set(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);

/** Go's tls.CurveID names → OpenSSL's group names. */
const CURVES: Record<string, string> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

/** exporter-toolkit's list of headers that may be set, and the values it allows where it checks them. */
const HEADERS: Record<string, readonly string[] | undefined> = {
  'Content-Security-Policy': undefined,
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-Content-Type-Options': ['nosniff'],
  'X-XSS-Protection': undefined,
  'Strict-Transport-Security': undefined,
};

/** $2a$, $2b$ or $2y$, a two-digit cost, 53 characters of salt and hash. */
const BCRYPT = /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

export interface TlsServer {
  /** For https.createServer and server.setSecureContext. */
  context: SecureContextOptions;
  server: Pick<TlsOptions, 'requestCert' | 'rejectUnauthorized'>;
  clientAuth: ClientAuth;
  allowedSans: string[];
  /** The files it was read from, watched for rotation. */
  files: string[];
  /** PEM of the server's own certificate and key: healthcheck presents them as its client certificate where one is required. */
  certPem: string;
  keyPem: string;
}

export interface WebConfig {
  path: string;
  tls?: TlsServer;
  headers: Record<string, string>;
  /** User → bcrypt hash; empty: no authentication. */
  users: Map<string, string>;
  http2: boolean;
}

type Obj = Record<string, unknown>;

function fail(path: string, key: string, why: string): never {
  throw new WebConfigError(`web config ${path}: ${key}: ${why}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An exporter-toolkit mapping: only the keys it knows (Go's strict unmarshalling refuses the rest). */
function section(path: string, key: string, v: unknown, known: readonly string[]): Obj {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) fail(path, key, 'expected a mapping');
  for (const k of Object.keys(v)) if (!known.includes(k)) fail(path, key ? `${key}.${k}` : k, `unknown key (known: ${known.join(', ')})`);
  return v;
}

function str(path: string, key: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(path, key, 'expected a string');
  return v;
}

function list(path: string, key: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(path, key, 'expected a list of strings');
  return v as string[];
}

function bool(path: string, key: string, v: unknown, def: boolean): boolean {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'boolean') fail(path, key, 'expected true or false');
  return v;
}

/** Inline PEM, or a file (relative to the web config file's directory, as exporter-toolkit resolves it). */
function pem(path: string, base: string, t: Obj, inline: string, file: string, files: string[]): string | undefined {
  const text = str(path, `tls_server_config.${inline}`, t[inline]);
  const name = str(path, `tls_server_config.${file}`, t[file]);
  if (text !== undefined && name !== undefined) fail(path, `tls_server_config.${file}`, `give ${inline} or ${file}, not both`);
  if (text !== undefined) return text;
  if (name === undefined) return undefined;
  const full = resolve(base, name);
  try {
    const out = readFileSync(full, 'utf8');
    files.push(full);
    return out;
  } catch (err) {
    return fail(path, `tls_server_config.${file}`, `cannot read ${full} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function certificates(path: string, key: string, text: string): void {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) fail(path, key, 'no PEM certificate in it');
  const { X509Certificate } = require('node:crypto') as typeof import('node:crypto');
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (err) {
      fail(path, key, `a certificate does not parse (${(err as Error).message})`);
    }
  }
}

function tlsServer(path: string, base: string, raw: unknown): TlsServer | undefined {
  if (raw === undefined || raw === null) return undefined;
  const t = section(path, 'tls_server_config', raw, [
    'cert', 'key', 'client_ca', 'cert_file', 'key_file', 'client_auth_type', 'client_ca_file', 'client_allowed_sans',
    'min_version', 'max_version', 'cipher_suites', 'prefer_server_cipher_suites', 'curve_preferences',
  ]);
  const files: string[] = [];
  const cert = pem(path, base, t, 'cert', 'cert_file', files);
  const key = pem(path, base, t, 'key', 'key_file', files);
  if (cert === undefined) fail(path, 'tls_server_config.cert_file', 'missing (or cert)');
  if (key === undefined) fail(path, 'tls_server_config.key_file', 'missing (or key)');
  certificates(path, t.cert_file !== undefined ? 'tls_server_config.cert_file' : 'tls_server_config.cert', cert);
  const ca = pem(path, base, t, 'client_ca', 'client_ca_file', files);
  if (ca !== undefined) certificates(path, t.client_ca_file !== undefined ? 'tls_server_config.client_ca_file' : 'tls_server_config.client_ca', ca);

  const authText = str(path, 'tls_server_config.client_auth_type', t.client_auth_type) ?? 'NoClientCert';
  if (!CLIENT_AUTH.includes(authText as ClientAuth)) fail(path, 'tls_server_config.client_auth_type', `"${authText}" is not one of ${CLIENT_AUTH.join(', ')}`);
  const clientAuth = authText as ClientAuth;
  if (ca !== undefined && clientAuth === 'NoClientCert') fail(path, 'tls_server_config.client_ca_file', 'a client CA without a client_auth_type that asks for client certificates');
  const allowedSans = list(path, 'tls_server_config.client_allowed_sans', t.client_allowed_sans);
  if (allowedSans.length > 0 && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
    fail(path, 'tls_server_config.client_allowed_sans', 'needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert (the others let a client in without a certificate to match)');
  }

  const version = (k: 'min_version' | 'max_version', def: string) => {
    const v = str(path, `tls_server_config.${k}`, t[k]) ?? def;
    if (!Object.hasOwn(VERSIONS, v)) fail(path, `tls_server_config.${k}`, `"${v}" is not one of ${Object.keys(VERSIONS).join(', ')}`);
    return v;
  };
  const min = version('min_version', 'TLS12');
  const max = version('max_version', 'TLS13');
  if (min > max) fail(path, 'tls_server_config.min_version', `${min} is above max_version ${max}`);

  const suites = list(path, 'tls_server_config.cipher_suites', t.cipher_suites).map((name) => {
    if (TLS13_CIPHERS.has(name)) fail(path, 'tls_server_config.cipher_suites', `${name} is a TLS 1.3 suite, which cannot be chosen (Go ignores it; we refuse rather than pretend)`);
    if (!Object.hasOwn(CIPHERS, name)) fail(path, 'tls_server_config.cipher_suites', `${name} is not one of Go's secure suites: ${Object.keys(CIPHERS).join(', ')}`);
    return CIPHERS[name];
  });
  const curves = list(path, 'tls_server_config.curve_preferences', t.curve_preferences).map((name) => {
    if (!Object.hasOwn(CURVES, name)) fail(path, 'tls_server_config.curve_preferences', `${name} is not one of ${Object.keys(CURVES).join(', ')}`);
    return CURVES[name];
  });

  const context: SecureContextOptions = {
    cert,
    key,
    minVersion: VERSIONS[min],
    maxVersion: VERSIONS[max],
    honorCipherOrder: bool(path, 'tls_server_config.prefer_server_cipher_suites', t.prefer_server_cipher_suites, true),
    ...(ca !== undefined ? { ca } : {}),
    // Suites for TLS 1.2 and below only: OpenSSL keeps its TLS 1.3 suites, as Go does.
    ...(suites.length > 0 ? { ciphers: suites.join(':') } : {}),
    ...(curves.length > 0 ? { ecdhCurve: curves.join(':') } : {}),
  };
  try {
    const { createSecureContext } = require('node:tls') as typeof import('node:tls');
    createSecureContext(context);
  } catch (err) {
    const why = (err as Error).message;
    const which = /key values mismatch|KEY_VALUES_MISMATCH/i.test(why) ? 'tls_server_config.key_file' : 'tls_server_config';
    fail(path, which, /mismatch/i.test(why) ? 'the key does not belong to the certificate' : why);
  }
  return {
    context,
    server: { requestCert: clientAuth !== 'NoClientCert', rejectUnauthorized: clientAuth === 'RequireAndVerifyClientCert' },
    clientAuth,
    allowedSans,
    files,
    certPem: cert,
    keyPem: key,
  };
}

/** Reads and checks the whole file; throws a WebConfigError naming the file and the key. */
export function loadWebConfig(file: string): WebConfig {
  const path = resolve(file);
  let text: string;
  try {
    if (!statSync(path).isFile()) fail(path, '(file)', 'not a regular file');
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof WebConfigError) throw err;
    return fail(path, '(file)', `cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const YAML = require('yaml') as typeof import('yaml');
  let doc: unknown;
  try {
    doc = YAML.parse(text, { uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    return fail(path, '(file)', `not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const top = section(path, '', doc, ['tls_server_config', 'http_server_config', 'basic_auth_users']);
  const base = dirname(path);
  const http = section(path, 'http_server_config', top.http_server_config, ['http2', 'headers']);
  const rawHeaders = section(path, 'http_server_config.headers', http.headers, Object.keys(HEADERS));
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(rawHeaders)) {
    const value = str(path, `http_server_config.headers.${name}`, v) ?? '';
    const allowed = HEADERS[name];
    if (allowed && value !== '' && !allowed.includes(value.toLowerCase())) fail(path, `http_server_config.headers.${name}`, `"${value}" is not one of ${allowed.join(', ')}`);
    if (value !== '') headers[name] = value;
  }
  const users = new Map<string, string>();
  const rawUsers = top.basic_auth_users;
  if (rawUsers !== undefined && rawUsers !== null) {
    if (!isObj(rawUsers)) fail(path, 'basic_auth_users', 'expected a mapping of user names to bcrypt hashes');
    for (const [user, hash] of Object.entries(rawUsers)) {
      // Never compared as plain text: anything but a bcrypt hash is refused.
      if (typeof hash !== 'string' || !BCRYPT.test(hash)) fail(path, `basic_auth_users.${user}`, 'not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31; htpasswd -nBC 10 "" | tr -d \':\\n\' makes one)');
      users.set(user, hash);
    }
  }
  return { path, tls: tlsServer(path, base, top.tls_server_config), headers, users, http2: bool(path, 'http_server_config.http2', http.http2, true) };
}
