// `push`: one run handed to a Pushgateway as a PUT (the group is replaced),
// for jobs that cannot be scraped. Our own HTTP client, not prom-client's
// Pushgateway: its url.parse is deprecated on Node 24 (DEP0169), it counts
// a 3xx as success, and it does not escape grouping values.
import type { CollectConfig } from './config';
import { ExitCode } from './config';
import { httpRequest } from './httpGet';
import { oneLine } from './openNotify';
import { AttemptError, withRetries } from './retry';
import { produce, summarize, type RunDeps } from './run';
import { emptyState } from './state';
import { elapsedSeconds, monotonicMs } from './clock';

export interface PushConfig extends CollectConfig {
  gateway: string;
  job: string;
  grouping: Record<string, string>;
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** A gateway's answer is a short status text; more is not read. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One path segment pair of the grouping key. A value that is empty, `.`,
 * `..` or holds anything but [A-Za-z0-9_.:-] goes in the Pushgateway's
 * base64 form: a plain `/` would split it, `..` would be cleaned away with
 * the label before it, and `%2F` would be decoded into another group.
 */
export function groupingSegment(name: string, value: string): string {
  if (/^[A-Za-z0-9_.:-]+$/.test(value) && value !== '.' && value !== '..') return `${name}/${value}`;
  return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
}

export function groupUrl(gateway: string, job: string, grouping: Record<string, string>): string {
  const segments = [groupingSegment('job', job), ...Object.entries(grouping).map(([k, v]) => groupingSegment(k, v))];
  return `${gateway.replace(/\/+$/, '')}/metrics/${segments.join('/')}`;
}

async function pushOnce(cfg: PushConfig, text: string, userAgent: string): Promise<void> {
  const res = await httpRequest(groupUrl(cfg.gateway, cfg.job, cfg.grouping), {
    method: 'PUT',
    body: text,
    contentType: CONTENT_TYPE,
    accept: '*/*',
    timeoutMs: cfg.fetch.timeoutMs,
    maxBodyBytes: MAX_ANSWER_BYTES,
    maxRedirects: 0,
    userAgent,
  });
  if (res.status >= 200 && res.status < 300) return;
  if (res.status >= 300 && res.status < 400) {
    // Not followed: nothing was stored, and the PUT's body is not sent twice.
    const to = res.location ? ` to ${res.location}` : '';
    throw new AttemptError(`HTTP ${res.status} redirect${to}, not followed: nothing was stored (point --gateway at the Pushgateway itself)`, false);
  }
  const body = oneLine(res.body.toString('utf8'));
  throw new AttemptError(`HTTP ${res.status}${body ? `: ${body}` : ''}`, res.status >= 500 || res.status === 429);
}

export async function runPush(cfg: PushConfig, deps: RunDeps): Promise<number> {
  const started = monotonicMs();
  // Nothing carries between pushes: the counters describe this one run.
  const { collection, text } = await produce(cfg, deps, emptyState());
  const { failed, outcome, fields } = summarize(collection);
  const pushed = await withRetries(() => pushOnce(cfg, text, `open-notify-exporter/${deps.version}`), {
    retries: cfg.fetch.retries,
    onAttempt(attempt, err) {
      if (err) deps.log.debug('push attempt failed', { attempt, reason: err.message, retryable: err instanceof AttemptError && err.retryable });
    },
  });
  if (!pushed.ok) {
    deps.log.error(`cannot push to ${cfg.gateway}: ${pushed.reason}`, { ...fields, job: cfg.job });
    return ExitCode.pushFailed;
  }
  const summary = {
    outcome,
    ...fields,
    duration: elapsedSeconds(started),
    gateway: cfg.gateway,
    job: cfg.job,
  };
  if (failed.length === 0) {
    deps.log.info('pushed', summary);
    return ExitCode.ok;
  }
  deps.log.error('pushed with failed endpoints', summary);
  return ExitCode.endpointFailed;
}
