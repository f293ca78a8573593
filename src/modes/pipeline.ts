// The pipeline every mode runs: config → fetch → validated data → state →
// registry → text, and the one log line that ends a run.
import type { CollectConfig } from '../config/config';
import { ExitCode } from '../config/config';
import { readPrevious } from '../contract/previous';
import { buildRegistry } from '../contract/registry';
import { advance, emptyState, restore, type RunState } from '../contract/state';
import { elapsedSeconds } from '../lib/duration';
import { redactUrl, userAgent } from '../lib/format';
import type { Fields, Logger } from '../lib/log';
import { collect, endpointRuns, fillAll, type Collection } from '../sources/collect';

export interface RunDeps {
  /** Unix time in milliseconds. */
  now: () => number;
  log: Logger;
  version: string;
  nodejs: string;
  writeStdout: (text: string) => Promise<void>;
  /** Set by a long-running mode: a stop signal aborts the run's fetches. */
  signal?: AbortSignal;
}

/**
 * State carried between runs. A one-shot run starts with it empty and reads
 * it back from the previous output; the scheduler passes the same object to
 * every run, so it is read from disk once and then kept in memory.
 */
export interface Memory {
  state?: RunState;
  /** Scheduled runs skipped since the last run started; counted into the next output. */
  pendingSkips?: number;
  /** The file this process wrote last, as stat saw it just after: another writer shows as a change. */
  written?: { ino: number; size: number; mtimeMs: number };
  /** Whether another writer was reported already (once per process). */
  otherWriterSeen?: boolean;
}

export interface Produced {
  collection: Collection;
  state: RunState;
  text: string;
}

/**
 * Fetches every enabled source and renders the exposition text. `prevState`
 * may still be loading (the previous file being read): it is awaited only
 * after the fetches, so the disk read overlaps the network.
 */
export async function produce(cfg: CollectConfig, deps: RunDeps, prevState: RunState | Promise<RunState>): Promise<Produced> {
  const [collection, prev] = await Promise.all([
    collect(cfg.fetch, {
      now: deps.now,
      userAgent: userAgent(deps.version),
      debug: (msg, fields) => deps.log.debug(msg, fields),
      signal: deps.signal,
    }),
    prevState,
  ]);
  for (const { source, outcome } of collection.results) if (outcome.ok) for (const w of outcome.warnings ?? []) deps.log.warn(w, { endpoint: source.name });
  const now = Math.round(deps.now()) / 1000;
  const runs = endpointRuns(collection);
  const state = advance(prev, runs, now);
  const registry = buildRegistry(runs, (sink) => fillAll(collection, sink), state, { now, version: deps.version, nodejs: deps.nodejs, labels: cfg.labels });
  return { collection, state, text: await registry.metrics() };
}

/**
 * The state a run starts from: the one in memory, else the one in the
 * previous output file `from` (if any), plus the ticks skipped meanwhile.
 */
export async function loadState(memory: Memory, log: Logger, endpoints: readonly string[], from?: { path: string; maxBytes: number }): Promise<RunState> {
  let state = memory.state;
  if (!state && from !== undefined) {
    const prev = await readPrevious(from.path, from.maxBytes);
    const restored = restore(prev.samples, endpoints, Date.now() / 1000);
    for (const w of [...prev.warnings, ...restored.warnings.map((x) => `previous output ${from.path}: ${x}`)]) log.warn(w);
    state = restored.state;
  }
  state ??= emptyState(endpoints);
  const skips = memory.pendingSkips ?? 0;
  memory.pendingSkips = 0;
  return skips > 0 ? { ...state, skippedRunsTotal: state.skippedRunsTotal + skips } : state;
}

export interface Summary {
  failed: string[];
  outcome: 'ok' | 'partial' | 'failed';
  /** One field per endpoint: `ok` or `error: <reason>`, for the log line and /healthz. */
  fields: Record<string, string>;
  /** `<endpoint>_url` for each failed endpoint, credentials redacted: the log line only (not /healthz). */
  urls: Record<string, string>;
}

export function summarize(c: Collection): Summary {
  const fields: Record<string, string> = {};
  const urls: Record<string, string> = {};
  for (const { source, outcome } of c.results) {
    fields[source.name] = outcome.ok ? 'ok' : `error: ${outcome.reason}`;
    if (!outcome.ok && outcome.url) urls[`${source.name}_url`] = redactUrl(outcome.url);
  }
  const failed = c.results.filter((r) => !r.outcome.ok).map((r) => r.source.name);
  const outcome = failed.length === 0 ? 'ok' : failed.length === c.results.length ? 'failed' : 'partial';
  return { failed, outcome, fields, urls };
}

/**
 * The line that ends a run in every mode: info when every endpoint gave
 * valid data (exit 0), error naming the failed ones otherwise (exit 1);
 * debug when `routine` (serve's refresh that changed nothing).
 */
export function finish(log: Logger, s: Summary, startedMs: number, messages: { ok: string; failed: string }, extra: Fields = {}, routine = false): number {
  const line = { outcome: s.outcome, ...s.fields, ...s.urls, duration: elapsedSeconds(startedMs), ...extra };
  const ok = s.failed.length === 0;
  log[routine ? 'debug' : ok ? 'info' : 'error'](ok ? messages.ok : messages.failed, line);
  return ok ? ExitCode.ok : ExitCode.endpointFailed;
}
