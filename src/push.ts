// `push`: one run handed to a Pushgateway with prom-client's Pushgateway
// (PUT: the group is replaced), for jobs that cannot be scraped.
import type { Pushgateway as PushgatewayT, Registry } from 'prom-client';
import type { CollectConfig } from './config';
import { ExitCode } from './config';
import { describeNetError, formatMs } from './httpGet';
import { backoffMs } from './openNotify';
import { produce, summarize, type RunDeps } from './run';
import { emptyState } from './state';
import { elapsedSeconds, monotonicMs } from './clock';

export interface PushConfig extends CollectConfig {
  gateway: string;
  job: string;
  grouping: Record<string, string>;
}

class PushError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

function describePushError(err: unknown, timeoutMs: number): PushError {
  const e = err as NodeJS.ErrnoException;
  // prom-client rejects with "push failed with status N, <body>" for N >= 400.
  const m = /^push failed with status (\d+), ?([\s\S]*)$/.exec(e.message ?? '');
  if (m) {
    const status = Number(m[1]);
    const body = m[2]!.replace(/\s+/g, ' ').trim().slice(0, 160);
    return new PushError(`HTTP ${status}${body ? `: ${body}` : ''}`, status >= 500 || status === 429);
  }
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.code === 'ABORT_ERR') {
    return new PushError(`no response within ${formatMs(timeoutMs)}`, true);
  }
  return new PushError(describeNetError(e), true);
}

/**
 * prom-client 15's Pushgateway builds its request with url.parse(), which
 * Node 24 deprecates at run time (DEP0169): every push would print a warning
 * on stderr next to our one log line. The gateway URL was already checked
 * with the WHATWG URL parser (cli.ts), so that one warning is dropped; every
 * other warning still goes through.
 */
function withoutUrlParseWarning<T>(fn: () => Promise<T>): Promise<T> {
  const original = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, ...args: Parameters<typeof process.emitWarning>) {
    const [warning, typeOrOptions, code] = args as unknown as [string | Error, unknown, unknown];
    const c = typeof typeOrOptions === 'object' && typeOrOptions !== null ? (typeOrOptions as { code?: string }).code : code;
    if (c === 'DEP0169' || (warning instanceof Error && (warning as NodeJS.ErrnoException).code === 'DEP0169')) return;
    return original.apply(this, args);
  } as typeof process.emitWarning;
  return fn().finally(() => {
    process.emitWarning = original;
  });
}

async function pushOnce(cfg: PushConfig, registry: Registry): Promise<void> {
  const Pushgateway = require('prom-client/lib/pushgateway') as typeof PushgatewayT;
  // A fresh signal per attempt: the deadline covers the whole exchange.
  const gateway = new Pushgateway(cfg.gateway, { signal: AbortSignal.timeout(cfg.fetch.timeoutMs) } as object, registry);
  await withoutUrlParseWarning(() => gateway.push({ jobName: cfg.job, groupings: cfg.grouping }));
}

export async function runPush(cfg: PushConfig, deps: RunDeps): Promise<number> {
  const started = monotonicMs();
  // Nothing carries between pushes: the counters describe this one run.
  const { collection, registry } = await produce(cfg, deps, emptyState());
  const { failed, outcome, fields } = summarize(collection);
  let attempt = 0;
  for (;;) {
    attempt += 1;
    try {
      await pushOnce(cfg, registry);
      break;
    } catch (err) {
      const e = describePushError(err, cfg.fetch.timeoutMs);
      deps.log.debug('push attempt failed', { attempt, reason: e.message, retryable: e.retryable });
      if (!e.retryable || attempt > cfg.fetch.retries) {
        const after = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        deps.log.error(`cannot push to ${cfg.gateway}: ${e.message}${after}`, { ...fields, job: cfg.job });
        return ExitCode.pushFailed;
      }
      await new Promise((r) => setTimeout(r, backoffMs(attempt)));
    }
  }
  const summary = {
    outcome,
    ...fields,
    duration: elapsedSeconds(started),
    gateway: cfg.gateway,
    job: cfg.job,
  };
  if (failed.length === 0) {
    deps.log.info('pushed', summary);
    return ExitCode.ok;
  }
  deps.log.error('pushed with failed endpoints', summary);
  return ExitCode.endpointFailed;
}
