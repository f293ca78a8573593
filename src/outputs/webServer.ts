// serve's HTTP side as one wrapper, as exporter-toolkit's web.Serve: it
// listens, speaks TLS when the web config asks for it, checks client
// certificates, the rate limit and basic authentication, adds the config's
// headers, and only then hands a request to the handler. It also holds the
// connection limits, so that no client, authenticated or not, can lock the
// scrapers out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Listen } from '../config/config';
import { hostPort } from '../lib/format';
import type { Logger } from '../lib/log';
import { parseInSlices } from './parserFeed';
import { tlsHandoff, type HandshakeFailure } from './webTls';
import type { RefusedReason, WebGuard } from './webSecurity';


/** Why serve closed a connection itself. */
export type DropReason = 'max_connections' | 'evicted' | 'request_deadline' | 'response_deadline' | 'unread_responses';

export interface WebCounts {
  dropped: Record<DropReason, number>;
  refused: Record<RefusedReason, number>;
  handshakeFailures: Record<HandshakeFailure, number>;
}

/**
 * Responses one connection may have queued, unread by its client. A
 * scraper sends one request and reads the answer; a client pipelining
 * thousands of requests and reading nothing made serve hold every answer.
 */
export const MAX_QUEUED_RESPONSES = 16;
/** A connection must deliver a whole request head (TLS handshake included) this soon after opening. */
export const HEAD_DEADLINE_MS = 5000;
/** An idle keep-alive connection is closed after this long without a new request, as Node's keepAliveTimeout. */
const IDLE_MS = 5000;
/** A request must be answered, the body read by the client included, within this: a reader that makes no progress cannot hold its slot. */
export const RESPONSE_DEADLINE_MS = 30_000;

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this host',
  EACCES: 'permission denied (a port below 1024 needs privileges)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
};

export class ListenError extends Error {}

export const formatListen = (l: Listen): string => hostPort(l.host, l.port);

/**
 * The client a connection counts against when the cap is full: its address,
 * or its /64 for IPv6 (one host has a whole /64 to spread over).
 */
