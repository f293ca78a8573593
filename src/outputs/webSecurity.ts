// What `--web.config.file` decides for each connection and request, as
// exporter-toolkit does: the TLS context and client-certificate policy, the
// rate limit, basic authentication and the extra headers; and the files
// read again when they change. Loaded only with the flag.
import { statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../lib/log';
import { createAuthenticator } from './webAuth';
import { loadWebConfig, readConfigFile, WebConfigError, type TlsServer, type WebConfig } from './webConfig';

/** The one path a container's HEALTHCHECK reaches without credentials (still over TLS). */
export const UNAUTHENTICATED_PATHS: readonly string[] = ['/healthz'];

/** How often the web config and its certificate files are checked for a change. */
const WATCH_MS = 1000;

export interface WebStatus {
  /** Whether the last read of the web config (at start or after a change) was valid. */
  ok: boolean;
  /** Unix seconds of the last valid read. */
  lastSuccess: number;
}

/** Why a request was answered without reaching the handler. */
export type RefusedReason = 'unauthorized' | 'auth_busy' | 'rate_limited';

export interface Denied {
  reason: RefusedReason;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface WebGuard {
  /** The TLS settings a new connection gets now; undefined: plain HTTP. */
  tls(): TlsServer | undefined;
  /** Why a connection's client certificate is refused under the config's policy, or undefined. */
  clientRefusal(socket: TLSSocket): string | undefined;
  /** Undefined to go on; otherwise the answer. `client` is the remote address; `abandoned` fires if the connection closes meanwhile. */
  authorize(req: IncomingMessage, path: string, client: string, abandoned: AbortSignal): Promise<Denied | undefined>;
  /** Headers the config adds to every answer. */
  headers(): Record<string, string>;
  /** Whether basic authentication is on. */
  authenticates(): boolean;
  /** Reads the files again now (SIGHUP), whether they changed or not; logs the outcome. */
  reload(): Promise<void>;
  status(): WebStatus;
  close(): void;
}

/** The subjectAltName entries of a peer certificate: [type, value]. */
function sans(socket: TLSSocket): [string, string][] {
  const alt = socket.getPeerCertificate().subjectaltname ?? '';
  return alt
    .split(', ')
    .map((e) => {
      const colon = e.indexOf(':');
      return [e.slice(0, colon), e.slice(colon + 1)] as [string, string];
    })
    .filter(([, v]) => v !== '');
}

export function refusal(socket: TLSSocket, tls: TlsServer): string | undefined {
  const cert = socket.getPeerCertificate();
  const has = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  switch (tls.clientAuth) {
    case 'RequireAnyClientCert':
      if (!has) return 'no client certificate (client_auth_type RequireAnyClientCert)';
      break;
    case 'VerifyClientCertIfGiven':
      if (has && !socket.authorized) return `client certificate not trusted (${String(socket.authorizationError)})`;
      break;
    default:
      break;
  }
  if (tls.allowedSans.length === 0) return undefined;
  const { isIP } = require('node:net') as typeof import('node:net');
  // Addresses as addresses: a certificate writes ::1 as 0:0:0:0:0:0:0:1.
  const allowed = sans(socket).some(([type, v]) => (type === 'IP Address' && isIP(v) ? tls.allowedAddresses.check(v, isIP(v) === 6 ? 'ipv6' : 'ipv4') : tls.allowedSans.includes(v)));
  return allowed ? undefined : 'client certificate has none of client_allowed_sans';
}

/** What the watched files look like now (mode and owner included: a chown can make a key readable). */
function signature(files: readonly string[]): string {
  return files
    .map((f) => {
      try {
        const st = statSync(f);
        return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.mode}:${st.uid}:${st.gid}`;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code ?? 'error';
      }
    })
    .join('|');
}

/** exporter-toolkit's rate_limit: a token bucket of `burst`, one token back every `intervalMs`. */
function rateLimiter(now: () => number): (limit: WebConfig['rateLimit']) => boolean {
  let tokens = Number.POSITIVE_INFINITY;
  let at = now();
  return (limit) => {
    if (!limit) return true;
    const t = now();
    tokens = Math.min(limit.burst, tokens + (t - at) / limit.intervalMs);
    at = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** Reads the file (throws a WebConfigError) and returns the guard that applies it, re-reading it as it changes. */
export async function createWebGuard(file: string, log: Logger): Promise<{ guard: WebGuard; config: WebConfig }> {
  let files: string[] = [];
  let config = await loadWebConfig(file, files);
  for (const w of config.warnings) log.warn(w);
  let status: WebStatus = { ok: true, lastSuccess: Date.now() / 1000 };
  let seen = signature(files);
  let lastError = '';
  let reading = false;
  const auth = createAuthenticator(() => config.users);
  const allow = rateLimiter(Date.now);

  const reload = async (): Promise<void> => {
    const tried: string[] = [];
    try {
      const next = await loadWebConfig(config.path, tried);
      if (Boolean(next.tls) !== Boolean(config.tls)) throw new WebConfigError(`web config ${next.path}: tls_server_config: ${next.tls ? 'added' : 'removed'} while serving; restart serve to change between HTTP and HTTPS`);
      if (next.tls && config.tls && next.tls.clientAuth !== config.tls.clientAuth) throw new WebConfigError(`web config ${next.path}: tls_server_config.client_auth_type: changed while serving; restart serve to change it`);
      config = next;
      status = { ok: true, lastSuccess: Date.now() / 1000 };
      lastError = '';
      for (const w of next.warnings) log.warn(w);
      log.info('web config reloaded', { file: config.path });
    } catch (err) {
      status = { ...status, ok: false };
      const message = (err as Error).message;
      // Logged once per distinct error: the last good configuration goes on serving.
      if (message !== lastError) log.error(`${message}; still serving with the last valid web config`);
      lastError = message;
    } finally {
      // Watch what the new config names, valid or not, so a file that appears or becomes readable is seen.
      files = tried;
    }
  };

  // exporter-toolkit reads the file per request; once a second is enough to
  // see a rotated certificate on the next connection within the 3 s asked.
  const readAgain = async (): Promise<void> => {
    if (reading) return;
    reading = true;
    try {
      await reload();
    } finally {
      reading = false;
      seen = signature(files);
    }
  };
  const timer = setInterval(() => {
    if (!reading && signature(files) !== seen) void readAgain();
  }, WATCH_MS);
  timer.unref();

  const guard: WebGuard = {
    tls: () => config.tls,
    clientRefusal: (socket) => (config.tls ? refusal(socket, config.tls) : undefined),
    async authorize(req, path, client, abandoned): Promise<Denied | undefined> {
      if (!allow(config.rateLimit)) return { reason: 'rate_limited', status: 429, headers: { 'retry-after': '1' }, body: 'Too Many Requests\n' };
      if (config.users.size === 0 || UNAUTHENTICATED_PATHS.includes(path)) return undefined;
      const result = await auth.check(req.headers.authorization, client, abandoned);
      if (result === 'ok') return undefined;
      if (result === 'busy') return { reason: 'auth_busy', status: 429, headers: { 'retry-after': '1' }, body: 'too many authentication attempts at once; try again\n' };
      return { reason: 'unauthorized', status: 401, headers: { 'www-authenticate': 'Basic realm="open-notify-exporter", charset="UTF-8"' }, body: 'unauthorized\n' };
    },
    headers: () => config.headers,
    authenticates: () => config.users.size > 0,
    reload: readAgain,
    status: () => status,
    close: () => {
      clearInterval(timer);
      auth.close();
    },
  };
  return { guard, config };
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
