// The one-shot run, as cron or a systemd timer starts it: fetch, write the
// .prom file atomically (or standard output), one log line, an exit code.
import { resolve } from 'node:path';
import type { RunConfig } from '../config/config';
import { ExitCode } from '../config/config';
import { monotonicMs } from '../lib/clock';
import { stdoutFailure } from '../lib/fs';
import { resolveOutput, sweepLeftovers, WriteError, writeTextfile, type Output } from '../outputs/textfile';
import { enabledSources } from '../sources/table';
import { finish, loadState, produce, summarize, type Memory, type RunDeps } from './pipeline';

const STDOUT = '-';

export async function runOnce(cfg: RunConfig, deps: RunDeps, memory: Memory = {}): Promise<number> {
  const started = monotonicMs();
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
  const prev = loadState(memory, deps.log, endpoints, output?.target);
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
      const result = await writeTextfile(output, text, sweeping);
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
