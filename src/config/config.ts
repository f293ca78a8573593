// The plain configuration objects the core runs on, one per command. config/
// builds them from flags and environment (cli.ts the root's, commands.ts the
// subcommands', options.ts what they share); everything else receives them
// ready-made, and config/ imports nothing from the modes that run them.

import type { LogConfig } from '../lib/log';
export type { LogConfig };

/** `[host]:port` to listen on; no host means every address. */
export interface Listen {
  host?: string;
  port: number;
}

/** When `schedule` and `serve` run: a node-cron expression or a fixed interval. */
export type Trigger = { cron: string; timezone?: string } | { everyMs: number };

/** Where the cross-check sources are; present only with --cross-check. */
export interface CrossCheckConfig {
  wheretheissUrl: string;
  crewUrl: string;
}

/** The sources' URLs and how to fetch them; the fetch limits apply to every source. */
export interface FetchConfig {
  apiUrl: string;
  timeoutMs: number;
  retries: number;
  maxBodyBytes: number;
  /** --max-people: a list longer than this is refused (the source fails, no astronaut series). */
  maxPeople: number;
  crossCheck?: CrossCheckConfig;
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

export const ExitCode = {
  ok: 0,
  endpointFailed: 1,
  usage: 2,
  writeFailed: 3,
  pushFailed: 4,
} as const;

export const defaults = {
  output: './open_notify.prom',
  apiUrl: 'http://api.open-notify.org',
  wheretheissUrl: 'https://api.wheretheiss.at',
  crewUrl: 'https://corquaid.github.io/international-space-station-APIs/JSON/people-in-space.json',
  timeout: '5s',
  retries: '2',
  // A real answer at the people cap is ~22 KiB. The bound is what keeps a hostile answer cheap: JSON.parse of 128 KiB
  // nested [[[[… holds the event loop ~23 ms under --jitless here (1 MiB: ~180 ms).
  maxBody: '128KiB',
  // Never more than ~20 people have been in space at once: 500 is 25 times that, so a real
  // answer never meets it, and a run at the cap stays well inside npm run bench's scaling budget.
  maxPeople: '500',
} as const;

/** What each long-running or extra command runs with (built by config/commands.ts). */
export interface ScheduleConfig {
  run: RunConfig;
  cron: string;
  runOnStart: boolean;
  timezone?: string;
}

export interface ServeConfig extends CollectConfig {
  listen: Listen;
  /** --web.telemetry-path. */
  telemetryPath: string;
  refresh: Trigger;
  processMetrics: boolean;
  maxConnections: number;
  /** --web.config.file: TLS, basic auth and headers, in exporter-toolkit's format. */
  webConfigFile?: string;
}

export interface PushConfig extends CollectConfig {
  gateway: string;
  job: string;
  grouping: Record<string, string>;
}

export interface HealthcheckConfig {
  listen: Listen;
  timeoutMs: number;
  /** The web config serve runs with: TLS, and its client certificate where the config requires one. */
  webConfigFile?: string;
  /** --tls.cert-file and --tls.key-file: the client certificate to present (default: the server's own). */
  clientCert?: { cert: string; key: string };
}
