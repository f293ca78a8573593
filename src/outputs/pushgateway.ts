// Handing the exposition text to a Pushgateway as a PUT (the group is
// replaced). Our own HTTP client, not prom-client's Pushgateway: its
// url.parse is deprecated on Node 24 (DEP0169, fixed only in the renamed
// package), it counts a 3xx as success, and it does not escape grouping values.
import { CONTENT_TYPE } from '../contract/registry';
import { oneLine, redactUrl } from '../lib/format';
import { httpRequest } from '../lib/http';
import { AttemptError } from '../lib/retry';

export interface PushTarget {
  gateway: string;
  job: string;
  grouping: Record<string, string>;
  timeoutMs: number;
  userAgent: string;
}

/** A gateway's answer is a short status text: what is read of it, the rest dropped (a 2xx is a success whatever it says). */
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

/** One PUT; throws an AttemptError (retryable for network errors, 5xx and 429) unless the gateway answers 2xx. */
export async function pushText(t: PushTarget, text: string): Promise<void> {
  const res = await httpRequest(groupUrl(t.gateway, t.job, t.grouping), {
    method: 'PUT',
    body: text,
    contentType: CONTENT_TYPE,
    accept: '*/*',
    timeoutMs: t.timeoutMs,
    maxBodyBytes: MAX_ANSWER_BYTES,
    cutAtCap: true,
    maxRedirects: 0,
    userAgent: t.userAgent,
  });
  if (res.status >= 200 && res.status < 300) return;
  if (res.status >= 300 && res.status < 400) {
    // Not followed: nothing was stored, and the PUT's body is not sent twice.
    const to = res.location ? ` to ${redactUrl(res.location)}` : '';
    throw new AttemptError(`HTTP ${res.status} redirect${to}, not followed: nothing was stored (point --gateway at the Pushgateway itself)`, false);
  }
  const body = oneLine(res.body.toString('utf8'));
  throw new AttemptError(`HTTP ${res.status}${body ? `: ${body}` : ''}`, res.status >= 500 || res.status === 429);
}
