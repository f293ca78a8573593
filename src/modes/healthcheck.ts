// `healthcheck`: asks a running `serve` for /healthz, for a container's
// HEALTHCHECK (the image has no curl). Exit 0 healthy, 1 otherwise.
import { formatMs, oneLine } from '../lib/format';
import { httpGet } from '../lib/http';
import type { Listen } from '../outputs/metricsServer';

export interface HealthcheckConfig {
  listen: Listen;
  timeoutMs: number;
}

/** Where `serve --listen` can be reached from the same host: a wildcard address means loopback. */
export function healthzUrl(l: Listen): string {
  const host = l.host === undefined || l.host === '' || l.host === '0.0.0.0' || l.host === '::' ? '127.0.0.1' : l.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${l.port}/healthz`;
}

export async function runHealthcheck(cfg: HealthcheckConfig, version: string, say: (line: string) => void): Promise<number> {
  const url = healthzUrl(cfg.listen);
  try {
    const r = await httpGet(url, { timeoutMs: cfg.timeoutMs, maxBodyBytes: 64 * 1024, maxRedirects: 0, userAgent: `open-notify-exporter/${version} healthcheck` });
    const body = oneLine(r.body.toString('utf8'));
    if (r.status === 200) return 0;
    say(`open-notify-exporter healthcheck: ${url}: HTTP ${r.status}${body ? `: ${body}` : ''}\n`);
  } catch (err) {
    say(`open-notify-exporter healthcheck: ${url}: ${(err as Error).message} (within ${formatMs(cfg.timeoutMs)})\n`);
  }
  return 1;
}
