// Long-running mode: the one-shot run on a node-cron schedule, with the
// carried state kept in memory between runs.
import type { RunConfig } from './config';
import type { Logger } from './log';
import { runOnce, type Memory, type RunDeps } from './run';

export interface ScheduleConfig {
  run: RunConfig;
  cron: string;
  runOnStart: boolean;
  timezone?: string;
}

export type SignalName = 'SIGTERM' | 'SIGINT';

/** Where stop signals come from; injectable so the loop can run in-process in tests. */
export interface Signals {
  on(handler: (signal: SignalName) => void): () => void;
}

export const processSignals: Signals = {
  on(handler) {
    const term = () => handler('SIGTERM');
    const int = () => handler('SIGINT');
    process.on('SIGTERM', term);
    process.on('SIGINT', int);
    return () => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
    };
  },
};

/** node-cron logs through console (stdout) unless given a logger: route it to ours (stderr). */
function cronLogger(log: Logger): import('node-cron').Logger {
  const text = (m: string | Error) => (m instanceof Error ? m.message : m);
  return {
    info: (m) => log.debug(`node-cron: ${m}`),
    warn: (m) => log.debug(`node-cron: ${m}`),
    error: (m, err) => log.error(`node-cron: ${text(m)}`, err ? { error: err.message } : {}),
    debug: (m) => log.debug(`node-cron: ${text(m)}`),
  };
}

/** Checks a cron expression and time zone; returns a one-line reason, or undefined if fine. */
export function checkCron(expression: string): string | undefined {
  const { validateDetailed } = require('node-cron') as typeof import('node-cron');
  const v = validateDetailed(expression);
  if (v.valid) return undefined;
  const why = v.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return `invalid cron expression "${expression}"${why ? ` (${why})` : ''}`;
}

export function checkTimezone(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone "${tz}"`;
  }
}

/**
 * Runs until SIGTERM or SIGINT. The first signal stops the schedule and lets
 * a run in flight finish (bounded by its timeouts and retries); a second
 * exits at once. Either way the output is whole: it only ever changes by rename.
 */
export function runSchedule(cfg: ScheduleConfig, deps: RunDeps, signals: Signals = processSignals): Promise<number> {
  const cron = require('node-cron') as typeof import('node-cron');
  const log = deps.log;
  const memory: Memory = {};
  let inFlight: Promise<void> | undefined;

  const skip = (why: string) => {
    memory.pendingSkips = (memory.pendingSkips ?? 0) + 1;
    log.warn('skipped a run: the previous one is still in flight', { reason: why });
  };
  const once = (): Promise<void> => {
    if (inFlight) {
      skip('tick');
      return Promise.resolve();
    }
    const run = runOnce(cfg.run, deps, memory)
      .then(() => undefined)
      .catch((err: unknown) => log.error('run failed unexpectedly', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        inFlight = undefined;
      });
    inFlight = run;
    return run;
  };

  const task = cron.createTask(cfg.cron, () => once(), {
    name: 'open-notify-exporter',
    noOverlap: true,
    logger: cronLogger(log),
    ...(cfg.timezone ? { timezone: cfg.timezone } : {}),
  });
  task.on('execution:overlap', () => skip('tick'));
  task.on('execution:missed', (ctx) => log.warn('missed a scheduled run; not running it late', { at: ctx.date.toISOString() }));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const dispose = signals.on((signal) => {
      if (stopping) {
        log.warn('second signal: exiting now', { signal });
        dispose();
        resolve(0);
        return;
      }
      stopping = true;
      void Promise.resolve(task.destroy()).then(async () => {
        if (inFlight) log.info('stopping: waiting for the run in flight', { signal });
        await inFlight;
        log.info('stopped', { signal });
        dispose();
        resolve(0);
      });
    });
    log.info('scheduler started', {
      cron: cfg.cron,
      timezone: cfg.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      run_on_start: cfg.runOnStart,
      output: cfg.run.output,
    });
    void Promise.resolve(task.start()).then(() => {
      if (cfg.runOnStart && !stopping) void once();
    });
  });
}
