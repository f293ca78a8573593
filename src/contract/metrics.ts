// The metric contract: every family this exporter writes, in one place:
// names, help, types, labels, and the histogram's buckets. README's metric
// table, the alert rules and the dashboard are checked against it.
//
// Compatibility: a one-shot run reads the previous output file back to carry
// its counters, histogram and last-success times on (contract/previous.ts).
// Whatever is written here must stay parseable by that reader; a changed
// bucket list or label set resets those values once, with a warning.

export type MetricType = 'gauge' | 'counter' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly help: string;
  /** Histograms only: upper bounds, ascending (+Inf is implied). */
  readonly buckets?: readonly number[];
  /** Written only by `serve` (about its own HTTP side), never in a textfile or a push. */
  readonly serveOnly?: true;
}

function spec(name: string, type: MetricType, labels: readonly string[], help: string): MetricSpec {
  return { name, type, labels, help };
}

export const METRICS = {
  // Open Notify's data (sources/astros.ts, sources/issNow.ts).
  peopleInSpace: spec('open_notify_people_in_space', 'gauge', [], 'Number of people in space, as reported by astros.json.'),
  astronautInfo: spec('open_notify_astronaut_info', 'gauge', ['name', 'craft'], 'One series per person in space; the value is always 1.'),
  issLatitude: spec('open_notify_iss_latitude_degrees', 'gauge', [], 'Latitude of the ISS from iss-now.json.'),
  issLongitude: spec('open_notify_iss_longitude_degrees', 'gauge', [], 'Longitude of the ISS from iss-now.json.'),
  issTimestamp: spec('open_notify_iss_position_timestamp_seconds', 'gauge', [], 'Unix time the API gave for the ISS position; an old value means the API serves frozen data.'),
  // The cross-check sources' data, only with --cross-check (sources/wheretheiss.ts, sources/crew.ts).
  // Base units (meters, not the km the APIs give): promtool's lint asks for them.
  issAltitude: spec('open_notify_iss_altitude_meters', 'gauge', [], 'Altitude of the ISS above the Earth, from wheretheiss.at (--cross-check).'),
  issVelocity: spec('open_notify_iss_velocity_meters_per_second', 'gauge', [], 'Speed of the ISS, from wheretheiss.at (--cross-check).'),
  issSunlit: spec('open_notify_iss_sunlit', 'gauge', [], '1 while the ISS is in daylight, 0 while it is eclipsed, from wheretheiss.at (--cross-check).'),
  referenceLatitude: spec('open_notify_iss_reference_latitude_degrees', 'gauge', [], 'Latitude of the ISS from wheretheiss.at, for the same timestamp as iss-now.json when it gave one (--cross-check).'),
  referenceLongitude: spec('open_notify_iss_reference_longitude_degrees', 'gauge', [], 'Longitude of the ISS from wheretheiss.at, for the same timestamp as iss-now.json when it gave one (--cross-check).'),
  positionError: spec('open_notify_iss_position_error_meters', 'gauge', [], "Great-circle distance between Open Notify's ISS position and wheretheiss.at's for the same timestamp (--cross-check)."),
  peopleReference: spec('open_notify_people_in_space_reference', 'gauge', [], 'Number of people in space per the independent crew source, to check astros.json against (--cross-check).'),
  // One series per source (endpoint): how fetching it went.
  up: spec('open_notify_up', 'gauge', ['endpoint'], '1 if the endpoint answered with valid data in this run, 0 otherwise.'),
  fetchDuration: spec('open_notify_fetch_duration_seconds', 'gauge', ['endpoint'], 'Time spent fetching the endpoint in this run, retries included.'),
  requestDuration: {
    ...spec('open_notify_request_duration_seconds', 'histogram', ['endpoint'], 'Duration of every HTTP attempt, retries included, across runs.'),
    // Seconds: one HTTP attempt takes 10 ms on a LAN … 30 s at a long --timeout.
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  },
  fetchFailures: spec('open_notify_fetch_failures_total', 'counter', ['endpoint'], 'Runs in which the endpoint gave no valid data, across runs.'),
  lastSuccess: spec('open_notify_last_success_timestamp_seconds', 'gauge', ['endpoint'], 'Unix time of the last run in which the endpoint answered with valid data.'),
  // The exporter itself.
  runs: spec('open_notify_runs_total', 'counter', [], 'Runs that produced this output, across runs (one-shot runs continue the count from the previous file).'),
  skippedRuns: spec('open_notify_skipped_runs_total', 'counter', [], 'Scheduled runs skipped because the previous run was still in flight.'),
  lastRun: spec('open_notify_last_run_timestamp_seconds', 'gauge', [], 'Unix time this output was produced.'),
  buildInfo: spec('open_notify_build_info', 'gauge', ['version', 'nodejs'], 'Version of open-notify-exporter and of Node.js that produced this output; the value is always 1.'),
  // serve's own HTTP side (outputs/web.ts).
  connectionsDropped: {
    ...spec('open_notify_serve_connections_dropped_total', 'counter', ['reason'], 'Connections serve closed itself, by reason: evicted, max_connections, request_deadline, response_deadline, unread_responses.'),
    serveOnly: true,
  },
  requestsRefused: {
    ...spec('open_notify_serve_requests_refused_total', 'counter', ['reason'], 'Requests refused before the handler, by reason: unauthorized (401), auth_busy or rate_limited (429); with --web.config.file.'),
    serveOnly: true,
  },
  handshakeFailures: {
    ...spec('open_notify_serve_tls_handshake_failures_total', 'counter', ['reason'], 'TLS connections closed before a request, by reason: tls_error, client_certificate, plain_http, not_tls; with TLS in --web.config.file.'),
    serveOnly: true,
  },
  webConfigReloadOk: {
    ...spec('open_notify_web_config_last_reload_successful', 'gauge', [], 'Whether the last read of --web.config.file (at start, on a change or SIGHUP) was valid; the last valid one serves on.'),
    serveOnly: true,
  },
  webConfigReloadTime: {
    ...spec('open_notify_web_config_last_reload_success_timestamp_seconds', 'gauge', [], 'Unix time of the last valid read of --web.config.file (only with --web.config.file).'),
    serveOnly: true,
  },
} as const satisfies Record<string, MetricSpec>;

export const METRIC_LIST: readonly MetricSpec[] = Object.values(METRICS);

/** The request-duration histogram's upper bounds. */
export const DURATION_BUCKETS: readonly number[] = METRICS.requestDuration.buckets;

/** Label names our own series use; constant labels may not reuse them. */
export const OWN_LABELS: readonly string[] = [...new Set(METRIC_LIST.flatMap((m) => m.labels))];

/** One family of the registry being filled: set a sample (labels as the spec names them). */
export interface Family {
  set(value: number, labels?: Record<string, string>): void;
}

/** Where a source puts its series. A family appears in the output once asked for, in the order asked. */
export interface Sink {
  family(spec: MetricSpec): Family;
}

/** What the contract needs of one endpoint's result in a run: its own series and the state between runs. */
export interface EndpointRun {
  endpoint: string;
  ok: boolean;
  /** The whole fetch, retries included. */
  durationSeconds: number;
  /** Every HTTP attempt, for the request-duration histogram. */
  attemptSeconds: readonly number[];
}
