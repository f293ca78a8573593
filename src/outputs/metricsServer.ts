// The HTTP side of `serve`: /metrics from the last snapshot (rendered and
// gzipped once per refresh, so a scrape costs a buffer write and ten
// Prometheus servers cost no more API traffic than one), /healthz, /.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/log';
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
  /** Compressed once per refresh, not per scrape. */
  gzip: Buffer;
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

export interface MetricsServer {
  /** The address bound, e.g. 127.0.0.1:8899. */
  address: string;
  publish(s: Snapshot): void;
  /** Stops accepting, lets responses in flight finish, drops idle keep-alives. */
  close(): Promise<void>;
}

export async function startMetricsServer(listen: Listen, log: Logger, processRegistry?: Registry): Promise<MetricsServer> {
  const http = require('node:http') as typeof import('node:http');
  const zlib = require('node:zlib') as typeof import('node:zlib');
  let snapshot: Snapshot | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (path === '/') {
      const page = { 'content-security-policy': PAGE_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', vary: 'Accept-Encoding' };
      if (!snapshot) return send(200, 'text/html; charset=utf-8', WAITING, page);
      if (acceptsGzip(req.headers['accept-encoding'])) return send(200, 'text/html; charset=utf-8', snapshot.pageGzip, { ...page, 'content-encoding': 'gzip' });
      return send(200, 'text/html; charset=utf-8', snapshot.page, page);
    }
    if (path === '/healthz') {
      if (snapshot?.healthy) return send(200, 'text/plain; charset=utf-8', 'ok\n');
      return send(503, 'text/plain; charset=utf-8', snapshot ? `unhealthy: ${snapshot.reasons}\n` : 'no refresh finished yet\n');
    }
    if (path !== '/metrics') return send(404, 'text/plain; charset=utf-8', 'not found\n');
    if (!snapshot) return send(503, 'text/plain; charset=utf-8', 'no refresh finished yet\n');
    const gzip = acceptsGzip(req.headers['accept-encoding']);
    if (processRegistry) {
      const text = snapshot.text + (await processRegistry.metrics());
      return gzip ? send(200, CONTENT_TYPE, zlib.gzipSync(text), { 'content-encoding': 'gzip', vary: 'Accept-Encoding' }) : send(200, CONTENT_TYPE, text);
    }
    if (gzip) return send(200, CONTENT_TYPE, snapshot.gzip, { 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
    return send(200, CONTENT_TYPE, snapshot.text, { vary: 'Accept-Encoding' });
  };

  // Slow or abusive clients cannot pin the process: small headers, short
  // deadlines, checked every second (Node's default check is every 30 s).
  const server: Server = http.createServer({ maxHeaderSize: 8192, requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error('request failed', { path: req.url, error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.timeout = 30_000;

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
    publish(s) {
      snapshot = s;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A response still going out after a second is a client not reading: a stop must not wait on it.
      const force = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(force);
    },
  };
}
