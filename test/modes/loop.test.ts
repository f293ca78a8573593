// The refresh loop of schedule and serve, in-process: a tick during a run is
// skipped, the first signal aborts the run in flight and waits for it, a
// second resolves at once, SIGHUP reloads, and a full collection follows a
// run at most once a minute where gc is exposed.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/lib/log';
import { runLoop, type SignalName, type Signals } from '../../src/modes/loop';
import type { Memory } from '../../src/modes/pipeline';

/** Signals sent by the test; after it (passed or failed) two SIGTERMs end a loop still running. */
function fakeSignals(t: TestContext): Signals & { send(s: SignalName): void } {
  let handler: ((s: SignalName) => void) | undefined;
  const send = (s: SignalName) => handler?.(s);
  t.after(() => {
    send('SIGTERM');
    send('SIGTERM');
  });
  return {
    on(h) {
      handler = h;
      return () => (handler = undefined);
    },
    send,
  };
}

const lines: string[] = [];
const log = createLogger({ format: 'logfmt', level: 'debug' }, (l) => lines.push(l));

/** A job that runs until released or aborted, and says which. */
function slowJob() {
  const runs: ('done' | 'aborted')[] = [];
  let release: (() => void) | undefined;
  const job = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const finish = (how: 'done' | 'aborted') => {
        runs.push(how);
        resolve();
      };
      release = () => finish('done');
      signal.addEventListener('abort', () => finish('aborted'), { once: true });
    });
  return { job, runs, release: () => release?.() };
}

describe('runLoop', () => {
  it('a tick while a run is in flight is skipped and reported; the first signal aborts the run, waits for it, stops, resolves 0', async (t) => {
    const signals = fakeSignals(t);
    const { job, runs } = slowJob();
    const memory: Memory = {};
    let stopped = false;
    const done = runLoop({ everyMs: 20 }, job, { log, runOnStart: true, signals, memory, job: 'run', onStop: () => Promise.resolve(void (stopped = true)), onReload: () => {} });
    await sleep(120);
    const skips = lines.filter((l) => l.includes('msg="skipped a run: the previous one is still in flight"')).length;
    assert.ok(skips >= 3, `${skips} skips logged`);
    assert.deepEqual(runs, [], 'the first run is still in flight');
    signals.send('SIGTERM');
    assert.equal(await done, 0);
    assert.deepEqual(runs, ['aborted']);
    assert.ok(stopped, 'onStop ran after the run ended');
  });

  it('a second signal resolves at once, without waiting for the run', async (t) => {
    const signals = fakeSignals(t);
    let aborted = false;
    // A job that ignores its abort signal: only the second signal ends the loop.
    const job = (signal: AbortSignal) => new Promise<void>(() => signal.addEventListener('abort', () => (aborted = true)));
    const done = runLoop({ everyMs: 60_000 }, job, { log, runOnStart: true, signals, memory: {}, job: 'run', onReload: () => {} });
    await sleep(10);
    signals.send('SIGINT');
    let settled = false;
    void done.then(() => (settled = true));
    await sleep(30);
    assert.ok(aborted && !settled, 'the first signal waits for the run');
    signals.send('SIGTERM');
    assert.equal(await done, 0);
    assert.ok(lines.some((l) => l.includes('second signal: exiting now')));
  });

  it('SIGHUP reloads and the loop goes on running', async (t) => {
    const signals = fakeSignals(t);
    let reloads = 0;
    let runs = 0;
    const done = runLoop({ everyMs: 10 }, () => Promise.resolve(void (runs += 1)), { log, runOnStart: false, signals, memory: {}, job: 'run', onReload: () => void (reloads += 1) });
    signals.send('SIGHUP');
    await sleep(60);
    assert.equal(reloads, 1);
    assert.ok(runs >= 2, `${runs} runs after the reload`);
    signals.send('SIGTERM');
    assert.equal(await done, 0);
  });
});

describe('collectBetweenRuns', () => {
  // In a child process, as the units run it: V8's own record of its full collections (perf_hooks' gc entries)
  // over three simulated minutes of runs a second.
  const majorCollections = (flags: string[]): number => {
    const script = `
      const { PerformanceObserver, constants } = require('node:perf_hooks');
      const { collectBetweenRuns } = require(${JSON.stringify(require.resolve('../../src/modes/loop'))});
      let major = 0;
      new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major += 1; }).observe({ entryTypes: ['gc'] });
      for (let s = 0; s <= 180; s += 1) collectBetweenRuns(600000 + s * 1000);
      setTimeout(() => process.stdout.write(String(major)), 200);`;
    const r = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    return Number(r.stdout);
  };
  it('with --expose-gc, a full collection at most once a minute: 4 over 181 runs a second apart', () => {
    assert.equal(majorCollections(['--expose-gc']), 4, 'at 0, 60, 120 and 180 s');
  });
  it('without --expose-gc, none', () => {
    assert.equal(majorCollections([]), 0);
  });
});
