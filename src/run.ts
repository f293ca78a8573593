// One run: config → fetch → validated data → registry → text → file.
import { resolve } from 'node:path';
import type { CollectConfig, RunConfig } from './config';
import { ExitCode } from './config';
import type { Registry } from 'prom-client';
import type { Logger } from './log';
import { buildRegistry, render } from './metrics';
import { collect, ENDPOINT_NAMES, type Collection, type EndpointName } from './openNotify';
import { readPrevious } from './previous';
import { advance, emptyState, type RunState } from './state';
import { resolveOutput, WriteError, writeTextfile, type Output } from './textfile';
import { elapsedSeconds, monotonicMs } from './clock';

export interface RunDeps {
  /** Unix time in milliseconds. */
  now(): number;
  log: Logger;
  version: string;
  nodejs: string;
  writeStdout(text: string): Promise<void>;
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
}

export const STDOUT = '-';

export interface Produced {
  collection: Collection;
  state: RunState;
  registry: Registry;
  text: string;
}

/**
 * Fetches both endpoints and renders the exposition text for them. `prev`
 * may still be loading (the previous file being read): it is awaited only
 * after the fetches, so the disk read overlaps the network.
 */
export async function produce(cfg: CollectConfig, deps: RunDeps, prevState: RunState | Promise<RunState>): Promise<Produced> {
  const [collection, prev] = await Promise.all([
    collect(cfg.fetch, {
      now: deps.now,
      userAgent: `open-notify-exporter/${deps.version}`,
      debug: (msg, fields) => deps.log.debug(msg, fields),
    }),
    prevState,
  ]);
  const now = Math.round(deps.now()) / 1000;
  const state = advance(prev, collection, now);
  const registry = buildRegistry(collection, state, { now, version: deps.version, nodejs: deps.nodejs, labels: cfg.labels });
  return { collection, state, registry, text: await render(registry) };
}

/**
 * The state a run starts from: the one in memory, else the one in the
 * previous output file `from` (if any), plus the ticks skipped meanwhile.
 */
export async function loadState(memory: Memory, log: Logger, from?: string): Promise<RunState> {
  let state = memory.state;
  if (!state && from !== undefined) {
    const prev = await readPrevious(from);
    for (const w of prev.warnings) log.warn(w);
    state = prev.state;
  }
  state ??= emptyState();
  const skips = memory.pendingSkips ?? 0;
  memory.pendingSkips = 0;
  return skips > 0 ? { ...state, skippedRunsTotal: state.skippedRunsTotal + skips } : state;
}

export interface Summary {
  failed: EndpointName[];
  outcome: 'ok' | 'partial' | 'failed';
  /** One field per endpoint: `ok` or `error: <reason>`, for the log line. */
  fields: Record<string, string>;
}

export function summarize(c: Collection): Summary {
  const fields: Record<string, string> = {};
  for (const e of ENDPOINT_NAMES) {
    const o = c[e];
    fields[e] = o.ok ? 'ok' : `error: ${o.reason}`;
  }
  const failed = ENDPOINT_NAMES.filter((e) => !c[e].ok);
  const outcome = failed.length === 0 ? 'ok' : failed.length === ENDPOINT_NAMES.length ? 'failed' : 'partial';
  return { failed, outcome, fields };
}

export async function runOnce(cfg: RunConfig, deps: RunDeps, memory: Memory = {}): Promise<number> {
  const started = monotonicMs();
  let output: Output | undefined;
  if (cfg.output !== STDOUT) {
    // Before any fetch or read: a device, FIFO or socket at the output path is refused untouched.
    try {
      output = await resolveOutput(cfg.output);
    } catch (err) {
      deps.log.error(err instanceof WriteError ? err.message : `cannot write ${cfg.output}: ${String(err)}`, { output: cfg.output });
      return ExitCode.writeFailed;
    }
  }
  const prev = loadState(memory, deps.log, output?.target);
  const { collection, state, text } = await produce(cfg, deps, prev);
  memory.state = state;

  const { failed, outcome, fields } = summarize(collection);
  let target: string | undefined;
  try {
    if (!output) {
      await deps.writeStdout(text);
    } else {
      const result = await writeTextfile(output, text);
      if (result.path !== resolve(cfg.output)) target = result.path;
      for (const f of result.swept) deps.log.warn('removed a temp file left by an interrupted run', { file: f });
    }
  } catch (err) {
    const message = err instanceof WriteError ? err.message : `cannot write ${cfg.output}: ${String(err)}`;
    deps.log.error(message, { ...fields, output: cfg.output });
    return ExitCode.writeFailed;
  }

  const summary = {
    outcome,
    ...fields,
    duration: elapsedSeconds(started),
    output: cfg.output,
    target,
  };
  if (failed.length === 0) {
    deps.log.info('run finished', summary);
    return ExitCode.ok;
  }
  deps.log.error('run finished with failed endpoints', summary);
  return ExitCode.endpointFailed;
}
