// Every value an operator types, parsed: durations, sizes, distances,
// counts, label pairs, cron expressions, time zones, URLs, addresses, paths,
// names and selectors. Each parser throws an Error whose message says what
// is accepted; the caller adds the option's name.
import type { Listen, Trigger } from './config';
import { parseDuration as duration } from '../lib/duration';

/** `500ms`, `5s`, `1.5s`, `1m`, `1m30s` → milliseconds (> 0, ≤ 24 h). */
export function parseDuration(text: string): number {
  let ms: number;
  try {
    ms = duration(text.trim());
  } catch {
    throw new Error('expected a duration such as 500ms, 5s or 1m');
  }
  if (ms <= 0) throw new Error('duration must be greater than zero');
  if (ms > 86_400_000) throw new Error('duration must be at most 24h');
  return ms;
}

const SIZE = /^(\d+)\s*(B|KiB|MiB|GiB|kB|KB|MB|GB)?$/;
const SIZE_FACTOR: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
};

/** `1048576`, `512KiB`, `1MiB`, `2MB` → bytes (1 KiB … 1 GiB). */
export function parseBytes(text: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new Error('expected a size such as 65536, 512KiB or 1MiB');
  const bytes = Number(m[1]) * SIZE_FACTOR[m[2] ?? 'B'];
  if (!Number.isSafeInteger(bytes) || bytes < 1024 || bytes > 1024 ** 3) {
    throw new Error('size must be between 1KiB and 1GiB');
  }
  return bytes;
}

const DISTANCE = /^(\d+(?:\.\d+)?)(m|km)$/;

/** `50km`, `1.5km`, `500m` → meters (> 0, at most half the Earth's circumference). */
export function parseDistance(text: string): number {
  const m = DISTANCE.exec(text.trim());
  if (!m) throw new Error('expected a distance such as 50km or 500m');
  const meters = Number(m[1]) * (m[2] === 'km' ? 1000 : 1);
  if (meters <= 0 || meters > 20_016_000) throw new Error('distance must be above 0 and at most 20016km');
  return meters;
}

/** A whole number in [min, max]. */
export function parseCount(text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new Error(`expected a whole number from ${min} to ${max}`);
  const n = Number(text.trim());
  if (n < min || n > max) throw new Error(`expected a whole number from ${min} to ${max}`);
  return n;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Names the exposition format gives a meaning: a constant `le` doubles the histogram's own and node_exporter drops the file. */
const EXPOSITION_LABELS = ['le', 'quantile'];

/** A constant label's value, as long as a name from the API may be: every series carries it, and the file must stay readable back. */
export const MAX_LABEL_VALUE_CHARS = 256;

/**
 * `name=value` for a constant label. A `reserved` name is refused with its
 * reason: prom-client lets a series' own label win over a default label, so
 * reusing one of ours would silently drop the operator's value on some series.
 */
export function parseLabel(text: string, reserved: Readonly<Record<string, string>>, allowEmpty = false): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error('expected name=value');
  const name = text.slice(0, eq);
  const value = text.slice(eq + 1);
  if (!LABEL_NAME.test(name)) throw new Error(`label name "${name}" must match [a-zA-Z_][a-zA-Z0-9_]*`);
  if (name.startsWith('__')) throw new Error(`label name "${name}" is reserved (starts with __)`);
  if (EXPOSITION_LABELS.includes(name)) throw new Error(`label name "${name}" is reserved by the exposition format (histogram buckets carry le, summaries quantile)`);
  if (Object.hasOwn(reserved, name)) throw new Error(`label name "${name}" ${reserved[name]}`);
  if (value === '' && !allowEmpty) throw new Error(`label "${name}" has an empty value (an empty label is the same as no label)`);
  const chars = [...value].length;
  if (chars > MAX_LABEL_VALUE_CHARS) throw new Error(`label "${name}" has a value of ${chars} characters; at most ${MAX_LABEL_VALUE_CHARS}`);
  return [name, value];
}

