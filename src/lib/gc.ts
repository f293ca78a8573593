// A full garbage collection between runs of a long-running mode, at most
// once a minute. V8 sizes its old generation by how much survived the last
// full collection and lets it grow before collecting again; with the small
// young generation the daemons run with, each run's short-lived objects are
// promoted, and RSS crept up run after run (schedule at a 1 s cadence: 53 ->
// 57 MiB over 10 minutes; 3,000 back-to-back runs: 46 -> 57 MiB). One full
// collection a minute keeps it flat (46.4 MiB after 3,000 runs) for ~0.01 ms
// of CPU per run at that cadence (npm run bench, daemons and soak).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const EVERY_MS = 60_000;
let gc: (() => void) | undefined;
let last = 0;

/** After a run: collect if the last forced collection is a minute old. */
export function collectBetweenRuns(nowMs: number = Date.now()): void {
  if (nowMs - last < EVERY_MS) return;
  last = nowMs;
  if (!gc) {
    // Node's documented way to reach gc() without starting node with --expose-gc
    // (which NODE_OPTIONS does not accept on Node.js 20).
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
