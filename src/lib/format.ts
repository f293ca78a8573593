// Short forms for log lines and error messages.

export function formatBytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)}MiB`;
  if (n % 1024 === 0) return `${n / 1024}KiB`;
  return `${n} bytes`;
}

/** `host:port`, an IPv6 address in brackets; no host: `:port`. */
export function hostPort(host: string | undefined, port: number): string {
  return `${host === undefined ? '' : host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The User-Agent of every request the exporter makes. */
export const userAgent = (version: string, what?: string) => `open-notify-exporter/${version}${what ? ` ${what}` : ''}`;

/** Text from elsewhere, flattened to one short line. */
export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * A URL fit for a log line: a password in it (`http://admin:S3cret@gateway`)
 * is replaced by `***`, the user name kept so the operator can tell which
 * credentials were used. Text that is not a URL is returned as it is.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (url.password === '') return text;
  url.password = '***';
  return url.toString();
}

/** A JSON object (not null, not an array): what untrusted JSON is checked for before its fields are read. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
