// The HTTP side of `serve`: /metrics from the last snapshot (rendered and
// gzipped once per refresh, so a scrape costs a buffer write and ten
// Prometheus servers cost no more API traffic than one), /healthz, /.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/log';
import type { WebConfig, WebStatus } from './web';
import { webModule } from './webLoader';
import { gzipText } from '../lib/gzip';
import { PAGE_CSP } from './page';

export interface Listen {
  /** Undefined: every interface. */
  host?: string;
  port: number;
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** What one refresh produced, ready to send. */
export interface Snapshot {
  text: string;
  healthy: boolean;
  /** Why not healthy, for /healthz. */
  reasons: string;
  /** The landing page, and gzipped. */
  page: string;
  pageGzip: Buffer;
}

/** Before the first refresh: nothing to show yet. */
const WAITING = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>open-notify-exporter</title></head>
<body><h1>open-notify-exporter</h1><p>The first refresh has not finished yet.</p>
<p><a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a></p></body></html>
`;

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this host',
  EACCES: 'permission denied (a port below 1024 needs privileges)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
};

function formatListen(l: Listen): string {
  const host = l.host === undefined ? '' : l.host.includes(':') ? `[${l.host}]` : l.host;
  return `${host}:${l.port}`;
}

/**
 * Whether Accept-Encoding allows gzip (RFC 9110 §12.5.3): `gzip` or `*` with
 * a q-value above 0; `gzip;q=0` means "not acceptable". A q-value that does
 * not parse counts as 0. Identity is always served when gzip is not, even
 * after `identity;q=0`, as most servers do: a body beats a 406.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let star: number | undefined;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.split(';');
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*(.*?)\s*$/i.exec(p);
      if (m) q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(m[1]) ? Number(m[1]) : 0;
    }
    const name = coding.trim().toLowerCase();
    if (name === 'gzip' || name === 'x-gzip') gzip = q;
    else if (name === '*') star = q;
  }
  return (gzip ?? star ?? 0) > 0;
}

export class ListenError extends Error {}

/** Why serve closed a connection at once. */
export type DropReason = 'max_connections' | 'unread_responses';

/**
 * Responses one connection may have queued, unread by its client. A
 * scraper sends one request and reads the answer; a client pipelining
 * thousands of requests and reading nothing made serve hold every answer
 * (8.6 MB a connection). Past this the connection is closed.
 */
export const MAX_QUEUED_RESPONSES = 16;

/** Bytes of a connection handed to Node's HTTP parser at a time: a scrape's request is one piece. */
const PARSE_SLICE_BYTES = 2048;

/**
 * Feeds a connection's bytes to Node's HTTP parser a slice at a time, and
 * stops at once when the connection is closed. Node parses every request in
 * a chunk it has read (64 KiB: ~1,300 pipelined GETs) before a handler's
 * close takes effect, so 80 flooding connections made it build ~100,000
 * requests: 2.5 s of CPU (5 s under --jitless) during which no scrape was
 * answered. This relies on how http.Server reads a socket (its one 'data'
 * listener; adding ours switches the socket from native consumption to
 * 'data' events); where that is not what it finds, it leaves the socket as
 * it is and the per-connection cap below still applies.
 */
function parseInSlices(socket: import('node:net').Socket): void {
  const listeners = socket.listeners('data');
  if (listeners.length !== 1) return;
  const parse = listeners[0] as (chunk: Buffer) => void;
  socket.removeListener('data', parse);
  let backlog: Buffer | undefined;
  const feed = (chunk: Buffer): void => {
    for (let i = 0; i < chunk.length; i += PARSE_SLICE_BYTES) {
      if (socket.destroyed) return;
      // Node pauses a connection whose answers are not being read (back-pressure): keep the rest for its resume.
      if (socket.isPaused()) {
        backlog = backlog ? Buffer.concat([backlog, chunk.subarray(i)]) : chunk.subarray(i);
        return;
      }
      parse(chunk.subarray(i, i + PARSE_SLICE_BYTES));
    }
  };
  socket.on('data', feed);
  socket.on('resume', () => {
    const rest = backlog;
    backlog = undefined;
    if (rest) feed(rest);
  });
}

export interface ServerOptions {
  /** --max-connections: past it a new connection is closed at once. */
  maxConnections: number;
  processRegistry?: Registry;
  /** --web.config.file, read and checked: TLS, basic auth, headers. */
  web?: WebConfig;
  /** serve's own series (connections dropped, the web config's reload state), rendered with the operator's labels. */
  renderOwn(own: OwnValues): Promise<string>;
}

export interface OwnValues {
  dropped: Readonly<Record<DropReason, number>>;
  web?: WebStatus;
}

export interface MetricsServer {
  /** The address bound, e.g. 127.0.0.1:8899. */
  address: string;
  /** Swaps in the next snapshot once its gzipped copy is made. */
  publish(s: Snapshot): Promise<void>;
  /** Stops accepting, lets responses in flight finish, drops idle keep-alives. */
  close(): Promise<void>;
}

export async function startMetricsServer(listen: Listen, log: Logger, opts: ServerOptions): Promise<MetricsServer> {
  const http = require('node:http') as typeof import('node:http');
  const zlib = require('node:zlib') as typeof import('node:zlib');
  const { processRegistry } = opts;
  let snapshot: Snapshot | undefined;
  const guard = opts.web ? webModule().createWebGuard(opts.web, log) : undefined;

  const dropped: Record<DropReason, number> = { max_connections: 0, unread_responses: 0 };
  const lastLogged: Record<DropReason, number> = { max_connections: 0, unread_responses: 0 };
  const drop = (reason: DropReason): void => {
    dropped[reason] += 1;
    // At most a line a minute per reason: a flood must not flood the log too.
    const now = Date.now();
    if (now - lastLogged[reason] < 60_000) return;
    lastLogged[reason] = now;
    const why = reason === 'max_connections' ? `more than --max-connections ${opts.maxConnections} open` : `a client sent more than ${MAX_QUEUED_RESPONSES} requests without reading the answers`;
    log.warn(`closed a connection at once: ${why}`, { reason, dropped_total: dropped[reason] });
  };
  /** serve's own series, rendered again only when a count changed. */
  let own: { key: string; text: string } | undefined;
  const ownKey = () => {
    const web = guard?.status();
    return `${dropped.max_connections},${dropped.unread_responses}${web ? `,${web.ok},${web.lastSuccess}` : ''}`;
  };
  const ownSeries = async (): Promise<{ key: string; text: string }> => {
    const key = ownKey();
    if (own?.key !== key) own = { key, text: await opts.renderOwn({ dropped, web: guard?.status() }) };
    return own;
  };
  /**
   * /metrics gzipped, made before a snapshot is published (large texts on
   * libuv's thread pool), so no scrape ever waits for it; made again when
   * serve's own counts change, at most once a second and in the background,
   * the previous one served meanwhile (its counts may be a second old).
   */
  let ready: { snapshot: Snapshot; key: string; made: number; gzip: Buffer } | undefined;
  let remaking = false;
  const makeGzip = async (s: Snapshot) => {
    const mine = await ownSeries();
    return { snapshot: s, key: mine.key, made: Date.now(), gzip: await gzipText(s.text + mine.text) };
  };
  const metricsGzip = (current: Snapshot): Buffer => {
    const r = ready!;
    if (r.key !== ownKey() && Date.now() - r.made >= 1000 && !remaking) {
      remaking = true;
      void makeGzip(current)
        .then((next) => {
          if (snapshot === current) ready = next;
        })
        .catch(() => undefined)
        .finally(() => (remaking = false));
    }
    return r.gzip;
  };
  const queued = new WeakMap<import('node:net').Socket, number>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const socket = req.socket;
    // Requests the parser had already read from a connection closed below: nothing to answer.
    if (socket.destroyed) return;
    const n = (queued.get(socket) ?? 0) + 1;
    queued.set(socket, n);
    res.once('close', () => queued.set(socket, (queued.get(socket) ?? 1) - 1));
    if (n > MAX_QUEUED_RESPONSES) {
      drop('unread_responses');
      socket.destroy();
      return;
    }
    const extra = guard?.headers() ?? {};
    // With a web config every path needs credentials, as exporter-toolkit does (but /healthz, for HEALTHCHECK).
    const denied = guard ? await guard.authorize(req, (req.url ?? '/').split('?')[0]) : undefined;
    if (denied) {
      res.writeHead(denied.status, { ...extra, 'content-type': 'text/plain; charset=utf-8', ...denied.headers }).end(denied.body);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...extra, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string | Buffer, more: Record<string, string> = {}) => {
      res.writeHead(status, { ...guard?.headers(), 'content-type': type, 'content-length': Buffer.byteLength(body), ...more });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (path === '/') {
      const page = { 'content-security-policy': PAGE_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', vary: 'Accept-Encoding' };
      if (!snapshot) return send(200, 'text/html; charset=utf-8', WAITING, page);
      if (acceptsGzip(req.headers['accept-encoding'])) return send(200, 'text/html; charset=utf-8', snapshot.pageGzip, { ...page, 'content-encoding': 'gzip' });
      return send(200, 'text/html; charset=utf-8', snapshot.page, page);
    }
    // Prometheus' own lifecycle endpoints, for probes and operators used to them.
    if (path === '/-/healthy') return send(200, 'text/plain; charset=utf-8', 'open-notify-exporter is healthy.\n');
    if (path === '/-/ready') {
      return snapshot ? send(200, 'text/plain; charset=utf-8', 'open-notify-exporter is ready.\n') : send(503, 'text/plain; charset=utf-8', 'no refresh finished yet\n');
    }
    if (path === '/healthz') {
      if (snapshot?.healthy) return send(200, 'text/plain; charset=utf-8', 'ok\n');
      return send(503, 'text/plain; charset=utf-8', snapshot ? `unhealthy: ${snapshot.reasons}\n` : 'no refresh finished yet\n');
    }
    if (path !== '/metrics') return send(404, 'text/plain; charset=utf-8', 'not found\n');
    if (!snapshot) return send(503, 'text/plain; charset=utf-8', 'no refresh finished yet\n');
    const gzip = acceptsGzip(req.headers['accept-encoding']);
    const current = snapshot;
    // No await (a microtask per scrape) while the counts stand still, as they almost always do.
    const mine = own?.key === ownKey() ? own : await ownSeries();
    if (processRegistry) {
      const text = current.text + mine.text + (await processRegistry.metrics());
      return gzip ? send(200, CONTENT_TYPE, zlib.gzipSync(text), { 'content-encoding': 'gzip', vary: 'Accept-Encoding' }) : send(200, CONTENT_TYPE, text);
    }
    if (gzip) return send(200, CONTENT_TYPE, metricsGzip(current), { 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
    return send(200, CONTENT_TYPE, current.text + mine.text, { vary: 'Accept-Encoding' });
  };

  // Slow or abusive clients cannot pin the process: small headers, short
  // deadlines, checked every second (Node's default check is every 30 s).
  const serverOptions = { maxHeaderSize: 8192, requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      log.error('request failed', { path: req.url, error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
  const server: Server = guard ? guard.createServer(serverOptions, onRequest) : http.createServer(serverOptions, onRequest);
  server.timeout = 30_000;
  server.maxConnections = opts.maxConnections;
  server.on('drop', () => drop('max_connections'));
  // After http.Server's own listener (registered first), which attached the parser: for
  // HTTPS that is the TLS socket of 'secureConnection', not the TCP one of 'connection'.
  server.on(opts.web?.tls ? 'secureConnection' : 'connection', parseInSlices);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ListenError(`cannot listen on ${formatListen(listen)}: ${LISTEN_ERRORS[code] ?? (err as Error).message}`);
  }
  const addr = server.address();
  return {
    address: typeof addr === 'object' && addr ? formatListen({ host: addr.address, port: addr.port }) : String(addr),
    async publish(s) {
      const next = await makeGzip(s);
      snapshot = s;
      ready = next;
    },
    async close() {
      guard?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A response still going out after a second is a client not reading: a stop must not wait on it.
      const force = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(force);
    },
  };
}
