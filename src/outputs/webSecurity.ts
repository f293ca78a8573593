// serve's side of `--web.config.file`: TLS (with client certificates), basic
// authentication and extra headers for every path, as exporter-toolkit does,
// and the files re-read when they change. Loaded only with the flag.
import { statSync } from 'node:fs';
import type { IncomingMessage, RequestListener, Server, ServerOptions } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../lib/log';
import { createAuthenticator } from './webAuth';
import { loadWebConfig, WebConfigError, type TlsServer, type WebConfig } from './webConfig';

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

type Denied = { status: number; headers: Record<string, string>; body: string };

export interface WebGuard {
  createServer(options: ServerOptions, handler: RequestListener): Server;
  /** Undefined to go on; otherwise the answer for a request without valid credentials. */
  authorize(req: IncomingMessage, path: string): Promise<Denied | undefined>;
  /** Headers the config adds to every answer. */
  headers(): Record<string, string>;
  status(): WebStatus;
  close(): void;
}

/** The subjectAltName entries of a peer certificate, as values: DNS names, IPs, e-mails, URIs. */
function sans(socket: TLSSocket): string[] {
  const alt = socket.getPeerCertificate().subjectaltname ?? '';
  return alt
    .split(', ')
    .map((e) => e.replace(/^(DNS|IP Address|email|URI):/, ''))
    .filter(Boolean);
}

/** Why a connection's client certificate is refused under the config's policy, or undefined. */
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
  if (tls.allowedSans.length > 0 && !sans(socket).some((s) => tls.allowedSans.includes(s))) return 'client certificate has none of client_allowed_sans';
  return undefined;
}

/** What the watched files look like now: a change in any of them means a read. */
function signature(files: readonly string[]): string {
  return files
    .map((f) => {
      try {
        const st = statSync(f);
        return `${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

export function createWebGuard(initial: WebConfig, log: Logger): WebGuard {
  let config = initial;
  let status: WebStatus = { ok: true, lastSuccess: Date.now() / 1000 };
  let server: Server | undefined;
  const watched = () => [config.path, ...(config.tls?.files ?? [])];
  let seen = signature(watched());
  const auth = createAuthenticator(() => config.users);

  const apply = (next: WebConfig): void => {
    if (Boolean(next.tls) !== Boolean(config.tls)) throw new WebConfigError(`web config ${next.path}: tls_server_config: ${next.tls ? 'added' : 'removed'} while serving; restart serve to change between HTTP and HTTPS`);
    if (next.tls && server) {
      const tlsServer = server as unknown as { setSecureContext(o: object): void; requestCert: boolean; rejectUnauthorized: boolean };
      tlsServer.setSecureContext(next.tls.context);
      // Read by tls.Server for each new connection.
      tlsServer.requestCert = next.tls.server.requestCert === true;
      tlsServer.rejectUnauthorized = next.tls.server.rejectUnauthorized === true;
    }
    config = next;
  };

  // exporter-toolkit reads the file per request; once a second is enough to
  // see a rotated certificate on the next connection within the 3 s asked.
  const timer = setInterval(() => {
    const now = signature(watched());
    if (now === seen) return;
    seen = now;
    try {
      apply(loadWebConfig(config.path));
      status = { ok: true, lastSuccess: Date.now() / 1000 };
      log.info('web config reloaded', { file: config.path });
    } catch (err) {
      status = { ...status, ok: false };
      // Logged once per change of the files: the last good configuration goes on serving.
      log.error(`${(err as Error).message}; still serving with the last valid web config`);
    }
  }, WATCH_MS);
  timer.unref();

  return {
    createServer(options, handler) {
      if (!config.tls) {
        const http = require('node:http') as typeof import('node:http');
        server = http.createServer(options, handler);
        return server;
      }
      const https = require('node:https') as typeof import('node:https');
      const s = https.createServer({ ...options, ...config.tls.context, ...config.tls.server }, handler);
      s.on('secureConnection', (socket: TLSSocket) => {
        const why = config.tls ? refusal(socket, config.tls) : undefined;
        if (why) {
          log.debug('refused a TLS connection', { reason: why, remote: socket.remoteAddress });
          socket.destroy();
        }
      });
      // A handshake that fails (plain HTTP to the TLS port, no client certificate): not a log line each.
      s.on('tlsClientError', (err: Error, socket: TLSSocket) => {
        log.debug('TLS handshake failed', { reason: err.message, remote: socket.remoteAddress });
      });
      server = s;
      return s;
    },
    async authorize(req, path): Promise<Denied | undefined> {
      if (config.users.size === 0 || UNAUTHENTICATED_PATHS.includes(path)) return undefined;
      const result = await auth.check(req.headers.authorization);
      if (result === 'ok') return undefined;
      if (result === 'busy') return { status: 429, headers: { 'retry-after': '1' }, body: 'too many authentication attempts at once; try again\n' };
      return { status: 401, headers: { 'www-authenticate': 'Basic realm="open-notify-exporter", charset="UTF-8"' }, body: 'unauthorized\n' };
    },
    headers: () => config.headers,
    status: () => status,
    close: () => clearInterval(timer),
  };
}
