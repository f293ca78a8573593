// What carries from one run to the next: counters, the request-duration
// histogram and the endpoints' last-success times. The scheduler keeps it in
// memory; a one-shot run rebuilds it from the file the previous run wrote,
// so `rate(open_notify_runs_total[5m])` works for cron users too.
import type { Collection } from '../sources/collect';
import { DEFAULT_ENDPOINTS } from '../sources/table';
import { DURATION_BUCKETS } from './metrics';

export interface HistogramState {
  /** Cumulative counts, one per bucket in DURATION_BUCKETS (+Inf is `count`). */
  buckets: number[];
  sum: number;
  count: number;
}

/** Per-endpoint values are keyed by the source's name. */
export interface RunState {
  runsTotal: number;
  skippedRunsTotal: number;
  fetchFailuresTotal: Record<string, number>;
  requestDuration: Record<string, HistogramState>;
  /** Unix seconds. */
  lastSuccess: Record<string, number>;
}

export function emptyHistogram(): HistogramState {
  return { buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
}

export function emptyState(endpoints: readonly string[] = DEFAULT_ENDPOINTS): RunState {
  return {
    runsTotal: 0,
    skippedRunsTotal: 0,
    fetchFailuresTotal: Object.fromEntries(endpoints.map((e) => [e, 0])),
    requestDuration: Object.fromEntries(endpoints.map((e) => [e, emptyHistogram()])),
    lastSuccess: {},
  };
}

function observe(h: HistogramState, seconds: number): HistogramState {
  return {
    buckets: h.buckets.map((n, i) => (seconds <= DURATION_BUCKETS[i] ? n + 1 : n)),
    sum: h.sum + seconds,
    count: h.count + 1,
  };
}

/** The state after one more run with this collection; `prev` is not changed. */
export function advance(prev: RunState, c: Collection, nowSeconds: number): RunState {
  const next: RunState = {
    runsTotal: prev.runsTotal + 1,
    skippedRunsTotal: prev.skippedRunsTotal,
    fetchFailuresTotal: { ...prev.fetchFailuresTotal },
    requestDuration: { ...prev.requestDuration },
    lastSuccess: { ...prev.lastSuccess },
  };
  for (const { source, outcome } of c.results) {
    const e = source.name;
    if (outcome.ok) next.lastSuccess[e] = nowSeconds;
    else next.fetchFailuresTotal[e] = (prev.fetchFailuresTotal[e] ?? 0) + 1;
    next.requestDuration[e] = outcome.attemptSeconds.reduce(observe, prev.requestDuration[e] ?? emptyHistogram());
  }
  return next;
}
