// Durations, one way in and one way out: as operators type them (flags, the
// web config) and as Prometheus writes them (rules, log lines).

const UNIT_MS: Record<string, number> = { y: 31_536_000_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/**
 * `500ms`, `5s`, `1.5s`, `1m30s`, `7d` → milliseconds: Prometheus' units,
 * and a decimal as Go's time.ParseDuration takes one; `0` is 0. Anything
 * else throws; the caller bounds the value and names the setting.
 */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`"${text}" is not a duration`);
  return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * UNIT_MS[p[2]], 0));
}

/** Milliseconds → the largest whole Prometheus unit: `5m`, `90s`, `1h`, `1500ms`. */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Seconds since `sinceMs` (performance.now()) as the run's log line gives them: `0.041s`. */
export function elapsedSeconds(sinceMs: number): string {
  return `${((performance.now() - sinceMs) / 1000).toFixed(3)}s`;
}
