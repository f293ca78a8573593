// `push`: one run handed to a Pushgateway, for jobs that cannot be scraped.
import type { PushConfig } from '../config/config';
import { ExitCode } from '../config/config';
import { emptyState } from '../contract/state';
import { redactUrl, userAgent } from '../lib/format';
import { AttemptError, withRetries } from '../lib/retry';
import { pushText } from '../outputs/pushgateway';
import { enabledSources } from '../sources/table';
import { finish, produce, summarize, type RunDeps } from './pipeline';

export async function runPush(cfg: PushConfig, deps: RunDeps): Promise<number> {
  const started = performance.now();
  // Nothing carries between pushes: the counters describe this one run.
  const { collection, text } = await produce(cfg, deps, emptyState(enabledSources(cfg.fetch).map((s) => s.name)));
  const summary = summarize(collection);
  const target = { gateway: cfg.gateway, job: cfg.job, grouping: cfg.grouping, timeoutMs: cfg.fetch.timeoutMs, userAgent: userAgent(deps.version) };
  const pushed = await withRetries(() => pushText(target, text), {
    retries: cfg.fetch.retries,
    onAttempt(attempt, err) {
      if (err) deps.log.debug('push attempt failed', { attempt, reason: err.message, retryable: err instanceof AttemptError && err.retryable });
    },
  });
  // The gateway URL may carry basic-auth credentials: never logged.
  const gateway = redactUrl(cfg.gateway);
  if (!pushed.ok) {
    deps.log.error(`cannot push to ${gateway}: ${pushed.reason}`, { ...summary.fields, job: cfg.job });
    return ExitCode.pushFailed;
  }
  return finish(deps.log, summary, started, { ok: 'pushed', failed: 'pushed with failed endpoints' }, { gateway, job: cfg.job });
}
