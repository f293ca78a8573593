// `healthcheck`: asks a running `serve` for /healthz, for a container's
// HEALTHCHECK (the image has no curl). Exit 0 healthy, 1 otherwise.
import { formatMs, oneLine } from '../lib/format';
import { httpGet } from '../lib/http';
import type { Listen } from '../config/config';

export interface HealthcheckConfig {
  listen: Listen;
  timeoutMs: number;
  /** The web config serve runs with: TLS, and its client certificate where the config requires one. */
  webConfigFile?: string;
  /** --tls.cert-file and --tls.key-file: the client certificate to present (default: the server's own). */
  clientCert?: { cert: string; key: string };
}

/** Where `serve --web.listen-address` can be reached from the same host: a wildcard address means loopback. */
export function healthzUrl(l: Listen, scheme: 'http' | 'https' = 'http'): string {
  const host = l.host === undefined || l.host === '' || l.host === '0.0.0.0' || l.host === '::' ? '127.0.0.1' : l.host;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${l.port}/healthz`;
}

export async function runHealthcheck(cfg: HealthcheckConfig, version: string, say: (line: string) => void): Promise<number> {
  let tls: { rejectUnauthorized: boolean; cert?: string; key?: string } | undefined;
  if (cfg.webConfigFile !== undefined) {
    const { loadWebConfig, readConfigFile } = require('../outputs/web') as typeof import('../outputs/web');
    try {
      const web = await loadWebConfig(cfg.webConfigFile);
      if (web.tls) {
        // Our own process on this host: not verified against a CA (the certificate is
        // usually for the host's name, not 127.0.0.1); /healthz needs no credentials.
        const needsCert = web.tls.clientAuth === 'RequireAnyClientCert' || web.tls.clientAuth === 'RequireAndVerifyClientCert';
        const own = cfg.clientCert ? { cert: await readConfigFile(cfg.clientCert.cert), key: await readConfigFile(cfg.clientCert.key) } : { cert: web.tls.certPem, key: web.tls.keyPem };
        tls = { rejectUnauthorized: false, ...(needsCert || cfg.clientCert ? own : {}) };
      }
    } catch (err) {
      say(`open-notify-exporter healthcheck: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const url = healthzUrl(cfg.listen, tls ? 'https' : 'http');
  try {
    const r = await httpGet(url, { timeoutMs: cfg.timeoutMs, maxBodyBytes: 64 * 1024, maxRedirects: 0, userAgent: `open-notify-exporter/${version} healthcheck`, tls });
    const body = oneLine(r.body.toString('utf8'));
    if (r.status === 200) return 0;
    say(`open-notify-exporter healthcheck: ${url}: HTTP ${r.status}${body ? `: ${body}` : ''}\n`);
  } catch (err) {
    const hint = tls && !cfg.clientCert && /reset|closed|certificate/.test((err as Error).message) ? "; if serve requires a client certificate its own may not do (extended key usage serverAuth only, or not in client_allowed_sans): give --tls.cert-file and --tls.key-file" : '';
    say(`open-notify-exporter healthcheck: ${url}: ${(err as Error).message} (within ${formatMs(cfg.timeoutMs)})${hint}\n`);
  }
  return 1;
}
