// serve's HTTP side as one wrapper around a handler, as exporter-toolkit's
// web.ListenAndServe: Node's own http or https server listens, parses and
// keeps the deadlines; the wrapper adds what --web.config.file asks (client
// certificates, the rate limit, basic authentication, headers) and a
// connection cap that makes room for a new connection rather than refuse it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Listen } from '../config/config';
import { hostPort } from '../lib/format';
import type { Logger } from '../lib/log';
import { tlsPhrase } from '../lib/tlsErrors';
import { parseInSlices } from './parserFeed';
import { clientGroup, ends, victim, type Conn } from './webConns';
import { createAuthenticator } from './webAuth';
import { rateLimiter, refusal, type WebConfig } from './webConfig';
import type { LiveWebConfig } from './webReload';

/** Why serve closed a connection itself. */
export type DropReason = 'max_connections' | 'evicted' | 'request_deadline' | 'response_deadline' | 'unread_responses';
/** Why a request was answered without reaching the handler. */
export type RefusedReason = 'unauthorized' | 'auth_busy' | 'rate_limited';
/** Why a TLS connection ended before its first request. */
export type HandshakeFailure = 'plain_http' | 'not_tls' | 'client_certificate' | 'tls_error';

export interface WebCounts {
  dropped: Record<DropReason, number>;
  refused: Record<RefusedReason, number>;
  handshakeFailures: Record<HandshakeFailure, number>;
}

/** A request head, and the TLS handshake before it, must arrive this soon (Node's headersTimeout and handshakeTimeout). */
export const HEAD_DEADLINE_MS = 5000;
/** An answer must be read within this of its request: a reader that trickles holds no slot for longer (Node's timers reset on every byte). */
export const RESPONSE_DEADLINE_MS = 30_000;
/** Answers a connection may leave unread: a client pipelining requests and reading nothing is closed at the next one. */
export const MAX_QUEUED_RESPONSES = 16;
/** The one path a container's HEALTHCHECK asks without credentials (still over TLS). */
const UNAUTHENTICATED_PATHS: readonly string[] = ['/healthz'];

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this host',
  EACCES: 'permission denied (a port below 1024 needs privileges)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
};

export class ListenError extends Error {}

export const formatListen = (l: Listen): string => hostPort(l.host, l.port);

export interface WebOptions {
  listen: Listen;
  /** --max-connections: past it an idle, handshaking or unauthenticated connection makes room. */
  maxConnections: number;
  log: Logger;
  config?: LiveWebConfig;
}

export interface WebServer {
  /** The address bound, e.g. 127.0.0.1:8899. */
  address: string;
  counts(): WebCounts;
  /** Stops accepting, lets answers in flight finish for up to a second, closes every connection. */
  close(): Promise<void>;
}

