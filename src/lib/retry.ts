// One way to try again: bounded attempts with jittered exponential backoff,
// used by every API fetch and by the push.

/** Why an attempt failed, and whether another attempt may help (network errors, timeouts, 5xx, 429). */
export class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

// The API asks for no more than one request every 5 s; a few quick retries
// inside one run are still polite, a storm is not. Full jitter around an
// exponential base keeps many hosts on one cron minute from retrying in step.
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 4000;
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface RetryOptions {
  /** Extra attempts after the first. */
  retries: number;
  /** Waits between attempts; injectable so unit tests need not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Told of every attempt, for the verbose log. */
  onAttempt?: (attempt: number, error?: AttemptError | Error) => void;
  /** A stop signal: no further attempt, and the backoff wait cut short. */
  signal?: AbortSignal;
}

/** Why a stopped retry loop gave up. */
export const STOPPED = 'aborted: stopping';

interface Timing {
  attempts: number;
  /** Seconds per attempt, for the request-duration histogram. */
  attemptSeconds: number[];
  /** Seconds in all, backoff included. */
  durationSeconds: number;
}

export type Attempted<T> = ({ ok: true; value: T } | { ok: false; reason: string }) & Timing;

/** Waits `ms`, or less if the stop signal comes first; loaded at the first retry only. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  const { setTimeout: sleep } = require('node:timers/promises') as typeof import('node:timers/promises');
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}

/**
 * Runs `attempt` until it succeeds, throws an error that is not a retryable
 * AttemptError, or 1 + retries attempts were made. Never throws.
 */
export async function withRetries<T>(attempt: () => Promise<T>, o: RetryOptions): Promise<Attempted<T>> {
  const sleep = o.sleep ?? ((ms: number) => abortableSleep(ms, o.signal));
  const start = performance.now();
  const attemptSeconds: number[] = [];
  const timing = (): Timing => ({ attempts: attemptSeconds.length, attemptSeconds, durationSeconds: (performance.now() - start) / 1000 });
  for (let n = 1; ; n++) {
    const t0 = performance.now();
    try {
      const value = await attempt();
      attemptSeconds.push((performance.now() - t0) / 1000);
      o.onAttempt?.(n);
      return { ok: true, value, ...timing() };
    } catch (err) {
      attemptSeconds.push((performance.now() - t0) / 1000);
      const e = err instanceof Error ? err : new Error(String(err));
      o.onAttempt?.(n, e);
      if (o.signal?.aborted) return { ok: false, reason: STOPPED, ...timing() };
      if (!(e instanceof AttemptError && e.retryable) || n > o.retries) {
        return { ok: false, reason: n > 1 ? `${e.message} (after ${n} attempts)` : e.message, ...timing() };
      }
      await sleep(backoffMs(n));
      if (o.signal?.aborted) return { ok: false, reason: STOPPED, ...timing() };
    }
  }
}
