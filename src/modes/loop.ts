// The refresh loop shared by `schedule` and `serve`: a job on a node-cron
// expression or a fixed interval, never two at once, stopped by signals.
import type { Trigger } from '../config/config';
import type { Logger } from '../lib/log';
import type { Memory } from './pipeline';


export type SignalName = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

/** Where stop signals come from; injectable so the loop can run in-process. */
export interface Signals {
  on(handler: (signal: SignalName) => void): () => void;
}

const processSignals: Signals = {
  on(handler) {
    // SIGHUP is a daemon's reload (LoopOptions.onReload); unhandled, it would kill the process without a line.
    const names: SignalName[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
    const handlers = names.map((name) => [name, () => handler(name)] as const);
    for (const [name, h] of handlers) process.on(name, h);
    return () => {
      for (const [name, h] of handlers) process.off(name, h);
    };
  },
};

export interface LoopOptions {
  log: Logger;
  runOnStart: boolean;
  /** Counts a tick that came while the job was still running (it is not run) into the next output. */
  memory: Memory;
  /** What a job is called in the skip's log line: a run, a refresh. */
  job: string;
  /** After the first signal, once the job in flight (if any) has finished. */
  onStop?(): Promise<void>;
  /** SIGHUP: re-read what can be re-read, log one line, go on. */
  onReload(): void | Promise<void>;
  signals?: Signals;
}

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

/**
 * A full garbage collection after a run, at most once a minute, where node
 * runs with --expose-gc (the scheduler unit's and the image's NODE_OPTIONS).
 * With the daemons' 1 MiB young generation each run's short-lived objects
 * are promoted, and V8 let the old generation, and RSS, grow run after run:
 * over 2,000 runs 5 to 7 MiB without it, 0.00 MiB with it (npm run bench,
 * soak, 2026-12-06).
 */
let lastCollection = 0;
export function collectBetweenRuns(nowMs: number = Date.now()): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc || nowMs - lastCollection < 60_000) return;
  lastCollection = nowMs;
  gc();
}

interface Ticker {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

function cronTicker(t: { cron: string; timezone?: string }, tick: () => Promise<void>, onSkip: () => void, log: Logger): Ticker {
  const cron = require('node-cron') as typeof import('node-cron');
  // An unknown zone in TZ is UTC to Node.js without a word; --timezone is checked, TZ is said here.
  if (!t.timezone && process.env.TZ && !Intl.DateTimeFormat().resolvedOptions().timeZone) log.warn(`TZ=${process.env.TZ} is not a time zone Node.js knows: the schedule runs in UTC`);
  // node-cron needs both day fields to match where crontab(5) takes either: '0 0 29 2 1' is next in 2044. Said, not guessed.
  const next = () => task.getNextRun()?.toISOString() ?? 'never';
  const task = cron.createTask(t.cron, () => tick().finally(() => log.debug('next scheduled run', { at: next() })), {
    name: 'open-notify-exporter',
    noOverlap: true,
    logger: cronLogger(log),
    ...(t.timezone ? { timezone: t.timezone } : {}),
  });
  // With noOverlap node-cron does not call us while a run is pending; it says so here.
  task.on('execution:overlap', onSkip);
  task.on('execution:missed', (ctx) => log.warn('missed a scheduled run; not running it late', { at: ctx.date.toISOString() }));
  return {
    async start() {
      await task.start();
      log.info('next scheduled run', { at: next() });
    },
    stop: () => task.destroy(),
  };
}

function intervalTicker(everyMs: number, tick: () => Promise<void>): Ticker {
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      timer = setInterval(() => void tick(), everyMs);
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/**
 * Runs `job` on the trigger until SIGTERM, SIGINT or SIGHUP. The first signal
 * stops the ticks and aborts the job in flight through `signal` (its fetches
 * end at once; the job decides what to keep); a second resolves at once.
 * Resolves with exit code 0.
 */
export function runLoop(trigger: Trigger, job: (signal: AbortSignal) => Promise<void>, o: LoopOptions): Promise<number> {
  const log = o.log;
  const stop = new AbortController();
  let inFlight: Promise<void> | undefined;
  const onSkip = (): void => {
    // Written by the next output: the job in flight already has its state.
    o.memory.pendingSkips = (o.memory.pendingSkips ?? 0) + 1;
    log.warn(`skipped a ${o.job}: the previous one is still in flight`);
  };
  const tick = (): Promise<void> => {
    if (inFlight) {
      onSkip();
      return Promise.resolve();
    }
    const run = job(stop.signal)
      .catch((err: unknown) => log.error('run failed unexpectedly', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        inFlight = undefined;
        collectBetweenRuns();
      });
    inFlight = run;
    return run;
  };
  const ticker = 'cron' in trigger ? cronTicker(trigger, tick, onSkip, log) : intervalTicker(trigger.everyMs, tick);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const dispose = (o.signals ?? processSignals).on((signal) => {
      if (signal === 'SIGHUP') {
        if (!stopping) void Promise.resolve(o.onReload()).catch((err: unknown) => log.error('reload failed', { error: err instanceof Error ? err.message : String(err) }));
        return;
      }
      if (stopping) {
        log.warn('second signal: exiting now', { signal });
        dispose();
        resolve(0);
        return;
      }
      stopping = true;
      stop.abort();
      void Promise.resolve(ticker.stop()).then(async () => {
        await inFlight;
        await o.onStop?.();
        log.info('stopped', { signal });
        dispose();
        resolve(0);
      });
    });
    void Promise.resolve(ticker.start()).then(() => {
      if (o.runOnStart && !stopping) void tick();
    });
  });
}