export function clientGroup(address: string | undefined): string {
  const a = address ?? '';
  if (!a.includes(':') || a.startsWith('::ffff:')) return a.replace(/^::ffff:/, '');
  const [head, tail = ''] = a.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '').toLowerCase()).join(':')}::/64`;
}

interface Conn {
  raw: Socket;
  client: string;
  opened: number;
  /** When it last had nothing to do: opened, or its last answer finished. */
  idleSince: number;
  /** When the handler took its oldest unanswered request. */
  busySince: number;
  requests: number;
  /** Requests inside the handler (past authentication). */
  active: number;
  /** Passed basic authentication at least once. */
  trusted: boolean;
  closed: AbortController;
}

export interface WebServerOptions {
  listen: Listen;
  /** --max-connections: past it an idle, handshaking or unauthenticated connection makes room, oldest first. */
  maxConnections: number;
  log: Logger;
  /** --web.config.file, read and checked: TLS, basic auth, rate limit, headers. */
  guard?: WebGuard;
}

export interface WebServer {
  /** The address bound, e.g. 127.0.0.1:8899. */
  address: string;
  counts(): WebCounts;
  /** Stops accepting, lets answers in flight finish for up to a second, closes every connection. */
  close(): Promise<void>;
}

export { sendBody } from './httpIo';

export async function startWebServer(o: WebServerOptions, handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<WebServer> {
  const net = require('node:net') as typeof import('node:net');
  const http = require('node:http') as typeof import('node:http');
  const { log, guard } = o;
  const counts: WebCounts = {
    dropped: { max_connections: 0, evicted: 0, request_deadline: 0, response_deadline: 0, unread_responses: 0 },
    refused: { unauthorized: 0, auth_busy: 0, rate_limited: 0 },
    handshakeFailures: { plain_http: 0, not_tls: 0, client_certificate: 0, tls_error: 0 },
  };
  // At most a line a minute per reason: a flood must not flood the log too.
  const lastWarned = new Map<string, number>();
  const warn = (key: string, msg: string, fields: Record<string, string | number | undefined>): void => {
    const now = Date.now();
    if (now - (lastWarned.get(key) ?? -Infinity) < 60_000) return;
    lastWarned.set(key, now);
    log.warn(msg, fields);
  };
  const dropped = (reason: DropReason, conn: Conn, why: string): void => {
    counts.dropped[reason] += 1;
    warn(`dropped:${reason}`, `closed a connection: ${why}`, { reason, remote: conn.client, dropped_total: counts.dropped[reason] });
  };

  const conns = new Set<Conn>();
  const byStream = new WeakMap<Socket, Conn>();

  /**
   * The connection to close so a new one fits: never one being answered;
   * of the rest, one of the client holding the most connections, then one
   * not authenticated, then the oldest. A flood from a few addresses thus
   * evicts itself, not the scraper's connection that just opened.
   */
  const victim = (): Conn | undefined => {
    const per = new Map<string, number>();
    for (const c of conns) per.set(c.client, (per.get(c.client) ?? 0) + 1);
    const held = (c: Conn) => per.get(c.client) ?? 0;
    return [...conns].filter((c) => c.active === 0).sort((a, b) => held(b) - held(a) || Number(a.trusted) - Number(b.trusted) || a.opened - b.opened)[0];
  };

  const httpServer = http.createServer({ maxHeaderSize: 8192, keepAliveTimeout: IDLE_MS }, (req, res) => void onRequest(req, res));
  httpServer.timeout = RESPONSE_DEADLINE_MS;
  // After http.Server's own listener (registered first), which attached the parser.
  let feedWarned = false;
  httpServer.on('connection', (socket: Socket) => {
    if (parseInSlices(socket) || feedWarned) return;
    feedWarned = true;
    o.log.warn(`this Node.js ${process.version} reads connections otherwise than serve expects: requests are parsed in whole chunks, and a closed connection's pipelined requests may be parsed`);
  });

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const conn = byStream.get(req.socket);
    // Requests the parser had already read from a connection closed since: nothing to answer.
    if (!conn || req.socket.destroyed) return;
    conn.requests += 1;
    res.once('close', () => {
      conn.requests -= 1;
      if (conn.requests === 0) conn.idleSince = Date.now();
    });
    if (conn.requests > MAX_QUEUED_RESPONSES) {
      dropped('unread_responses', conn, `a client sent more than ${MAX_QUEUED_RESPONSES} requests without reading the answers`);
      conn.raw.destroy();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (guard) {
      for (const [name, value] of Object.entries(guard.headers())) res.setHeader(name, value);
      const denied = await guard.authorize(req, path, conn.client, conn.closed.signal);
      if (req.socket.destroyed) return;
      if (denied) {
        counts.refused[denied.reason] += 1;
        warn(`refused:${denied.reason}`, `refused a request: ${denied.status === 401 ? 'wrong or missing credentials' : denied.body.trim()}`, { reason: denied.reason, remote: conn.client, refused_total: counts.refused[denied.reason] });
        res.writeHead(denied.status, { 'content-type': 'text/plain; charset=utf-8', ...denied.headers }).end(denied.body);
        return;
      }
      if (guard.authenticates() && req.headers.authorization !== undefined) conn.trusted = true;
    }
    if (conn.active === 0) conn.busySince = Date.now();
    conn.active += 1;
    res.once('close', () => (conn.active -= 1));
    try {
      await handler(req, res);
    } catch (err) {
      log.error('request failed', { path: req.url, error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  };

  const startTls = guard
    ? tlsHandoff({
        tls: () => guard.tls(),
        clientRefusal: (socket) => guard.clientRefusal(socket),
        handshakeMs: HEAD_DEADLINE_MS,
        secure(raw, socket) {
          byStream.set(socket, byStream.get(raw)!);
          httpServer.emit('connection', socket);
        },
        failed(raw, reason, why) {
          counts.handshakeFailures[reason] += 1;
          warn(`handshake:${reason}`, `refused a TLS connection: ${why}`, { reason, remote: byStream.get(raw)?.client, failures_total: counts.handshakeFailures[reason] });
        },
      })
    : undefined;

  let closing = false;
  const server = net.createServer((raw) => {
    raw.on('error', () => undefined);
    if (closing) {
      raw.destroy();
      return;
    }
    const now = Date.now();
    const conn: Conn = { raw, client: clientGroup(raw.remoteAddress), opened: now, idleSince: now, busySince: 0, requests: 0, active: 0, trusted: false, closed: new AbortController() };
    if (conns.size >= o.maxConnections) {
      const out = victim();
      if (!out) {
        dropped('max_connections', conn, `more than --max-connections ${o.maxConnections} open, all of them being answered`);
        raw.destroy();
        return;
      }
      dropped('evicted', out, `--max-connections ${o.maxConnections} reached: made room for a new one`);
      out.raw.destroy();
      conns.delete(out);
    }
    conns.add(conn);
    raw.once('close', () => {
      conns.delete(conn);
      conn.closed.abort();
    });
    byStream.set(raw, conn);
    if (startTls && guard?.tls()) raw.once('data', (first: Buffer) => startTls(raw, first));
    else httpServer.emit('connection', raw);
  });

  // Node's own request timers run only for a server that listens itself; this one is handed sockets, so it checks them here.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const c of conns) {
      if (c.active > 0) {
        if (now - c.busySince > RESPONSE_DEADLINE_MS) {
          dropped('response_deadline', c, `an answer not read within ${RESPONSE_DEADLINE_MS / 1000} s`);
          c.raw.destroy();
        }
      } else if (c.requests === 0 && c.idleSince === c.opened && now - c.opened > HEAD_DEADLINE_MS) {
        dropped('request_deadline', c, `no complete request (TLS handshake included) within ${HEAD_DEADLINE_MS / 1000} s of connecting`);
        c.raw.destroy();
      } else if (c.requests === 0 && now - c.idleSince > IDLE_MS + 1000) {
        c.raw.destroy();
      }
    }
  }, 1000);
  sweep.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.listen.port, o.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    clearInterval(sweep);
    guard?.close();
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ListenError(`cannot listen on ${formatListen(o.listen)}: ${LISTEN_ERRORS[code] ?? (err as Error).message}`);
  }
  const addr = server.address();
  return {
    address: typeof addr === 'object' && addr ? formatListen({ host: addr.address, port: addr.port }) : String(addr),
    counts: () => counts,
    async close() {
      closing = true;
      clearInterval(sweep);
      guard?.close();
      server.close();
      for (const c of conns) if (c.active === 0) c.raw.destroy();
      // An answer still going out after a second is a client not reading: a stop must not wait on it.
      const until = Date.now() + 1000;
      while (conns.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      for (const c of conns) c.raw.destroy();
    },
  };
}
