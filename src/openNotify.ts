// The Open Notify API: two endpoints, fetched concurrently with bounded
// retries, and validated as untrusted input. Nothing here knows about metrics.
import type { FetchConfig } from './config';
import { httpGet } from './httpGet';
import { AttemptError, withRetries } from './retry';

export const ENDPOINTS = {
  astros: '/astros.json',
  iss_now: '/iss-now.json',
} as const;
export type EndpointName = keyof typeof ENDPOINTS;
export const ENDPOINT_NAMES = Object.keys(ENDPOINTS) as EndpointName[];

export interface Person {
  name: string;
  craft: string;
}
export interface Astros {
  number: number;
  people: Person[];
}
export interface IssNow {
  latitude: number;
  longitude: number;
  timestamp: number;
}
export interface EndpointData {
  astros: Astros;
  iss_now: IssNow;
}

export type Outcome<T> =
  | { ok: true; data: T; durationSeconds: number; attempts: number; attemptSeconds: number[] }
  | { ok: false; reason: string; durationSeconds: number; attempts: number; attemptSeconds: number[] };

export type Collection = { [K in EndpointName]: Outcome<EndpointData[K]> } & {
  /** Unix seconds when the fetches finished. */
  finishedAt: number;
};

export class ValidationError extends Error {}

export interface CollectDeps {
  /** Unix time in milliseconds. */
  now(): number;
  userAgent: string;
  debug(message: string, fields: Record<string, unknown>): void;
  /** Waits between attempts; injectable so unit tests need not sleep. */
  sleep?(ms: number): Promise<void>;
}

const MAX_REDIRECTS = 3;
const MAX_LABEL_CHARS = 256;

export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * Free text from the API becomes label values. Control characters (NUL, CR, …)
 * are legal in the exposition format but trip up tools downstream, and a 10 KB
 * name is no use to anyone: replace the former, cut the latter.
 */
export function cleanLabelText(text: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
  const chars = Array.from(cleaned);
  return chars.length > MAX_LABEL_CHARS ? `${chars.slice(0, MAX_LABEL_CHARS - 1).join('')}…` : cleaned;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectSuccess(json: unknown): Record<string, unknown> {
  if (!isObject(json)) throw new ValidationError('response is not a JSON object');
  if (json.message !== 'success') {
    throw new ValidationError(`"message" is ${oneLine(JSON.stringify(json.message) ?? 'missing', 60)}, not "success"`);
  }
  return json;
}

export function validateAstros(json: unknown): Astros {
  const obj = expectSuccess(json);
  const number = obj.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
    throw new ValidationError(`"number" must be a non-negative integer, got ${oneLine(JSON.stringify(number) ?? 'nothing', 40)}`);
  }
  if (!Array.isArray(obj.people)) throw new ValidationError('"people" must be an array');
  const people: Person[] = [];
  obj.people.forEach((p: unknown, i: number) => {
    if (!isObject(p) || typeof p.name !== 'string' || typeof p.craft !== 'string') {
      throw new ValidationError(`"people[${i}]" must have string "name" and "craft"`);
    }
    people.push({ name: cleanLabelText(p.name), craft: cleanLabelText(p.craft) });
  });
  return { number, people };
}

const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

function coordinate(value: unknown, field: string, limit: number): number {
  let n: number;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) n = Number(value);
  else if (typeof value === 'number') n = value;
  else throw new ValidationError(`"iss_position.${field}" must be a decimal number, got ${oneLine(JSON.stringify(value) ?? 'nothing', 40)}`);
  if (!Number.isFinite(n) || Math.abs(n) > limit) {
    throw new ValidationError(`"iss_position.${field}" ${n} is outside ±${limit}`);
  }
  return n;
}

/** Clock skew tolerated before an API timestamp counts as "in the future". */
const FUTURE_SLACK_SECONDS = 300;

export function validateIssNow(json: unknown, nowSeconds: number): IssNow {
  const obj = expectSuccess(json);
  const pos = obj.iss_position;
  if (!isObject(pos)) throw new ValidationError('"iss_position" must be an object');
  const latitude = coordinate(pos.latitude, 'latitude', 90);
  const longitude = coordinate(pos.longitude, 'longitude', 180);
  const ts = obj.timestamp;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts <= 0) {
    throw new ValidationError(`"timestamp" must be a positive integer, got ${oneLine(JSON.stringify(ts) ?? 'nothing', 40)}`);
  }
  if (ts > nowSeconds + FUTURE_SLACK_SECONDS) {
    throw new ValidationError(`"timestamp" ${ts} is ${ts - Math.floor(nowSeconds)}s in the future`);
  }
  return { latitude, longitude, timestamp: ts };
}

function describeBody(body: Buffer): string {
  const text = body.subarray(0, 2048).toString('utf8');
  if (/^\s*</.test(text)) return 'an HTML page';
  try {
    const json: unknown = JSON.parse(body.toString('utf8'));
    if (isObject(json) && typeof json.reason === 'string') return oneLine(json.reason, 100);
  } catch {
    /* not JSON: fall through */
  }
  return text.trim() === '' ? 'an empty body' : `${JSON.stringify(oneLine(text, 60))}`;
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (/^\s*</.test(text)) throw new ValidationError('response is an HTML page, not JSON');
  if (text.trim() === '') throw new ValidationError('response body is empty');
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(`response is not valid JSON (${body.length} bytes)`);
  }
}

async function fetchOnce<K extends EndpointName>(
  name: K,
  cfg: FetchConfig,
  deps: CollectDeps,
): Promise<EndpointData[K]> {
  // Relative to the base, so an API mounted under a path prefix works too.
  const url = new URL(ENDPOINTS[name].slice(1), cfg.apiUrl.endsWith('/') ? cfg.apiUrl : `${cfg.apiUrl}/`).toString();
  const res = await httpGet(url, {
    timeoutMs: cfg.timeoutMs,
    maxBodyBytes: cfg.maxBodyBytes,
    maxRedirects: MAX_REDIRECTS,
    userAgent: deps.userAgent,
  });
  if (res.status < 200 || res.status > 299) {
    const retryable = res.status >= 500 || res.status === 429;
    throw new AttemptError(`HTTP ${res.status}: ${describeBody(res.body)}`, retryable);
  }
  const json = parseJson(res.body);
  const data = name === 'astros' ? validateAstros(json) : validateIssNow(json, deps.now() / 1000);
  return data as EndpointData[K];
}

export async function fetchEndpoint<K extends EndpointName>(
  name: K,
  cfg: FetchConfig,
  deps: CollectDeps,
): Promise<Outcome<EndpointData[K]>> {
  const r = await withRetries(() => fetchOnce(name, cfg, deps), {
    retries: cfg.retries,
    sleep: deps.sleep,
    onAttempt(attempt, err) {
      if (!err) deps.debug('attempt succeeded', { endpoint: name, attempt });
      else deps.debug('attempt failed', { endpoint: name, attempt, reason: err.message, retryable: err instanceof AttemptError && err.retryable });
    },
  });
  const timing = { durationSeconds: r.durationSeconds, attempts: r.attempts, attemptSeconds: r.attemptSeconds };
  return r.ok ? { ok: true, data: r.value, ...timing } : { ok: false, reason: r.reason, ...timing };
}

export async function collect(cfg: FetchConfig, deps: CollectDeps): Promise<Collection> {
  const [astros, iss_now] = await Promise.all([
    fetchEndpoint('astros', cfg, deps),
    fetchEndpoint('iss_now', cfg, deps),
  ]);
  return { astros, iss_now, finishedAt: deps.now() / 1000 };
}
