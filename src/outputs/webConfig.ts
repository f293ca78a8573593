// `--web.config.file`: exporter-toolkit's web configuration (the format
// node_exporter, blackbox_exporter and the Pushgateway take), read key for
// key and mapped onto Node's TLS options. Loaded only when the flag is
// given: the YAML parser and bcrypt are not part of the bundle.
import type { BlockList } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { SecureContext, SecureContextOptions, TlsOptions } from 'node:tls';
import { isObject as isObj } from '../lib/format';
import { errnoReason, readRegularFile } from '../lib/fs';

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
/** TLS 1.3's suites: Go does not let them be chosen and ignores them; so do we, with a warning. */
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

/**
 * What any one file it reads may hold: a web config or a PEM bundle is a few
 * kilobytes. A certificate linked to /dev/zero, a FIFO or a sparse 3 GB file
 * is refused before it is read.
 */
export const MAX_FILE_BYTES = 1024 * 1024;

/** $2a$, $2b$ or $2y$, a two-digit cost, 53 characters of salt and hash. */
const BCRYPT = /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

export interface TlsServer {
  /** What the secure context was made from. */
  context: SecureContextOptions;
  /** Made once per read of the files: every new connection gets the current one. */
  secureContext: SecureContext;
  server: Pick<TlsOptions, 'requestCert' | 'rejectUnauthorized'>;
  clientAuth: ClientAuth;
  /** client_allowed_sans: names compared as text, addresses (IPv4 and IPv6) as addresses. */
  allowedSans: string[];
  allowedAddresses: BlockList;
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
  /** rate_limit: at most `burst` requests at once, refilled one per `intervalMs`; undefined: no limit. */
  rateLimit?: { intervalMs: number; burst: number };
  /** What is accepted but does nothing, for a warn line (TLS 1.3 suites, as Go ignores them). */
  warnings: string[];
}

type Obj = Record<string, unknown>;

function fail(path: string, key: string, why: string): never {
  throw new WebConfigError(`web config ${path}: ${key}: ${why}`);
}


/** An exporter-toolkit mapping: only the keys it knows (Go's strict unmarshalling refuses the rest). */
function section(path: string, key: string, v: unknown, known: readonly string[]): Obj {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) fail(path, key, 'expected a mapping');
  for (const k of Object.keys(v)) if (!known.includes(k)) fail(path, key ? `${key}.${k}` : k, `unknown key (known: ${known.join(', ')})`);
  return v;
}

/** A string; a number or true/false as its text, as Go's YAML decoder does for a string field (`X-XSS-Protection: 1`). */
function str(path: string, key: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') fail(path, key, 'expected a string');
  return v;
}

/** Reads one file the config names (or the config itself): regular, at most MAX_FILE_BYTES, never blocking. */
/**
 * A file a web config names (or the config, or healthcheck's client
 * certificate): a regular file of at most MAX_FILE_BYTES, read without
 * blocking. Throws an Error saying why not, calling the file `shown`.
 */
export async function readConfigFile(full: string, shown = full): Promise<string> {
  let r: Awaited<ReturnType<typeof readRegularFile>>;
  try {
    r = await readRegularFile(full, MAX_FILE_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'EISDIR' ? `${shown} is a directory, not a regular file` : `cannot read ${shown} (${code ?? errnoReason(err).text})`, { cause: err });
  }
  if (r.kind === 'notRegular') throw new Error(`${shown} is ${r.type}, not a regular file`);
  if (r.kind === 'tooLarge') throw new Error(`${shown} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
  return r.text;
}

async function readFile(path: string, key: string, full: string): Promise<string> {
  try {
    return await readConfigFile(full, key === '(file)' ? 'it' : full);
  } catch (err) {
    return fail(path, key, (err as Error).message);
  }
}

/** Go's time.ParseDuration units that Prometheus' model.Duration takes: 1s, 500ms, 1m30s. */
function duration(path: string, key: string, v: unknown): number {
  const text = str(path, key, v) ?? '';
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (text === '' || parts.map((p) => p[0]).join('') !== text) fail(path, key, `"${text}" is not a duration (1s, 500ms, 1m30s)`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * units[p[2]], 0);
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

/**
 * Inline PEM, or a file (relative to the web config file's directory, as
 * exporter-toolkit resolves it). An empty value is no value, as in
 * exporter-toolkit: `key: ""` beside a cert_file is a missing key.
 */
async function pem(path: string, base: string, t: Obj, inline: string, file: string, files: string[]): Promise<string | undefined> {
  const text = str(path, `tls_server_config.${inline}`, t[inline]) || undefined;
  const name = str(path, `tls_server_config.${file}`, t[file]) || undefined;
  if (text !== undefined && name !== undefined) fail(path, `tls_server_config.${file}`, `give ${inline} or ${file}, not both`);
  if (text !== undefined) return text;
  if (name === undefined) return undefined;
  const full = resolve(base, name);
  // Watched from here on, even if it cannot be read yet: a reload is tried again once it changes.
  files.push(full);
  return readFile(path, `tls_server_config.${file}`, full);
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

async function tlsServer(path: string, base: string, raw: unknown, files: string[], warnings: string[]): Promise<TlsServer | undefined> {
  if (raw === undefined || raw === null) return undefined;
  const t = section(path, 'tls_server_config', raw, [
    'cert', 'key', 'client_ca', 'cert_file', 'key_file', 'client_auth_type', 'client_ca_file', 'client_allowed_sans',
    'min_version', 'max_version', 'cipher_suites', 'prefer_server_cipher_suites', 'curve_preferences',
  ]);
  const cert = await pem(path, base, t, 'cert', 'cert_file', files);
  const key = await pem(path, base, t, 'key', 'key_file', files);
  if (cert === undefined) fail(path, 'tls_server_config.cert_file', 'missing one of cert or cert_file');
  if (key === undefined) fail(path, 'tls_server_config.key_file', 'missing one of key or key_file');
  certificates(path, t.cert_file !== undefined ? 'tls_server_config.cert_file' : 'tls_server_config.cert', cert);
  const ca = await pem(path, base, t, 'client_ca', 'client_ca_file', files);
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

  const named = list(path, 'tls_server_config.cipher_suites', t.cipher_suites);
  const ignored = named.filter((name) => TLS13_CIPHERS.has(name));
  if (ignored.length > 0) warnings.push(`web config ${path}: tls_server_config.cipher_suites: ${ignored.join(', ')} ignored: TLS 1.3 suites cannot be chosen (as in Go)`);
  const suites = named
    .filter((name) => !TLS13_CIPHERS.has(name))
    .map((name) => {
      if (!Object.hasOwn(CIPHERS, name)) fail(path, 'tls_server_config.cipher_suites', `${name} is not one of Go's secure suites: ${Object.keys(CIPHERS).join(', ')}`);
      return CIPHERS[name];
    });
  // None named: Go's default, its secure suites, not OpenSSL's wider DEFAULT (CBC-SHA256/384, ARIA, CCM).
  // OpenSSL's security level 1 refuses TLS 1.0 and 1.1 outright: level 0 where the config asks for them.
  const cipherList = (suites.length > 0 ? suites : Object.values(CIPHERS)).join(':') + (min < 'TLS12' ? ':@SECLEVEL=0' : '');
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
    ciphers: cipherList,
    ...(curves.length > 0 ? { ecdhCurve: curves.join(':') } : {}),
  };
  let secureContext: SecureContext;
  try {
    const { createSecureContext } = require('node:tls') as typeof import('node:tls');
    secureContext = createSecureContext(context);
  } catch (err) {
    const why = (err as Error).message;
    const which = /key values mismatch|KEY_VALUES_MISMATCH/i.test(why) ? 'tls_server_config.key_file' : 'tls_server_config';
    fail(path, which, /mismatch/i.test(why) ? 'the key does not belong to the certificate' : why);
  }
  const { BlockList: Blocks, isIP } = require('node:net') as typeof import('node:net');
  const allowedAddresses = new Blocks();
  for (const s of allowedSans) if (isIP(s)) allowedAddresses.addAddress(s, isIP(s) === 6 ? 'ipv6' : 'ipv4');
  return {
    context,
    secureContext,
    server: { requestCert: clientAuth !== 'NoClientCert', rejectUnauthorized: clientAuth === 'RequireAndVerifyClientCert' },
    clientAuth,
    allowedSans,
    allowedAddresses,
    certPem: cert,
    keyPem: key,
  };
}

