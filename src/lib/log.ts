// Logs go to stderr only (stdout may carry the exposition with --output -),
// one line per event, as logfmt or JSON.
import type { LogConfig } from '../config/config';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function logfmtValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return /^[^\s"=\\]+$/.test(s) ? s : JSON.stringify(s);
}

function formatLine(format: LogConfig['format'], level: Level, msg: string, fields: Fields, time: Date): string {
  if (format === 'json') {
    return JSON.stringify({ time: time.toISOString(), level, msg, ...fields });
  }
  const parts = [`time=${time.toISOString()}`, `level=${level}`, `msg=${logfmtValue(msg)}`];
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) parts.push(`${k}=${logfmtValue(v)}`);
  }
  return parts.join(' ');
}

export function createLogger(cfg: LogConfig, write: (line: string) => void): Logger {
  const min: Level = cfg.level === 'verbose' ? 'debug' : cfg.level === 'quiet' ? 'error' : 'info';
  const emit = (level: Level) => (msg: string, fields: Fields = {}) => {
    if (RANK[level] < RANK[min]) return;
    write(`${formatLine(cfg.format, level, msg, fields, new Date())}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
