// What carries from one run to the next: counters, the request-duration
// histogram and the endpoints' last-success times. The scheduler keeps it in
// memory (advance); a one-shot run rebuilds it from the samples of the file
// the previous run wrote (restore), so `rate(open_notify_runs_total[5m])`
// works for cron users too.
import { DURATION_BUCKETS, METRICS, type EndpointRun } from './metrics';
import type { Sample } from './previous';

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

export function emptyState(endpoints: readonly string[]): RunState {
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

/** The state after one more run with these results; `prev` is not changed. */
export function advance(prev: RunState, runs: readonly EndpointRun[], nowSeconds: number): RunState {
  const next: RunState = {
    runsTotal: prev.runsTotal + 1,
    skippedRunsTotal: prev.skippedRunsTotal,
    fetchFailuresTotal: { ...prev.fetchFailuresTotal },
    requestDuration: { ...prev.requestDuration },
    lastSuccess: { ...prev.lastSuccess },
  };
  for (const { endpoint: e, ok, attemptSeconds } of runs) {
    if (ok) next.lastSuccess[e] = nowSeconds;
    else next.fetchFailuresTotal[e] = (prev.fetchFailuresTotal[e] ?? 0) + 1;
    next.requestDuration[e] = attemptSeconds.reduce(observe, prev.requestDuration[e] ?? emptyHistogram());
  }
  return next;
}

/** A count this exporter could have written: whole, not negative, and far from 2^53, past which adding one is lost (2^50 is a run a second for 35 million years). */
const isCount = (v: number) => Number.isSafeInteger(v) && v >= 0 && v <= 2 ** 50;

function endpointIn(endpoints: readonly string[]): (sample: Sample) => string | undefined {
  return (sample) => {
    const e = sample.labels.endpoint;
    return e !== undefined && endpoints.includes(e) ? e : undefined;
  };
}

/**
 * Rebuilds the carried state from a previous output, family by family. A
 * family that is absent (an older contract) starts from zero quietly; one
 * that is present but not what this version writes (negative or fractional
 * counts, other buckets, buckets going down) starts from zero with a warning.
 * Counters therefore only ever go backwards by a reset to zero. A last
 * success after `now` (Unix seconds, a minute's slack) is dropped with a warning.
 */
export function restore(samples: readonly Sample[], endpoints: readonly string[], now: number): { state: RunState; warnings: string[] } {
  const state = emptyState(endpoints);
  const endpointOf = endpointIn(endpoints);
  const warnings: string[] = [];
  const named = (name: string) => samples.filter((s) => s.name === name);

  for (const s of named(METRICS.lastSuccess.name)) {
    const e = endpointOf(s);
    if (!e || !Number.isFinite(s.value) || s.value <= 0) continue;
    // A time after now is not one this exporter wrote: carried forward, it would hide a failing endpoint.
    if (s.value > now + 60) warnings.push(`${METRICS.lastSuccess.name}{endpoint="${e}"} is in the future; not restored`);
    else state.lastSuccess[e] = s.value;
  }

  for (const [spec, key] of [[METRICS.runs, 'runsTotal'], [METRICS.skippedRuns, 'skippedRunsTotal']] as const) {
    const found = named(spec.name);
    if (found.length === 1 && isCount(found[0].value)) state[key] = found[0].value;
    else if (found.length > 0) warnings.push(`${spec.name} is not a single whole count; counting from zero`);
  }

  const failures = named(METRICS.fetchFailures.name);
  const failuresOk = failures.every((s) => endpointOf(s) && isCount(s.value));
  if (failuresOk) for (const s of failures) state.fetchFailuresTotal[endpointOf(s)!] = s.value;
  else warnings.push(`${METRICS.fetchFailures.name} has values this version does not write; counting from zero`);

  const h = METRICS.requestDuration.name;
  const histSamples = samples.filter((s) => s.name === `${h}_bucket` || s.name === `${h}_sum` || s.name === `${h}_count`);
  if (histSamples.length > 0) {
    const restored = restoreHistograms(histSamples, h, endpoints);
    if (restored) state.requestDuration = restored;
    else warnings.push(`${h} has other buckets or inconsistent counts; counting from zero`);
  }
  return { state, warnings };
}

function restoreHistograms(samples: readonly Sample[], h: string, endpoints: readonly string[]): RunState['requestDuration'] | undefined {
  const out = emptyState(endpoints).requestDuration;
  for (const e of endpoints) {
    const mine = samples.filter((s) => s.labels.endpoint === e);
    if (mine.length === 0) continue;
    const buckets = mine.filter((s) => s.name === `${h}_bucket`);
    const les = buckets.map((s) => s.labels.le);
    const expected = [...DURATION_BUCKETS.map(String), '+Inf'];
    if (les.length !== expected.length || !les.every((le, i) => le === expected[i] || Number(le) === Number(expected[i]))) return undefined;
    const counts = buckets.map((s) => s.value);
    const sum = mine.find((s) => s.name === `${h}_sum`)?.value;
    const count = mine.find((s) => s.name === `${h}_count`)?.value;
    if (sum === undefined || count === undefined || !Number.isFinite(sum) || sum < 0) return undefined;
    if (!counts.every(isCount) || counts.some((n, i) => i > 0 && n < counts[i - 1]) || counts[counts.length - 1] !== count) return undefined;
    out[e] = { buckets: counts.slice(0, -1), sum, count };
  }
  return out;
}
