// A monotonic clock in milliseconds. Not performance.now(): its first use
// loads perf_hooks (11 modules: +1.2 ms, +0.7 MiB on a bare node, npm run
// bench's figures for start-up), which a one-shot run would pay every start.
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function elapsedSeconds(sinceMs: number): string {
  return `${((monotonicMs() - sinceMs) / 1000).toFixed(3)}s`;
}
