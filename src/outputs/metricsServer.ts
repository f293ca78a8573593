// What `serve` answers: /metrics from the last snapshot (rendered and
// gzipped once per refresh, so a scrape costs a buffer write and ten
// Prometheus servers cost no more API traffic than one), /healthz, /. It
// knows nothing of connections, TLS or authentication: web.ts wraps it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { CONTENT_TYPE } from '../contract/registry';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../lib/log';
import { PAGE_CSP, esc } from './page';
import type { Listen } from '../config/config';
import { listenAndServe, type WebCounts } from './web';
import type { LiveWebConfig, WebStatus } from './webReload';

export { ListenError } from './web';


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
const waiting = (telemetryPath: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>open-notify-exporter</title></head>
<body><h1>open-notify-exporter</h1><p>The first refresh has not finished yet.</p>
<p><a href="${esc(telemetryPath)}">${esc(telemetryPath)}</a> · <a href="/healthz">/healthz</a></p></body></html>
`;

/**
 * Whether Accept-Encoding allows gzip (RFC 9110 §12.5.3): `gzip` or `*` with
 * a q-value above 0; `gzip;q=0` means "not acceptable". A q-value that does
 * not parse counts as 0. Identity is always served when gzip is not, even
 * after `identity;q=0`, as most servers do: a body beats a 406.
 */
export function acceptsGzip(header: string | undefined): boolean {
  const q = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [coding = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    let value = '1';
    for (const p of params) value = /^q\s*=\s*(.*)$/.exec(p)?.[1] ?? value;
    q.set(coding === 'x-gzip' ? 'gzip' : coding, /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : 0);
  }
  return (q.get('gzip') ?? q.get('*') ?? 0) > 0;
}

export interface ServerOptions {
  /** --max-connections. */
  maxConnections: number;
  /** --web.telemetry-path: where /metrics is served. */
  telemetryPath: string;
  processRegistry?: Registry;
  /** --web.config.file, read and kept current: TLS, basic auth, rate limit, headers. */
  webConfig?: LiveWebConfig;
  /** serve's own series (its connections, refusals and the web config's state), rendered with the operator's labels. */
  renderOwn(own: OwnValues): Promise<string>;
}

export interface OwnValues extends WebCounts {
  web?: WebStatus;
}

export interface MetricsServer {
  /** The address bound, e.g. 127.0.0.1:8899. */
  address: string;
  /** Swaps in the next snapshot, its gzipped copy made first. */
  publish(s: Snapshot): Promise<void>;
  /** Stops accepting, lets responses in flight finish, drops idle keep-alives. */
  close(): Promise<void>;
}

/** How old the series that change between refreshes (serve's own counts, --process-metrics) may be. */
const TAIL_MAX_AGE_MS = 1000;

export async function startMetricsServer(listen: Listen, log: Logger, opts: ServerOptions): Promise<MetricsServer> {
  const { processRegistry, webConfig } = opts;
  let snapshot: { s: Snapshot; text: Buffer; page: Buffer } | undefined;

  /**
   * The series after the snapshot's (serve's own counts, and process metrics
   * with --process-metrics): rendered again when a scrape finds them a
   * second old, so a flood of scrapes renders them once a second, not once
   * each, and a scrape never shows counts older than that.
   */
  let tail: { made: number; text: string; buf: Buffer } | undefined;
  let tailRendering: Promise<NonNullable<typeof tail>> | undefined;
  const currentTail = async (): Promise<NonNullable<typeof tail>> => {
    if (tail && Date.now() - tail.made < TAIL_MAX_AGE_MS) return tail;
    tailRendering ??= (async () => {
      const own = await opts.renderOwn({ ...web.counts(), web: webConfig?.status() });
      const text = own + (processRegistry ? await processRegistry.metrics() : '');
      return (tail = { made: Date.now(), text, buf: Buffer.from(text) });
    })().finally(() => (tailRendering = undefined));
    return tailRendering;
  };
  /** /metrics gzipped, snapshot and tail together, made once for each pair: a bounded text gzips in place. */
  let gzipped: { of: Snapshot; tailMade: number; gzip: Buffer } | undefined;
  const metricsGzip = (current: Snapshot, t: NonNullable<typeof tail>): Buffer => {
    if (gzipped?.of !== current || gzipped.tailMade !== t.made) gzipped = { of: current, tailMade: t.made, gzip: gzipSync(current.text + t.text) };
    return gzipped.gzip;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string | Buffer | Buffer[], more: Record<string, string> = {}): void => {
      const parts = typeof body === 'string' ? [Buffer.from(body)] : Buffer.isBuffer(body) ? [body] : body;
      res.writeHead(status, { 'content-type': type, 'content-length': String(parts.reduce((n, p) => n + p.length, 0)), ...more });
      if (req.method !== 'HEAD') for (const part of parts) res.write(part);
      res.end();
    };
    if (path === '/') {
      // The web config's own headers, where it sets them, win: one of each.
      const page: Record<string, string> = { 'referrer-policy': 'no-referrer', vary: 'Accept-Encoding' };
      if (!res.hasHeader('content-security-policy')) page['content-security-policy'] = PAGE_CSP;
      if (!snapshot) return send(200, 'text/html; charset=utf-8', waiting(opts.telemetryPath), page);
      if (acceptsGzip(req.headers['accept-encoding'])) return send(200, 'text/html; charset=utf-8', snapshot.s.pageGzip, { ...page, 'content-encoding': 'gzip' });
      return send(200, 'text/html; charset=utf-8', snapshot.page, page);
    }
    // Prometheus' own lifecycle endpoints, for probes and operators used to them.
    if (path === '/-/healthy') return send(200, 'text/plain; charset=utf-8', 'open-notify-exporter is healthy.\n');
    if (path === '/-/ready') {
      return snapshot ? send(200, 'text/plain; charset=utf-8', 'open-notify-exporter is ready.\n') : send(503, 'text/plain; charset=utf-8', 'no refresh finished yet\n');
    }
    if (path === '/healthz') {
      if (snapshot?.s.healthy) return send(200, 'text/plain; charset=utf-8', 'ok\n');
      return send(503, 'text/plain; charset=utf-8', snapshot ? `unhealthy: ${snapshot.s.reasons}\n` : 'no refresh finished yet\n');
    }
    if (path !== opts.telemetryPath) return send(404, 'text/plain; charset=utf-8', 'not found\n');
    if (!snapshot) return send(503, 'text/plain; charset=utf-8', 'no refresh finished yet\n');
    const current = snapshot;
    const t = await currentTail();
    if (acceptsGzip(req.headers['accept-encoding'])) return send(200, CONTENT_TYPE, metricsGzip(current.s, t), { 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
    return send(200, CONTENT_TYPE, [current.text, t.buf], { vary: 'Accept-Encoding' });
  };

  const web = await listenAndServe({ listen, maxConnections: opts.maxConnections, log, config: webConfig }, handle);
  return {
    address: web.address,
    async publish(s) {
      metricsGzip(s, await currentTail());
      snapshot = { s, text: Buffer.from(s.text), page: Buffer.from(s.page) };
    },
    close: () => web.close(),
  };
}
