// Untrusted JSON from an API, checked field by field. Every source's
// validation fails with a ValidationError whose message names the field.
import { isObject, oneLine } from '../lib/format';

export { isObject };

export class ValidationError extends Error {}



/** A value as it appeared, for an error message: `got "NaN"`, `got nothing`. */
export function shown(v: unknown, max = 40): string {
  return oneLine(JSON.stringify(v) ?? 'nothing', max);
}

const MAX_LABEL_CHARS = 256;

/**
 * Free text from an API becomes label values. Control characters (NUL, CR, …)
 * are legal in the exposition format but trip up tools downstream, and a 10 KB
 * name is no use to anyone: replace the former, cut the latter.
 */
// eslint-disable-next-line no-control-regex -- replacing control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** A lone UTF-16 surrogate (legal in JSON as `\ud800`): written as U+FFFD in UTF-8, so it is that character here, before names are compared. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function cleanLabelText(text: string): string {
  const cleaned = text.replace(CONTROLS, '\ufffd').replace(LONE_SURROGATE, '\ufffd');
  // At most MAX_LABEL_CHARS UTF-16 units is at most that many code points.
  if (cleaned.length <= MAX_LABEL_CHARS) return cleaned;
  const chars = Array.from(cleaned);
  return chars.length > MAX_LABEL_CHARS ? `${chars.slice(0, MAX_LABEL_CHARS - 1).join('')}…` : cleaned;
}

/** What an error answer said, in a few words. */
export function describeBody(body: Buffer): string {
  const text = body.subarray(0, 2048).toString('utf8');
  if (/^\s*</.test(text)) return 'an HTML page';
  try {
    const json: unknown = JSON.parse(body.toString('utf8'));
    // Open Notify says why in `reason`; wheretheiss.at in `error` ({"error":"satellite not found","status":404}).
    if (isObject(json) && typeof json.reason === 'string') return oneLine(json.reason, 100);
    if (isObject(json) && typeof json.error === 'string') return oneLine(json.error, 100);
  } catch {
    /* not JSON: fall through */
  }
  return text.trim() === '' ? 'an empty body' : `${JSON.stringify(oneLine(text, 60))}`;
}

export function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (/^\s*</.test(text)) throw new ValidationError('response is an HTML page, not JSON');
  if (text.trim() === '') throw new ValidationError('response body is empty');
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(`response is not valid JSON (${body.length} bytes)`);
  }
}

/**
 * A list of people, at most `max` long: bound the input rather than work
 * around it. Never more than ~20 people have been in space at once; an
 * answer listing thousands is a bug or an attack, refused before any of it
 * is looked at, as Prometheus' own sample_limit refuses a scrape.
 */
export function peopleList(v: unknown, max: number): unknown[] {
  if (!Array.isArray(v)) throw new ValidationError('"people" must be an array');
  if (v.length > max) throw new ValidationError(`"people" lists ${v.length} people, more than --max-people ${max}`);
  return v;
}

/** A non-negative whole number, as a count of people must be. */
export function count(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ValidationError(`"${field}" must be a non-negative integer, got ${shown(v)}`);
  }
  return v;
}

/** Clock skew tolerated before an API timestamp counts as "in the future". */
const FUTURE_SLACK_SECONDS = 300;

/** Unix seconds, a positive integer not more than 5 minutes ahead of our clock. */
export function unixSeconds(v: unknown, field: string, nowSeconds: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new ValidationError(`"${field}" must be a positive integer, got ${shown(v)}`);
  }
  if (v > nowSeconds + FUTURE_SLACK_SECONDS) {
    throw new ValidationError(`"${field}" ${v} is ${v - Math.floor(nowSeconds)}s in the future`);
  }
  return v;
}
