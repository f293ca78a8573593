// `healthcheck`: asks a running `serve` for /healthz, for a container's
// HEALTHCHECK (the image has no curl). Exit 0 healthy, 1 otherwise.
import { formatDuration } from '../lib/duration';
import { hostPort, oneLine, userAgent } from '../lib/format';
import { httpGet } from '../lib/http';
import { printable } from '../lib/log';
import type { HealthcheckConfig, Listen } from '../config/config';

/** Where `serve --web.listen-address` can be reached from the same host: a wildcard address means loopback. */
export function healthzUrl(l: Listen, scheme: 'http' | 'https' = 'http'): string {
  const host = l.host === undefined || l.host === '' || l.host === '0.0.0.0' || l.host === '::' ? '127.0.0.1' : l.host;
  return `${scheme}://${hostPort(host, l.port)}/healthz`;
}

export async function runHealthcheck(cfg: HealthcheckConfig, version: string, say: (line: string) => void): Promise<number> {
  let tls: Awaited<ReturnType<typeof import('../outputs/webConfig').clientOptions>>;
  if (cfg.webConfigFile !== undefined) {
    const { clientOptions } = require('../outputs/webConfig') as typeof import('../outputs/webConfig');
    try {
      tls = await clientOptions(cfg.webConfigFile, cfg.clientCert);
    } catch (err) {
      say(`open-notify-exporter: error: healthcheck: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const url = healthzUrl(cfg.listen, tls ? 'https' : 'http');
  try {
    const r = await httpGet(url, { timeoutMs: cfg.timeoutMs, maxBodyBytes: 64 * 1024, maxRedirects: 0, userAgent: userAgent(version, 'healthcheck'), tls });
    // A server's words, cut and escaped: its bytes never reach the terminal as they are.
    const body = printable(oneLine(r.body.toString('utf8')));
    if (r.status === 200) return 0;
    say(`open-notify-exporter: error: healthcheck: ${url}: HTTP ${r.status}${body ? `: ${body}` : ''}\n`);
  } catch (err) {
    const hint = tls && !cfg.clientCert && /reset|closed|certificate/.test((err as Error).message) ? "; if serve requires a client certificate its own may not do (extended key usage serverAuth only, or not in client_allowed_sans): give --tls.cert-file and --tls.key-file" : '';
    say(`open-notify-exporter: error: healthcheck: ${url}: ${(err as Error).message} (within ${formatDuration(cfg.timeoutMs)})${hint}\n`);
  }
  return 1;
}
