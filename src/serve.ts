// `serve`: /metrics over HTTP, as the seed's exporter.py on :8899, but
// fetched in the background and cached: ten Prometheus servers scraping us
// must not mean ten times the API traffic, and a scrape costs almost nothing.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { CollectConfig } from './config';
import { ExitCode } from './config';
import { runLoop, type Signals, type Trigger } from './loop';
import { ENDPOINT_NAMES } from './openNotify';
import { loadState, produce, summarize, type Memory, type RunDeps } from './run';
import { elapsedSeconds, monotonicMs } from './clock';

export interface Listen {
  /** Undefined: every interface. */
  host?: string;
  port: number;
}

export interface ServeConfig extends CollectConfig {
  listen: Listen;
  refresh: Trigger;
  processMetrics: boolean;
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Snapshot {
  text: string;
  /** Compressed once per refresh, not per scrape. */
  gzip: Buffer;
  healthy: boolean;
  reasons: string;
}

const INDEX = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>open-notify-exporter</title></head>
<body><h1>open-notify-exporter</h1>
<p>People in space and the ISS position from the Open Notify API, as Prometheus metrics.</p>
<p><a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a></p>
</body></html>
`;

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this host',
  EACCES: 'permission denied (a port below 1024 needs privileges)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
};

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
      if (m) q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(m[1]!) ? Number(m[1]) : 0;
    }
    const name = coding.trim().toLowerCase();
    if (name === 'gzip' || name === 'x-gzip') gzip = q;
    else if (name === '*') star = q;
  }
  return (gzip ?? star ?? 0) > 0;
}

export function formatListen(l: Listen): string {
  const host = l.host === undefined ? '' : l.host.includes(':') ? `[${l.host}]` : l.host;
  return `${host}:${l.port}`;
}

export async function runServe(cfg: ServeConfig, deps: RunDeps, signals?: Signals): Promise<number> {
  const http = require('node:http') as typeof import('node:http');
  const zlib = require('node:zlib') as typeof import('node:zlib');
  const log = deps.log;
  let snapshot: Snapshot | undefined;
  const memory: Memory = {};

  let processRegistry: Registry | undefined;
  if (cfg.processMetrics) {
    // Only with --process-metrics: default metrics are the costly part of prom-client.
    const RegistryClass = require('prom-client/lib/registry') as typeof Registry;
    const collectDefaultMetrics = require('prom-client/lib/defaultMetrics') as typeof import('prom-client').collectDefaultMetrics;
    processRegistry = new RegistryClass();
    processRegistry.setDefaultLabels(cfg.labels);
    collectDefaultMetrics({ register: processRegistry });
  }

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
    if (path === '/') return send(200, 'text/html; charset=utf-8', INDEX);
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
      server.listen(cfg.listen.port, cfg.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    log.error(`cannot listen on ${formatListen(cfg.listen)}: ${LISTEN_ERRORS[code] ?? (err as Error).message}`);
    return ExitCode.usage;
  }
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? formatListen({ host: addr.address, port: addr.port }) : String(addr);
  log.info('serving /metrics', { listen: bound, refresh: 'cron' in cfg.refresh ? cfg.refresh.cron : `${cfg.refresh.everyMs / 1000}s` });
  if ('everyMs' in cfg.refresh && cfg.refresh.everyMs < 5000) {
    log.warn('refresh is faster than the API asks for (at most one request every 5 s)');
  }

  const refresh = async (): Promise<void> => {
    const started = monotonicMs();
    const prev = await loadState(memory, log);
    const p = await produce(cfg, deps, prev);
    memory.state = p.state;
    const { failed, outcome, fields } = summarize(p.collection);
    snapshot = {
      text: p.text,
      gzip: zlib.gzipSync(p.text),
      healthy: failed.length < ENDPOINT_NAMES.length,
      reasons: failed.map((e) => `${e}: ${fields[e]}`).join('; '),
    };
    const summary = { outcome, ...fields, duration: elapsedSeconds(started) };
    if (failed.length === 0) log.info('refresh finished', summary);
    else log.error('refresh finished with failed endpoints', summary);
  };

  return runLoop(cfg.refresh, refresh, {
    log,
    runOnStart: true,
    signals,
    onSkip() {
      memory.pendingSkips = (memory.pendingSkips ?? 0) + 1;
      log.warn('skipped a refresh: the previous one is still in flight');
    },
    async onStop() {
      // Stop accepting, let responses in flight finish, drop idle keep-alives.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearTimeout(force);
    },
  });
}
