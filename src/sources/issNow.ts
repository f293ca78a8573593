// Open Notify's /iss-now.json: where the ISS is, computed from orbit data.
// Latitude and longitude come as strings; a timestamp that stops moving
// means the API serves frozen data under 200 OK.
import { METRICS } from '../contract/metrics';
import { apiUrl, expectSuccess } from './openNotify';
import { defineSource, type Earlier } from './source';
import { isObject, shown, unixSeconds, ValidationError } from './validate';

export interface IssNow {
  latitude: number;
  longitude: number;
  timestamp: number;
}

const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

function coordinate(value: unknown, field: string, limit: number): number {
  let n: number;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) n = Number(value);
  else if (typeof value === 'number') n = value;
  else throw new ValidationError(`"iss_position.${field}" must be a decimal number, got ${shown(value)}`);
  if (!Number.isFinite(n) || Math.abs(n) > limit) {
    throw new ValidationError(`"iss_position.${field}" ${n} is outside ±${limit}`);
  }
  return n;
}

export function validateIssNow(json: unknown, nowSeconds: number): IssNow {
  const obj = expectSuccess(json);
  const pos = obj.iss_position;
  if (!isObject(pos)) throw new ValidationError('"iss_position" must be an object');
  const latitude = coordinate(pos.latitude, 'latitude', 90);
  const longitude = coordinate(pos.longitude, 'longitude', 180);
  return { latitude, longitude, timestamp: unixSeconds(obj.timestamp, 'timestamp', nowSeconds) };
}

export const issNow = defineSource<IssNow>({
  name: 'iss_now',
  url: (cfg) => apiUrl(cfg, 'iss-now.json'),
  validate: validateIssNow,
  fill(data, sink) {
    sink.family(METRICS.issLatitude).set(data.latitude);
    sink.family(METRICS.issLongitude).set(data.longitude);
    sink.family(METRICS.issTimestamp).set(data.timestamp);
  },
});

/** This run's Open Notify position, for the sources that compare against it. */
export function issNowOf(earlier: Earlier): IssNow | undefined {
  return earlier.data(issNow.name) as IssNow | undefined;
}
