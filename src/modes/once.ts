// The one-shot run, as cron or a systemd timer starts it: fetch, write the
// .prom file atomically (or standard output), one log line, an exit code.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunConfig } from '../config/config';
import { ExitCode } from '../config/config';
import { maxPreviousBytes } from '../contract/previous';
import { stdoutFailure } from '../lib/fs';
import { resolveOutput, sweepLeftovers, WriteError, writeTextfile, type Output } from '../outputs/textfile';
import { enabledSources } from '../sources/table';
import { finish, loadState, produce, summarize, type Memory, type RunDeps } from './pipeline';

const STDOUT = '-';

/**
 * A long-running mode keeps its counters in memory, so a second writer of
 * the same file (another schedule, or the timer) makes both go backwards in
 * turn. Its file changing between our writes shows it: said once, naming it.
 */
function noticeOtherWriter(memory: Memory, target: string, log: RunDeps['log']): void {
  const was = memory.written;
  if (!was || memory.otherWriterSeen) return;
  const now = statSync(target, { throwIfNoEntry: false });
  if (now && now.ino === was.ino && now.size === was.size && now.mtimeMs === was.mtimeMs) return;
  memory.otherWriterSeen = true;
  log.warn(`${target} was replaced by another writer since this process last wrote it; one writer per file, or the counters of both go backwards`, { output: target });
}

export async function runOnce(cfg: RunConfig, deps: RunDeps, memory: Memory = {}): Promise<number> {
  const started = performance.now();
  let output: Output | undefined;
  if (cfg.output !== STDOUT) {
    // Before any fetch or read: a device, FIFO or socket at the output path is refused untouched.
    try {
      output = resolveOutput(cfg.output);
    } catch (err) {
      deps.log.error(err instanceof WriteError ? err.message : `cannot write ${cfg.output}: ${String(err)}`, { output: cfg.output });
      return ExitCode.writeFailed;
    }
  }
  const endpoints = enabledSources(cfg.fetch).map((s) => s.name);
  const prev = loadState(memory, deps.log, endpoints, output && { path: output.target, maxBytes: maxPreviousBytes(cfg.fetch.maxPeople) });
  // Leftovers of killed runs are swept while the fetches are in flight.
  const sweeping = output ? sweepLeftovers(output.target) : undefined;
  const { collection, state, text } = await produce(cfg, deps, prev);
  memory.state = state;

  const summary = summarize(collection);
  if (deps.signal?.aborted) {
    // Stopping: the fetches were cut short, so this run's data is not whole; the file keeps the last complete run.
    deps.log.warn('stopping: aborted the run in flight; the output file is left as the last complete run wrote it', { ...summary.fields, output: cfg.output });
    return ExitCode.ok;
  }
  let target: string | undefined;
  try {
    if (!output) {
      await deps.writeStdout(text);
    } else {
      noticeOtherWriter(memory, output.target, deps.log);
      const result = await writeTextfile(output, text, sweeping);
      const st = statSync(output.target, { throwIfNoEntry: false });
      if (st) memory.written = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
      if (result.path !== resolve(cfg.output)) target = result.path;
      for (const f of result.swept) deps.log.warn('removed a temp file left by an interrupted run', { file: f });
    }
  } catch (err) {
    const message = err instanceof WriteError ? err.message : output ? `cannot write ${cfg.output}: ${String(err)}` : stdoutFailure(err);
    deps.log.error(message, { ...summary.fields, output: cfg.output });
    return ExitCode.writeFailed;
  }
  return finish(deps.log, summary, started, { ok: 'run finished', failed: 'run finished with failed endpoints' }, { output: cfg.output, target });
}
