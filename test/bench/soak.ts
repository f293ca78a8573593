// The scheduler's code path run N times in one process (runOnce with the
// state kept in memory, and the refresh loop's collection between runs),
// for RSS growth and CPU per cycle.
// Usage: node --expose-gc soak.js BASE_URL OUTPUT CYCLES
import { createLogger } from '../../src/lib/log';
import { collectBetweenRuns } from '../../src/modes/loop';
import { runOnce } from '../../src/modes/once';
import type { Memory } from '../../src/modes/pipeline';

async function soak(base: string, output: string, cycles: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const memory: Memory = {};
  const deps = {
    now: () => Date.now(),
    log: createLogger({ format: 'logfmt', level: 'error' }, (l) => void process.stderr.write(l)),
    version: 'bench',
    nodejs: process.versions.node,
    writeStdout: () => Promise.resolve(),
  };
  const cfg = { fetch: { apiUrl: base, timeoutMs: 5000, retries: 0, maxBodyBytes: 1024 * 1024, maxPeople: 500 }, output, labels: {} };
  // Long enough for V8 to tier up: optimised code pulls pages of the node
  // binary into RSS, which is start-up cost, not growth.
  const warmup = 500;
  let rssAfterWarmup = 0;
  let heapAfterWarmup = 0;
  let cpu = process.cpuUsage();
  let t0 = performance.now();
  for (let i = 0; i < warmup + cycles; i++) {
    if (i === warmup) {
      gc();
      rssAfterWarmup = process.memoryUsage().rss;
      heapAfterWarmup = process.memoryUsage().heapUsed;
      cpu = process.cpuUsage();
      t0 = performance.now();
    }
    const code = await runOnce(cfg, deps, memory);
    if (code !== 0) throw new Error(`cycle ${i} exited ${code}`);
    // As the refresh loop does after each run; cycle i stands for second i of a 1 s cadence.
    collectBetweenRuns(i * 1000);
  }
  const used = process.cpuUsage(cpu);
  const measured = cycles;
  gc();
  const rssEnd = process.memoryUsage().rss;
  const heapEnd = process.memoryUsage().heapUsed;
  process.stdout.write(
    `${JSON.stringify({
      cycles,
      warmup,
      rss_after_warmup_mib: rssAfterWarmup / 1048576,
      rss_end_mib: rssEnd / 1048576,
      growth_mib: (rssEnd - rssAfterWarmup) / 1048576,
      heap_growth_mib: (heapEnd - heapAfterWarmup) / 1048576,
      cpu_ms_per_cycle: (used.user + used.system) / 1000 / measured,
      wall_ms_per_cycle: (performance.now() - t0) / measured,
      runs_total: memory.state?.runsTotal,
    })}\n`,
  );
}

void soak(process.argv[2], process.argv[3], Number(process.argv[4] ?? 2000));