export async function listenAndServe(o: WebOptions, handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<WebServer> {
  const { log, config } = o;
  const counts: WebCounts = {
    dropped: { max_connections: 0, evicted: 0, request_deadline: 0, response_deadline: 0, unread_responses: 0 },
    refused: { unauthorized: 0, auth_busy: 0, rate_limited: 0 },
    handshakeFailures: { plain_http: 0, not_tls: 0, client_certificate: 0, tls_error: 0 },
  };
  // At most a line a minute per reason: a flood must not flood the log too.
  const lastWarned = new Map<string, number>();
  const count = <K extends string>(kind: Record<K, number>, reason: K, conn: Conn | undefined, msg: string): void => {
    kind[reason] += 1;
    const now = Date.now();
    if (now - (lastWarned.get(reason) ?? -Infinity) < 60_000) return;
    lastWarned.set(reason, now);
    log.warn(msg, { reason, remote: conn?.client, total: kind[reason] });
  };
  const conns = new Map<string, Conn>();
  const auth = config ? createAuthenticator(() => config.current().users) : undefined;
  const allow = rateLimiter();

  /** Why the request may not reach the handler, as [status, reason, body, headers]; undefined if it may. */
  const refuse = async (web: WebConfig, req: IncomingMessage, conn: Conn): Promise<[number, RefusedReason, string, Record<string, string>?] | undefined> => {
    if (!allow(web.rateLimit)) return [429, 'rate_limited', 'Too Many Requests\n', { 'retry-after': '1' }];
    if (!auth || web.users.size === 0 || UNAUTHENTICATED_PATHS.includes((req.url ?? '/').split('?')[0])) return undefined;
    const result = await auth.check(req.headers.authorization, conn.closed.signal, conn.client);
    if (result === 'ok') conn.trusted = true;
    if (result === 'busy') return [429, 'auth_busy', 'too many authentication attempts at once; try again\n', { 'retry-after': '1' }];
    if (result === 'denied') return [401, 'unauthorized', 'unauthorized\n', { 'www-authenticate': 'Basic realm="open-notify-exporter", charset="UTF-8"' }];
    return undefined;
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const conn = conns.get(ends(req.socket));
    if (!conn || req.socket.destroyed) return;
    conn.queued += 1;
    res.once('close', () => (conn.queued -= 1));
    if (conn.queued > MAX_QUEUED_RESPONSES) {
      count(counts.dropped, 'unread_responses', conn, `closed a connection: a client sent more than ${MAX_QUEUED_RESPONSES} requests without reading the answers`);
      conn.socket.destroy();
      return;
    }
    res.setHeader('x-content-type-options', 'nosniff');
    const web = config?.current();
    if (web) {
      for (const [name, value] of Object.entries(web.headers)) res.setHeader(name, value);
      const refused = await refuse(web, req, conn);
      if (req.socket.destroyed) return;
      if (refused) {
        const [status, reason, body, headers] = refused;
        count(counts.refused, reason, conn, `refused a request: ${status === 401 ? 'wrong or missing credentials' : body.trim()}`);
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
        return;
      }
    }
    conn.active += 1;
    const deadline = setTimeout(() => {
      count(counts.dropped, 'response_deadline', conn, `closed a connection: an answer not read within ${RESPONSE_DEADLINE_MS / 1000} s`);
      conn.socket.destroy();
    }, RESPONSE_DEADLINE_MS);
    res.once('close', () => {
      conn.active -= 1;
      clearTimeout(deadline);
    });
    try {
      await handler(req, res);
    } catch (err) {
      log.error('request failed', { path: req.url, error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  };

  const tls = config?.current().tls;
  const options = { maxHeaderSize: 8192, headersTimeout: HEAD_DEADLINE_MS, requestTimeout: RESPONSE_DEADLINE_MS, keepAliveTimeout: 5000, connectionsCheckingInterval: 1000 };
  const listener = (req: IncomingMessage, res: ServerResponse) => void onRequest(req, res);
  const server = tls
    ? (require('node:https') as typeof import('node:https')).createServer({ ...options, ...tls.context, ...tls.server, handshakeTimeout: HEAD_DEADLINE_MS }, listener)
    : (require('node:http') as typeof import('node:http')).createServer(options, listener);

  // The one place serve reaches under Node's server: without it, a connection closed for unread answers still has its
  // whole 64 KiB chunk of pipelined requests parsed (npm run bench, flood: peak RSS 275 MiB and a scrape waiting 8.3 s
  // against 58 MiB and 0.4 s with it). The parser is on the TCP socket for HTTP, on the TLS socket for HTTPS.
  let feedWarned = false;
  const feedInSlices = (socket: Socket): void => {
    if (parseInSlices(socket) || feedWarned) return;
    feedWarned = true;
    log.warn(`this Node.js ${process.version} reads connections otherwise than serve expects: pipelined requests are parsed in whole chunks`);
  };
  let closing = false;
  server.on('connection', (socket: Socket) => {
    const conn: Conn = { socket, client: clientGroup(socket.remoteAddress), opened: performance.now(), queued: 0, active: 0, trusted: false, closed: new AbortController() };
    if (closing) return void socket.destroy();
    if (conns.size >= o.maxConnections) {
      const out = victim(conns.values());
      if (!out) {
        count(counts.dropped, 'max_connections', conn, `closed a connection: more than --max-connections ${o.maxConnections} open, all of them being answered`);
        return void socket.destroy();
      }
      count(counts.dropped, 'evicted', out, `closed a connection: --max-connections ${o.maxConnections} reached: made room for a new one`);
      out.socket.destroy();
    }
    const key = ends(socket);
    conns.set(key, conn);
    if (!tls) feedInSlices(socket);
    socket.once('close', () => {
      if (conns.get(key) === conn) conns.delete(key);
      conn.closed.abort();
    });
  });
  // With a listener here Node answers nothing itself: the same answers as its own, and the deadline counted.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') count(counts.dropped, 'request_deadline', conns.get(ends(socket)), `closed a connection: no complete request within ${HEAD_DEADLINE_MS / 1000} s`);
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable && socket.bytesWritten === 0) socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  });
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    const conn = conns.get(ends(socket));
    if (err.code === 'ECONNRESET') return;
    if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return count(counts.dropped, 'request_deadline', conn, `closed a connection: no TLS handshake within ${HEAD_DEADLINE_MS / 1000} s`);
    if (err.code === 'ERR_SSL_HTTP_REQUEST') {
      count(counts.handshakeFailures, 'plain_http', conn, 'refused a TLS connection: plain HTTP sent to the TLS port');
      // As Go's server answers it: the client learns what it did wrong.
      conn?.socket.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
      return;
    }
    const reason = /wrong version number|packet length too long/i.test(err.message) ? 'not_tls' : /certificate/i.test(err.message) ? 'client_certificate' : 'tls_error';
    count(counts.handshakeFailures, reason, conn, `refused a TLS connection: ${reason === 'not_tls' ? 'the client does not speak TLS' : (tlsPhrase(err) ?? `${err.code ?? 'error'}: ${err.message}`)}`);
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const current = config?.current().tls;
    const why = current && refusal(socket, current);
    if (!why) return feedInSlices(socket);
    count(counts.handshakeFailures, 'client_certificate', conns.get(ends(socket)), `refused a TLS connection: ${why}`);
    socket.destroy();
  });
  // A rotated certificate (or other TLS settings) for every new connection.
  config?.onReload((next) => next.tls && 'setSecureContext' in server && server.setSecureContext(next.tls.context));

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.listen.port, o.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    config?.close();
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ListenError(`cannot listen on ${formatListen(o.listen)}: ${LISTEN_ERRORS[code] ?? (err as Error).message}`);
  }
  const addr = server.address();
  return {
    address: typeof addr === 'object' && addr ? formatListen({ host: addr.address, port: addr.port }) : String(addr),
    counts: () => counts,
    async close() {
      closing = true;
      config?.close();
      server.close();
      for (const c of conns.values()) if (c.active === 0) c.socket.destroy();
      // An answer still going out after a second is a client not reading: a stop must not wait on it.
      const until = performance.now() + 1000;
      while (conns.size > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
      for (const c of conns.values()) c.socket.destroy();
    },
  };
}
