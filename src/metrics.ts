// The metric contract: every family this exporter writes, in one place.
// README's metric table and the shipped alert rules are checked against it.
import type { Registry as RegistryT, Gauge as GaugeT, Counter as CounterT, Metric } from 'prom-client';
import type { Collection } from './openNotify';
import { ENDPOINT_NAMES } from './openNotify';
import type { RunState } from './state';
import { DURATION_BUCKETS } from './state';

export type MetricType = 'gauge' | 'counter' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly help: string;
}

function spec(name: string, type: MetricType, labels: readonly string[], help: string): MetricSpec {
  return { name, type, labels, help };
}

export const METRICS = {
  peopleInSpace: spec('open_notify_people_in_space', 'gauge', [], 'Number of people in space, as reported by astros.json.'),
  astronautInfo: spec('open_notify_astronaut_info', 'gauge', ['name', 'craft'], 'One series per person in space; the value is always 1.'),
  issLatitude: spec('open_notify_iss_latitude_degrees', 'gauge', [], 'Latitude of the ISS from iss-now.json.'),
  issLongitude: spec('open_notify_iss_longitude_degrees', 'gauge', [], 'Longitude of the ISS from iss-now.json.'),
  issTimestamp: spec('open_notify_iss_position_timestamp_seconds', 'gauge', [], 'Unix time the API gave for the ISS position; an old value means the API serves frozen data.'),
  up: spec('open_notify_up', 'gauge', ['endpoint'], '1 if the endpoint answered with valid data in this run, 0 otherwise.'),
  fetchDuration: spec('open_notify_fetch_duration_seconds', 'gauge', ['endpoint'], 'Time spent fetching the endpoint in this run, retries included.'),
  requestDuration: spec('open_notify_request_duration_seconds', 'histogram', ['endpoint'], 'Duration of every HTTP attempt, retries included, across runs.'),
  fetchFailures: spec('open_notify_fetch_failures_total', 'counter', ['endpoint'], 'Runs in which the endpoint gave no valid data, across runs.'),
  lastSuccess: spec('open_notify_last_success_timestamp_seconds', 'gauge', ['endpoint'], 'Unix time of the last run in which the endpoint answered with valid data.'),
  runs: spec('open_notify_runs_total', 'counter', [], 'Runs that produced this output, across runs (one-shot runs continue the count from the previous file).'),
  skippedRuns: spec('open_notify_skipped_runs_total', 'counter', [], 'Scheduled runs skipped because the previous run was still in flight.'),
  lastRun: spec('open_notify_last_run_timestamp_seconds', 'gauge', [], 'Unix time this output was produced.'),
  buildInfo: spec('open_notify_build_info', 'gauge', ['version', 'nodejs'], 'Version of open-notify-exporter and of Node.js that produced this output; the value is always 1.'),
} as const satisfies Record<string, MetricSpec>;

export const METRIC_LIST: readonly MetricSpec[] = Object.values(METRICS);

/** Label names our own series use; constant labels may not reuse them. */
export const OWN_LABELS: readonly string[] = [...new Set(METRIC_LIST.flatMap((m) => m.labels))];

export interface BuildMeta {
  /** Unix seconds. */
  now: number;
  version: string;
  nodejs: string;
  labels: Record<string, string>;
}

// Deep imports: prom-client's index also loads cluster, Pushgateway and
// default-metrics code (~50 ms, ~12 MiB) that a one-shot never uses.
function promClient(): { Registry: typeof RegistryT; Gauge: typeof GaugeT; Counter: typeof CounterT } {
  return {
    Registry: require('prom-client/lib/registry') as typeof RegistryT,
    Gauge: require('prom-client/lib/gauge') as typeof GaugeT,
    Counter: require('prom-client/lib/counter') as typeof CounterT,
  };
}

/**
 * prom-client's Histogram can only observe, but a one-shot run must continue
 * the bucket counts the previous run wrote. The Registry renders any object
 * with the Metric shape, so the histogram is handed over as finished values.
 */
function histogramMetric(s: MetricSpec, state: RunState): Metric {
  const values = ENDPOINT_NAMES.flatMap((endpoint) => {
    const h = state.requestDuration[endpoint];
    return [
      ...DURATION_BUCKETS.map((le, i) => ({ metricName: `${s.name}_bucket`, labels: { endpoint, le }, value: h.buckets[i]! })),
      { metricName: `${s.name}_bucket`, labels: { endpoint, le: '+Inf' }, value: h.count },
      { metricName: `${s.name}_sum`, labels: { endpoint }, value: roundTo(h.sum, 6) },
      { metricName: `${s.name}_count`, labels: { endpoint }, value: h.count },
    ];
  });
  const result = { name: s.name, help: s.help, type: s.type, values, aggregator: 'sum' };
  // Only name, help, type and get() are read by Registry; the cast says so.
  return { name: s.name, help: s.help, type: s.type, get: async () => result } as unknown as Metric;
}

/**
 * A fresh Registry (never the global one) holding this run's values.
 * A family is registered only when it has a sample: prom-client gives an
 * unlabelled gauge a value of 0 from the start, and a made-up 0 for the ISS
 * latitude is worse than no series at all.
 */
export function buildRegistry(c: Collection, state: RunState, meta: BuildMeta): RegistryT {
  const { Registry, Gauge, Counter } = promClient();
  const registry = new Registry();
  registry.setDefaultLabels(meta.labels);
  const gauge = (s: MetricSpec): GaugeT =>
    new Gauge({ name: s.name, help: s.help, labelNames: [...s.labels], registers: [registry] });

  if (c.astros.ok) {
    gauge(METRICS.peopleInSpace).set(c.astros.data.number);
    const info = gauge(METRICS.astronautInfo);
    for (const p of c.astros.data.people) info.set({ name: p.name, craft: p.craft }, 1);
  }
  if (c.iss_now.ok) {
    gauge(METRICS.issLatitude).set(c.iss_now.data.latitude);
    gauge(METRICS.issLongitude).set(c.iss_now.data.longitude);
    gauge(METRICS.issTimestamp).set(c.iss_now.data.timestamp);
  }
  const counter = (s: MetricSpec): CounterT =>
    new Counter({ name: s.name, help: s.help, labelNames: [...s.labels], registers: [registry] });
  const up = gauge(METRICS.up);
  const duration = gauge(METRICS.fetchDuration);
  for (const e of ENDPOINT_NAMES) {
    up.set({ endpoint: e }, c[e].ok ? 1 : 0);
    duration.set({ endpoint: e }, roundTo(c[e].durationSeconds, 6));
  }
  registry.registerMetric(histogramMetric(METRICS.requestDuration, state));
  const failures = counter(METRICS.fetchFailures);
  for (const e of ENDPOINT_NAMES) failures.inc({ endpoint: e }, state.fetchFailuresTotal[e]);
  const known = ENDPOINT_NAMES.filter((e) => state.lastSuccess[e] !== undefined);
  if (known.length > 0) {
    const g = gauge(METRICS.lastSuccess);
    for (const e of known) g.set({ endpoint: e }, state.lastSuccess[e]!);
  }
  counter(METRICS.runs).inc(state.runsTotal);
  counter(METRICS.skippedRuns).inc(state.skippedRunsTotal);
  gauge(METRICS.lastRun).set(meta.now);
  gauge(METRICS.buildInfo).set({ version: meta.version, nodejs: meta.nodejs }, 1);
  return registry;
}

function roundTo(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The exposition text, ending in exactly one newline. */
export async function render(registry: RegistryT): Promise<string> {
  const text = await registry.metrics();
  return text.endsWith('\n') ? text : `${text}\n`;
}