/** What one header value may hold: Node sends no CR, LF or character outside Latin-1 (nor does any browser read them). */
function headerValue(path: string, name: string, value: string): string {
  const { validateHeaderValue } = require('node:http') as typeof import('node:http');
  try {
    validateHeaderValue(name, value);
  } catch {
    const bad = /[\r\n]/.test(value) ? 'a line break (a YAML block scalar ends in one: use a plain or quoted value)' : 'a control character or a character outside Latin-1';
    fail(path, `http_server_config.headers.${name}`, `not a valid HTTP header value: it has ${bad}`);
  }
  return value;
}

/**
 * Reads and checks the whole file; throws a WebConfigError naming the file
 * and the key. `files` lists what it read or tried to read (the file itself,
 * then the certificates): watched for a change, valid or not.
 */
export async function loadWebConfig(file: string, files: string[] = []): Promise<WebConfig> {
  const path = resolve(file);
  files.push(path);
  const text = await readFile(path, '(file)', path);
  if (text.includes('\u0000')) fail(path, '(file)', 'it has NUL bytes (UTF-16?); save it as UTF-8');
  const YAML = require('yaml') as typeof import('yaml');
  let doc: unknown;
  try {
    doc = YAML.parse(text, { uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    if (err instanceof RangeError || /call stack/i.test((err as Error).message)) fail(path, '(file)', 'nested too deeply');
    return fail(path, '(file)', `not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const top = section(path, '', doc, ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit']);
  const base = dirname(path);
  const http = section(path, 'http_server_config', top.http_server_config, ['http2', 'headers']);
  const rawHeaders = section(path, 'http_server_config.headers', http.headers, Object.keys(HEADERS));
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(rawHeaders)) {
    const value = str(path, `http_server_config.headers.${name}`, v) ?? '';
    const allowed = HEADERS[name];
    if (allowed && value !== '' && !allowed.includes(value.toLowerCase())) fail(path, `http_server_config.headers.${name}`, `"${value}" is not one of ${allowed.join(', ')}`);
    if (value !== '') headers[name] = headerValue(path, name, value);
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
  let rateLimit: WebConfig['rateLimit'];
  if (top.rate_limit !== undefined && top.rate_limit !== null) {
    const r = section(path, 'rate_limit', top.rate_limit, ['interval', 'burst']);
    const burst = r.burst ?? 0;
    if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 0) fail(path, 'rate_limit.burst', 'expected a whole number, 0 or more');
    const intervalMs = r.interval === undefined ? 0 : duration(path, 'rate_limit.interval', r.interval);
    // A limit only when both are set: an interval or a burst of 0 would refuse every request.
    if (intervalMs > 0 && burst > 0) rateLimit = { intervalMs, burst };
  }
  const warnings: string[] = [];
  const tls = await tlsServer(path, base, top.tls_server_config, files, warnings);
  return { path, tls, headers, users, http2: bool(path, 'http_server_config.http2', http.http2, true), ...(rateLimit ? { rateLimit } : {}), warnings };
}
