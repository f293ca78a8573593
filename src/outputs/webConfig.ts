// `--web.config.file`: exporter-toolkit's web configuration (the format
// node_exporter, blackbox_exporter and the Pushgateway take), read key for
// key and mapped onto Node's TLS options. Loaded only when the flag is
// given: the YAML parser and bcrypt are not part of the bundle.
import { dirname, resolve } from 'node:path';
import { parseDuration } from '../lib/duration';
import { isObject as isObj } from '../lib/format';
import { bool, fail, readConfigFile, readFile, section, str } from './webConfigRead';
import { tlsServer, type TlsServer } from './webConfigTls';

export { MAX_FILE_BYTES, readConfigFile, WebConfigError } from './webConfigRead';
export { refusal, type ClientAuth, type TlsServer } from './webConfigTls';

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

export interface WebConfig {
  path: string;
  tls?: TlsServer;
  headers: Record<string, string>;
  /** User → bcrypt hash; empty: no authentication. */
  users: Map<string, string>;
  /** rate_limit: at most `burst` requests at once, refilled one per `intervalMs`; undefined: no limit. */
  rateLimit?: { intervalMs: number; burst: number };
  /** What is accepted but does nothing, for a warn line (TLS 1.3 suites, as Go ignores them). */
  warnings: string[];
}

/** A duration in the web config: 0, 1s, 500ms, 1m30s. */
function duration(path: string, key: string, v: unknown): number {
  const text = str(path, key, v) ?? '';
  try {
    return parseDuration(text);
  } catch {
    return fail(path, key, `"${text}" is not a duration (0, 1s, 500ms, 1m30s)`);
  }
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
    // As exporter-toolkit: no interval (or 0), no limit; a burst of 0 refuses every request, as Go's rate.Limiter does.
    if (intervalMs > 0) rateLimit = { intervalMs, burst };
  }
  const warnings: string[] = [];
  // Checked as exporter-toolkit does; serve speaks HTTP/1.1 whatever it says.
  const http2 = bool(path, 'http_server_config.http2', http.http2, true);
  const tls = await tlsServer(path, base, top.tls_server_config, http2, files, warnings);
  return { path, tls, headers, users, ...(rateLimit ? { rateLimit } : {}), warnings };
}

/**
 * How a client on this host asks serve (healthcheck): nothing for plain
 * HTTP; with TLS, unverified (our own process, and its certificate is
 * usually for the host's name, not 127.0.0.1), presenting a client
 * certificate where the config requires one: `own`, else the server's.
 */
export async function clientOptions(file: string, own?: { cert: string; key: string }): Promise<{ rejectUnauthorized: false; cert?: string; key?: string } | undefined> {
  const { tls } = await loadWebConfig(file);
  if (!tls) return undefined;
  if (own) return { rejectUnauthorized: false, cert: await readConfigFile(own.cert), key: await readConfigFile(own.key) };
  const needsCert = tls.clientAuth === 'RequireAnyClientCert' || tls.clientAuth === 'RequireAndVerifyClientCert';
  return { rejectUnauthorized: false, ...(needsCert ? { cert: tls.certPem, key: tls.keyPem } : {}) };
}

/** exporter-toolkit's rate_limit (Go's rate.Limiter): a bucket of `burst` tokens, one back every `intervalMs`. */
export function rateLimiter(): (limit: WebConfig['rateLimit']) => boolean {
  let tokens = Number.POSITIVE_INFINITY;
  let at = performance.now();
  return (limit) => {
    if (!limit) return true;
    const now = performance.now();
    tokens = Math.min(limit.burst, tokens + (now - at) / limit.intervalMs);
    at = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}
