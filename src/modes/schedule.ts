// Long-running mode: the one-shot run on a node-cron schedule, with the
// carried state kept in memory between runs.
import type { ScheduleConfig } from '../config/config';
import { runLoop } from './loop';
import { runOnce } from './once';
import type { Memory, RunDeps } from './pipeline';

export function runSchedule(cfg: ScheduleConfig, deps: RunDeps): Promise<number> {
  const memory: Memory = {};
  deps.log.info('scheduler started', {
    cron: cfg.cron,
    timezone: cfg.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    run_on_start: cfg.runOnStart,
    output: cfg.run.output,
    version: deps.version,
  });
  return runLoop({ cron: cfg.cron, timezone: cfg.timezone }, async (signal) => void (await runOnce(cfg.run, { ...deps, signal }, memory)), {
    log: deps.log,
    runOnStart: cfg.runOnStart,
    memory,
    job: 'run',
    onReload: () => deps.log.info('received SIGHUP: nothing to reload (the settings are flags and environment); going on'),
  });
}
