// Collecting: every enabled source fetched with a deadline, a body cap and
// bounded retries, concurrently except where one needs another's data, and
// validated. Nothing here knows about metrics.
import type { FetchConfig } from '../config/config';
import type { EndpointRun, Sink } from '../contract/metrics';
import { httpGet } from '../lib/http';
import { AttemptError, withRetries } from '../lib/retry';
import type { AnySource, Earlier } from './source';
import { enabledSources } from './table';
import { describeBody, parseJson } from './validate';

export type Outcome<T> =
  | { ok: true; data: T; durationSeconds: number; attemptSeconds: number[]; warnings?: string[] }
  | { ok: false; reason: string; url?: string; durationSeconds: number; attemptSeconds: number[] };

export interface Result {
  source: AnySource;
  outcome: Outcome<unknown>;
}

export interface Collection {
  /** One per enabled source, in the table's order. */
  results: Result[];
}

export interface CollectDeps {
  /** Unix time in milliseconds. */
  now: () => number;
  userAgent: string;
  debug: (message: string, fields: Record<string, unknown>) => void;
  /** Waits between attempts; injectable so unit tests need not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** A stop signal: fetches in flight are cut short and not retried. */
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 3;

async function fetchOnce(source: AnySource, cfg: FetchConfig, earlier: Earlier, deps: CollectDeps, warnings: string[]): Promise<unknown> {
  const res = await httpGet(source.url(cfg, earlier), {
    timeoutMs: cfg.timeoutMs,
    maxBodyBytes: cfg.maxBodyBytes,
    maxRedirects: MAX_REDIRECTS,
    userAgent: deps.userAgent,
    signal: deps.signal,
  });
  if (res.status < 200 || res.status > 299) {
    throw new AttemptError(`HTTP ${res.status}: ${describeBody(res.body)}`, res.status >= 500 || res.status === 429);
  }
  const json = parseJson(res.body);
  return source.validate(json, deps.now() / 1000, earlier, (w) => warnings.push(w), cfg);
}

/** One source, with retries on network errors, timeouts, 5xx and 429 (never on invalid data). */
export async function fetchSource(source: AnySource, cfg: FetchConfig, deps: CollectDeps, earlier: Earlier = noEarlier): Promise<Outcome<unknown>> {
  const endpoint = source.name;
  const warnings: string[] = [];
  const r = await withRetries(() => fetchOnce(source, cfg, earlier, deps, warnings), {
    retries: cfg.retries,
    sleep: deps.sleep,
    signal: deps.signal,
    onAttempt(attempt, err) {
      if (!err) deps.debug('attempt succeeded', { endpoint, attempt });
      else deps.debug('attempt failed', { endpoint, attempt, reason: err.message, retryable: err instanceof AttemptError && err.retryable });
    },
  });
  const timing = { durationSeconds: r.durationSeconds, attemptSeconds: r.attemptSeconds };
  if (r.ok) return { ok: true, data: r.value, ...timing, ...(warnings.length ? { warnings: [...warnings] } : {}) };
  // Which URL failed, for the log line: an --api-url ending in /astros.json fetched /astros.json/astros.json.
  let url: string;
  try {
    url = source.url(cfg, earlier);
  } catch {
    url = '';
  }
  return { ok: false, reason: r.reason, url, ...timing };
}

const noEarlier: Earlier = { data: () => undefined };

/** The valid data of finished results, by source name. */
export function earlierOf(results: readonly Result[]): Earlier {
  return {
    data: (name) => {
      const o = results.find((r) => r.source.name === name)?.outcome;
      return o?.ok ? o.data : undefined;
    },
  };
}

export async function collect(cfg: FetchConfig, deps: CollectDeps): Promise<Collection> {
  const sources = enabledSources(cfg);
  const pending = new Map<string, Promise<Result>>();
  for (const source of sources) {
    const needs = (source.after ?? []).map((n) => pending.get(n)).filter((p) => p !== undefined);
    pending.set(
      source.name,
      Promise.all(needs).then(async (before) => ({ source, outcome: await fetchSource(source, cfg, deps, earlierOf(before)) })),
    );
  }
  const results = await Promise.all(pending.values());
  return { results };
}

/** Each result as the contract sees it: an endpoint, whether it gave valid data, how long it took. */
export function endpointRuns(c: Collection): EndpointRun[] {
  return c.results.map(({ source, outcome }) => ({ endpoint: source.name, ok: outcome.ok, durationSeconds: outcome.durationSeconds, attemptSeconds: outcome.attemptSeconds }));
}

/** Each source's data series, for the sources with valid data. */
export function fillAll(c: Collection, sink: Sink): void {
  for (const { source, outcome } of c.results) if (outcome.ok) source.fill(outcome.data, sink);
}
