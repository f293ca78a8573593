// This run's values into a fresh prom-client Registry. Families appear in
// the order filled: the sources' data (the pipeline has each source fill
// its own), then the per-endpoint and the exporter's own series.
import type { Metric, MetricValue, Registry as RegistryT } from 'prom-client';
import { DURATION_BUCKETS, METRICS, type EndpointRun, type Family, type MetricSpec, type Sink } from './metrics';
import { emptyHistogram, type RunState } from './state';

export interface BuildMeta {
  /** Unix seconds. */
  now: number;
  version: string;
  nodejs: string;
  labels: Record<string, string>;
}

type Value = MetricValue<string> & { metricName?: string };

// A deep import: prom-client's index also loads cluster, Pushgateway and
// default-metrics code a one-shot never uses: +58 ms and +11.2 MiB a start on
// Node 20, +60 ms and +14 MiB on Node 26 (21 paired starts each, 2026-12-07).
const Registry = require('prom-client/lib/registry') as typeof RegistryT;

/** The text's content type, prom-client's own: Prometheus 3 refuses a scrape without a valid one. */
export const CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/**
 * A fresh Registry (never the global one) with the operator's labels, and
 * families registered in the order asked for. Each family is handed over
 * through prom-client's Metric interface (Registry reads name, help, type
 * and get()) as finished values, not as prom-client's Gauge: that keys a
 * label set by joining `name:value,` unescaped, so {name:"Oleg",craft:"ISS,name:Ivan"}
 * and {name:"Ivan,name:Oleg",craft:"ISS"} were one series and a person
 * vanished; and its Histogram can only observe, while a one-shot run
 * continues the bucket counts the previous run wrote. A family exists only
 * once asked for: a made-up 0 for the ISS latitude is worse than no series.
 */
function newRegistry(labels: Record<string, string>): { registry: RegistryT; register: (s: MetricSpec, values: () => Value[]) => void; sink: Sink } {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  const register = (s: MetricSpec, values: () => Value[]): void => {
    const get = () => Promise.resolve({ name: s.name, help: s.help, type: s.type, values: values(), aggregator: 'sum' });
    registry.registerMetric({ name: s.name, help: s.help, type: s.type, get } as unknown as Metric);
  };
  const sink: Sink = {
    family(s: MetricSpec): Family {
      // One sample per distinct label set, in the order first set; the key is the list of label values, as JSON.
      const samples = new Map<string, Value>();
      register(s, () => [...samples.values()]);
      return {
        set(value, labels = {}) {
          const key = JSON.stringify(s.labels.map((n) => labels[n] ?? ''));
          const at = samples.get(key);
          if (at) at.value = value;
          else samples.set(key, { labels, value });
        },
      };
    },
  };
  return { registry, register, sink };
}

function histogramValues(s: MetricSpec, endpoints: readonly string[], state: RunState): Value[] {
  return endpoints.flatMap((endpoint) => {
    const h = state.requestDuration[endpoint] ?? emptyHistogram();
    return [
      ...DURATION_BUCKETS.map((le, i) => ({ metricName: `${s.name}_bucket`, labels: { endpoint, le }, value: h.buckets[i] })),
      { metricName: `${s.name}_bucket`, labels: { endpoint, le: '+Inf' }, value: h.count },
      { metricName: `${s.name}_sum`, labels: { endpoint }, value: roundTo(h.sum, 6) },
      { metricName: `${s.name}_count`, labels: { endpoint }, value: h.count },
    ];
  });
}

export function buildRegistry(runs: readonly EndpointRun[], fillData: (sink: Sink) => void, state: RunState, meta: BuildMeta): RegistryT {
  const { registry, register, sink } = newRegistry(meta.labels);
  fillData(sink);

  const endpoints = runs.map((r) => r.endpoint);
  const up = sink.family(METRICS.up);
  const duration = sink.family(METRICS.fetchDuration);
  for (const { endpoint, ok, durationSeconds } of runs) {
    up.set(ok ? 1 : 0, { endpoint });
    duration.set(roundTo(durationSeconds, 6), { endpoint });
  }
  register(METRICS.requestDuration, () => histogramValues(METRICS.requestDuration, endpoints, state));
  const failures = sink.family(METRICS.fetchFailures);
  for (const e of endpoints) failures.set(state.fetchFailuresTotal[e] ?? 0, { endpoint: e });
  const known = endpoints.filter((e) => state.lastSuccess[e] !== undefined);
  if (known.length > 0) {
    const last = sink.family(METRICS.lastSuccess);
    for (const e of known) last.set(state.lastSuccess[e], { endpoint: e });
  }
  sink.family(METRICS.runs).set(state.runsTotal);
  sink.family(METRICS.skippedRuns).set(state.skippedRunsTotal);
  sink.family(METRICS.lastRun).set(meta.now);
  sink.family(METRICS.buildInfo).set(1, { version: meta.version, nodejs: meta.nodejs });
  return registry;
}

function roundTo(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** serve's own series (its HTTP side), with the operator's constant labels, after the snapshot's text. */
export async function renderOwnSeries(
  own: { dropped: Readonly<Record<string, number>>; refused: Readonly<Record<string, number>>; handshakeFailures: Readonly<Record<string, number>>; web?: { ok: boolean; lastSuccess: number } },
  labels: Record<string, string>,
  tls = false,
): Promise<string> {
  const { registry, sink } = newRegistry(labels);
  const counts = (s: MetricSpec, values: Readonly<Record<string, number>>) => {
    const f = sink.family(s);
    for (const [reason, n] of Object.entries(values)) f.set(n, { reason });
  };
  counts(METRICS.connectionsDropped, own.dropped);
  if (own.web) {
    counts(METRICS.requestsRefused, own.refused);
    if (tls) counts(METRICS.handshakeFailures, own.handshakeFailures);
    sink.family(METRICS.webConfigReloadOk).set(own.web.ok ? 1 : 0);
    sink.family(METRICS.webConfigReloadTime).set(Math.round(own.web.lastSuccess * 1000) / 1000);
  }
  // A blank line between families, as in the snapshot's own text.
  return `\n${await registry.metrics()}`;
}
