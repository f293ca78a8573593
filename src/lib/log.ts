// Logs go to stderr only (stdout may carry the exposition with --output -),
// one line per event, as logfmt or JSON.

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;
/** --log.format: logfmt (key=value, as Prometheus' own) or one JSON object per line. */
export type LogFormat = 'logfmt' | 'json';
export const LOG_LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

/** --log.level and --log.format; -q is error, -v debug. */
export interface LogConfig {
  format: LogFormat;
  level: Level;
}

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * What JSON.stringify leaves raw but a terminal or a log viewer acts on: C1
 * controls (U+009B is CSI, a whole escape sequence in one character), the
 * bidirectional controls that reorder what a reader sees (U+061C, U+200E-F,
 * U+202A-E, U+2066-9), and the two line separators. API text reaches log
 * lines (a 503's `reason`), so they go out as \uXXXX.
 */
const UNSAFE_CHARS = '\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069';
const UNSAFE = new RegExp(`[${UNSAFE_CHARS}]`, 'g');
// C0 controls, and the characters above, force quoting.
const PLAIN = new RegExp(`^[^\\s"=\\\\\\u0000-\\u001f\\u007f${UNSAFE_CHARS}]+$`);
const hex4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

const TERMINAL_UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f${UNSAFE_CHARS}]`, 'g');

/** Text from elsewhere fit for a terminal: C0 and C1 controls (ESC, BEL), DEL and the characters above as \uXXXX. */
export function printable(text: string): string {
  return text.replace(TERMINAL_UNSAFE, hex4);
}

/** JSON text with the characters above escaped as well: still valid JSON, the same value. */
export function safeJson(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.replace(UNSAFE, hex4);
}

function logfmtValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return PLAIN.test(s) ? s : safeJson(s);
}

function formatLine(format: LogConfig['format'], level: Level, msg: string, fields: Fields, time: Date): string {
  if (format === 'json') {
    return safeJson({ time: time.toISOString(), level, msg, ...fields });
  }
  const parts = [`time=${time.toISOString()}`, `level=${level}`, `msg=${logfmtValue(msg)}`];
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) parts.push(`${k}=${logfmtValue(v)}`);
  }
  return parts.join(' ');
}

export function createLogger(cfg: LogConfig, write: (line: string) => void): Logger {
  const emit = (level: Level) => (msg: string, fields: Fields = {}) => {
    if (RANK[level] < RANK[cfg.level]) return;
    write(`${formatLine(cfg.format, level, msg, fields, new Date())}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
