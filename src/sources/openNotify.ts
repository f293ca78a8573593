// What Open Notify's two endpoints share: one base URL and a
// {"message": "success", ...} envelope. The API is unmaintained (its code
// last changed in 2016) and answers failures as 503 JSON, 504 HTML pages or
// frozen data under 200 OK; every answer is validated as untrusted.
import type { FetchConfig } from '../config/config';
import { isObject, shown, ValidationError } from './validate';

/** A path relative to the base URL, so an API mounted under a path prefix works too. */
export function apiUrl(cfg: FetchConfig, file: string): string {
  return new URL(file, cfg.apiUrl.endsWith('/') ? cfg.apiUrl : `${cfg.apiUrl}/`).toString();
}

export function expectSuccess(json: unknown): Record<string, unknown> {
  if (!isObject(json)) throw new ValidationError('response is not a JSON object');
  if (json.message !== 'success') {
    throw new ValidationError(`"message" is ${json.message === undefined ? 'missing' : shown(json.message, 60)}, not "success"`);
  }
  return json;
}
