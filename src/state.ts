// What carries from one run to the next: counters, the request-duration
// histogram and the endpoints' last-success times. The scheduler keeps it in
// memory; a one-shot run rebuilds it from the file the previous run wrote,
// so `rate(open_notify_runs_total[5m])` works for cron users too.
import type { Collection, EndpointName } from './openNotify';
import { ENDPOINT_NAMES } from './openNotify';

/** Upper bounds, seconds: one HTTP attempt takes 10 ms on a LAN … 30 s at a long --timeout. */
export const DURATION_BUCKETS: readonly number[] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface HistogramState {
  /** Cumulative counts, one per bucket in DURATION_BUCKETS (+Inf is `count`). */
  buckets: number[];
  sum: number;
  count: number;
}

export interface RunState {
  runsTotal: number;
  skippedRunsTotal: number;
  fetchFailuresTotal: Record<EndpointName, number>;
  requestDuration: Record<EndpointName, HistogramState>;
  /** Unix seconds. */
  lastSuccess: Partial<Record<EndpointName, number>>;
}

export function emptyHistogram(): HistogramState {
  return { buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
}

export function emptyState(): RunState {
  return {
    runsTotal: 0,
    skippedRunsTotal: 0,
    fetchFailuresTotal: { astros: 0, iss_now: 0 },
    requestDuration: { astros: emptyHistogram(), iss_now: emptyHistogram() },
    lastSuccess: {},
  };
}

function observe(h: HistogramState, seconds: number): HistogramState {
  return {
    buckets: h.buckets.map((n, i) => (seconds <= DURATION_BUCKETS[i]! ? n + 1 : n)),
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
  for (const e of ENDPOINT_NAMES) {
    const o = c[e];
    if (o.ok) next.lastSuccess[e] = nowSeconds;
    else next.fetchFailuresTotal[e] += 1;
    next.requestDuration[e] = o.attemptSeconds.reduce(observe, prev.requestDuration[e]);
  }
  return next;
}
