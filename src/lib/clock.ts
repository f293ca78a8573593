// A monotonic clock in milliseconds. Not performance.now(): its first use
// loads perf_hooks, which a one-shot would pay every start (npm run bench, startup).
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function elapsedSeconds(sinceMs: number): string {
  return `${((monotonicMs() - sinceMs) / 1000).toFixed(3)}s`;
}