/** A node-cron expression (an optional first field is seconds). node-cron loads here only: a one-shot run never needs it. */
export function parseCron(expression: string): string {
  const fields = expression.trim().split(/\s+/);
  const names = ['minute', 'hour', 'day of month', 'month', 'day of week'];
  if (fields.length === 6) names.unshift('second');
  // node-cron reads 5-1 as a range that wraps around; crontab refuses it, and so does this.
  fields.forEach((f, i) => {
    for (const [, from, to] of f.matchAll(/(\d+)-(\d+)/g)) if (Number(from) > Number(to)) throw new Error(`invalid cron expression "${expression}" (${names[i] ?? 'field'}: the range ${from}-${to} is reversed)`);
  });
  const { validateDetailed } = require('node-cron') as typeof import('node-cron');
  const v = validateDetailed(expression);
  if (v.valid) return expression;
  const why = v.errors.map((e) => `${e.field}: ${e.message.replace(/ is a invalid expression for .*$/, ' is out of range')}`).join('; ');
  throw new Error(`invalid cron expression "${expression}"${why ? ` (${why})` : ''}`);
}

/** An IANA time zone Node.js knows. */
export function parseTimezone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    throw new Error(`unknown time zone "${tz}"`);
  }
}

/** An absolute http(s) URL; a query or fragment only where `withFragment` (a runbook base, whose fragment the alert's replaces). */
export function parseHttpUrl(text: string, withFragment = false): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('expected an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('expected an http:// or https:// URL');
  if (!withFragment && (url.search || url.hash)) throw new Error('the URL must not have a query or fragment');
  // new URL() reads "http://host:" as the scheme's port: an unset shell variable, more likely than a meant :80.
  if (/^[a-z]+:\/\/[^/?#]*:(?=[/?#]|$)/i.test(text)) throw new Error('the port after ":" is empty');
  return text;
}

export function parseOutput(text: string): string {
  if (text.trim() === '') throw new Error('expected a file path or - for standard output');
  // `-o dir/` names a directory; writing a file called `dir` instead would surprise.
  if (text.endsWith('/')) throw new Error('expected a file path, not a directory (it ends in /)');
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new Error('it has a control character; a file name for node_exporter should have none');
  return text;
}

/** `[host]:port`: `:8899`, `127.0.0.1:8899`, `[::1]:8899`, `localhost:8899`. */
export function parseListen(text: string): Listen {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new Error('expected [host]:port, e.g. :8899 or 127.0.0.1:8899');
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`port ${port} is out of range`);
  const host = m[1] ?? (m[2] || undefined);
  return host === undefined ? { port } : { host, port };
}

/** A duration (`15s`, at least 1s) or a node-cron expression (fields separated by spaces). */
export function parseRefresh(text: string): Trigger {
  if (!/\s/.test(text.trim())) {
    const ms = parseDuration(text);
    if (ms < 1000) throw new Error('refresh must be at least 1s');
    return { everyMs: ms };
  }
  return { cron: parseCron(text) };
}

/** `job="node"`, `job='node',env=~"prod|lab"`: PromQL label matchers, written back in canonical form. */
export function parseSelector(text: string): string {
  // Loaded by rules and dashboard only: the parser stays out of a one-shot's start.
  const promql = require('../mixin/promql') as typeof import('../mixin/promql');
  return promql.formatMatchers(promql.parseSelector(text));
}

export function parseTextfileName(v: string): string {
  if (!v.endsWith('.prom') || v === '.prom' || v.includes('/')) throw new Error('expected a file name ending in .prom, without a directory');
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(v)) throw new Error('the file name has a control character (a newline, a tab, …)');
  return v;
}

/** Paths serve answers itself; --web.telemetry-path may not take one. */
const OWN_PATHS = ['/', '/healthz', '/-/healthy', '/-/ready'];

export function parseTelemetryPath(text: string): string {
  if (!/^\/[^\s?#]*$/.test(text)) throw new Error('expected a path starting with /, without spaces, ? or #');
  if (OWN_PATHS.includes(text)) throw new Error(`${text} is one of serve's own paths (${OWN_PATHS.join(' ')})`);
  return text;
}

/** A Pushgateway job name: it is a path segment of the push URL. */
export function parseJobName(text: string): string {
  if (text.trim() === '' || text.includes('/')) throw new Error('expected a non-empty name without /');
  return text;
}

/** A Grafana dashboard uid. */
export function parseUid(text: string): string {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(text)) throw new Error('expected 1 to 40 characters of A-Z a-z 0-9 - _');
  return text;
}
