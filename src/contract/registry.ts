// This run's values into a fresh prom-client Registry. Families appear in
// the order filled: the sources' data (the pipeline has each source fill
// its own), then the per-endpoint and the exporter's own series.
import type { Counter as CounterT, Gauge as GaugeT, Metric, Registry as RegistryT } from 'prom-client';
import { DURATION_BUCKETS, METRICS, type EndpointRun, type Family, type MetricSpec, type Sink } from './metrics';
import { emptyHistogram, type RunState } from './state';

export interface BuildMeta {
  /** Unix seconds. */
  now: number;
  version: string;
  nodejs: string;
  labels: Record<string, string>;
}

// Deep imports: prom-client's index also loads cluster, Pushgateway and
// default-metrics code a one-shot never uses (npm run bench, startup).
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
function histogramMetric(s: MetricSpec, endpoints: readonly string[], state: RunState): Metric {
  const values = endpoints.flatMap((endpoint) => {
    const h = state.requestDuration[endpoint] ?? emptyHistogram();
    return [
      ...DURATION_BUCKETS.map((le, i) => ({ metricName: `${s.name}_bucket`, labels: { endpoint, le }, value: h.buckets[i] })),
      { metricName: `${s.name}_bucket`, labels: { endpoint, le: '+Inf' }, value: h.count },
      { metricName: `${s.name}_sum`, labels: { endpoint }, value: roundTo(h.sum, 6) },
      { metricName: `${s.name}_count`, labels: { endpoint }, value: h.count },
    ];
  });
  const result = { name: s.name, help: s.help, type: s.type, values, aggregator: 'sum' };
  // Only name, help, type and get() are read by Registry; the cast says so.
  return { name: s.name, help: s.help, type: s.type, get: () => Promise.resolve(result) } as unknown as Metric;
}

/**
 * The samples a source sets in one family, one per distinct label set, in
 * the order first set. Not prom-client's Gauge: it keys a label set by
 * joining `name:value,` unescaped, so {name:"Oleg",craft:"ISS,name:Ivan"}
 * and {name:"Ivan,name:Oleg",craft:"ISS"} were one series and a person
 * vanished. Here the key is the list of label values, as JSON. The Registry
 * renders it through prom-client's Metric interface (name, help, type, get).
 */
class SampleFamily {
  private readonly values: { labels: Record<string, string>; value: number }[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly spec: MetricSpec) {}

  set(value: number, labels: Record<string, string> = {}): void {
    const key = JSON.stringify(this.spec.labels.map((n) => labels[n] ?? ''));
    const at = this.index.get(key);
    if (at === undefined) {
      this.index.set(key, this.values.length);
      this.values.push({ labels, value });
    } else {
      this.values[at].value = value;
    }
  }

  metric(): Metric {
    const s = this.spec;
    const result = { name: s.name, help: s.help, type: s.type, values: this.values, aggregator: 'sum' };
    // As histogramMetric: Registry reads name, help, type and get().
    return { name: s.name, help: s.help, type: s.type, get: () => Promise.resolve(result) } as unknown as Metric;
  }
}

/**
 * A fresh Registry (never the global one) holding this run's values.
 * A family is registered only when asked for: prom-client gives an
 * unlabelled gauge a value of 0 from the start, and a made-up 0 for the ISS
 * latitude is worse than no series at all.
 */
export function buildRegistry(runs: readonly EndpointRun[], fillData: (sink: Sink) => void, state: RunState, meta: BuildMeta): RegistryT {
  const { Registry, Gauge, Counter } = promClient();
  const registry = new Registry();
  registry.setDefaultLabels(meta.labels);
  const gauge = (s: MetricSpec): GaugeT => new Gauge({ name: s.name, help: s.help, labelNames: [...s.labels], registers: [registry] });
  const counter = (s: MetricSpec): CounterT => new Counter({ name: s.name, help: s.help, labelNames: [...s.labels], registers: [registry] });
  const sink: Sink = {
    family(s: MetricSpec): Family {
      const f = new SampleFamily(s);
      registry.registerMetric(f.metric());
      return f;
    },
  };

  fillData(sink);

  const endpoints = runs.map((r) => r.endpoint);
  const up = gauge(METRICS.up);
  const duration = gauge(METRICS.fetchDuration);
  for (const { endpoint, ok, durationSeconds } of runs) {
    up.set({ endpoint }, ok ? 1 : 0);
    duration.set({ endpoint }, roundTo(durationSeconds, 6));
  }
  registry.registerMetric(histogramMetric(METRICS.requestDuration, endpoints, state));
  const failures = counter(METRICS.fetchFailures);
  for (const e of endpoints) failures.inc({ endpoint: e }, state.fetchFailuresTotal[e] ?? 0);
  const known = endpoints.filter((e) => state.lastSuccess[e] !== undefined);
  if (known.length > 0) {
    const g = gauge(METRICS.lastSuccess);
    for (const e of known) g.set({ endpoint: e }, state.lastSuccess[e]);
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

/** serve's own series (its HTTP side), with the operator's constant labels, after the snapshot's text. */
export async function renderOwnSeries(
  own: { dropped: Readonly<Record<string, number>>; refused: Readonly<Record<string, number>>; handshakeFailures: Readonly<Record<string, number>>; web?: { ok: boolean; lastSuccess: number } },
  labels: Record<string, string>,
  tls = false,
): Promise<string> {
  const { Registry } = promClient();
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  const family = (s: MetricSpec) => {
    const f = new SampleFamily(s);
    registry.registerMetric(f.metric());
    return f;
  };
  const counts = (s: MetricSpec, values: Readonly<Record<string, number>>) => {
    const f = family(s);
    for (const [reason, n] of Object.entries(values)) f.set(n, { reason });
  };
  counts(METRICS.connectionsDropped, own.dropped);
  if (own.web) {
    counts(METRICS.requestsRefused, own.refused);
    if (tls) counts(METRICS.handshakeFailures, own.handshakeFailures);
    family(METRICS.webConfigReloadOk).set(own.web.ok ? 1 : 0);
    family(METRICS.webConfigReloadTime).set(Math.round(own.web.lastSuccess * 1000) / 1000);
  }
  // A blank line between families, as in the snapshot's own text.
  return `\n${await registry.metrics()}`;
}
