// The plain configuration object the core runs on. Only cli.ts builds it from
// flags and environment; everything else receives it ready-made.

export type LogFormat = 'text' | 'json';
export type LogLevel = 'quiet' | 'normal' | 'verbose';

export interface FetchConfig {
  apiUrl: string;
  timeoutMs: number;
  retries: number;
  maxBodyBytes: number;
}

/** What to fetch and which constant labels to add: shared by every mode. */
export interface CollectConfig {
  fetch: FetchConfig;
  labels: Record<string, string>;
}

export interface RunConfig extends CollectConfig {
  /** `-` means standard output. */
  output: string;
}

export interface LogConfig {
  format: LogFormat;
  level: LogLevel;
}

export const ExitCode = {
  ok: 0,
  endpointFailed: 1,
  usage: 2,
  writeFailed: 3,
  pushFailed: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const defaults = {
  output: './open_notify.prom',
  apiUrl: 'http://api.open-notify.org',
  timeout: '5s',
  retries: '2',
  maxBody: '1MiB',
} as const;
