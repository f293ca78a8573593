// wheretheiss.at: an independent ISS position (with altitude, velocity and
// whether it is sunlit), asked for the instant Open Notify gave in this run,
// so the two positions can be compared: the ISS moves ~7.7 km every second.
// Opt-in (--cross-check). Its fair use is about one request a second.
import { METRICS } from '../contract/metrics';
import { greatCircleKm } from '../lib/geo';
import { issNow, issNowOf } from './issNow';
import { defineSource, type Earlier } from './source';
import { isObject, shown, unixSeconds, ValidationError } from './validate';

/** The ISS's NORAD catalogue number, as wheretheiss.at names satellites. */
const ISS = 25544;

export interface IssPosition {
  latitude: number;
  longitude: number;
  altitudeKm: number;
  velocityKmh: number;
  /** Undefined when `visibility` was a value we do not know: only open_notify_iss_sunlit is left out. */
  sunlit: boolean | undefined;
  timestamp: number;
  /** How far Open Notify's position of the same instant is from this one; undefined without one. */
  errorMeters?: number;
}

/**
 * `visibility` as wheretheiss.at answers it. `visible` was seen on a real
 * answer (GET /v1/satellites/25544, 2021-07-27T07:17:10Z) while its own
 * solar fields put the ISS in sunlight.
 */
const SUNLIT: Record<string, boolean> = { daylight: true, visible: true, eclipsed: false };

function inRange(obj: Record<string, unknown>, field: string, min: number, max: number, what: string): number {
  const v = obj[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValidationError(`"${field}" must be a number, got ${shown(v)}`);
  if (v < min || v > max) throw new ValidationError(`"${field}" ${v} is outside ${min}…${max} ${what}`);
  return v;
}

export function validateWheretheiss(json: unknown, nowSeconds: number, askedFor?: number, warn?: (message: string) => void): IssPosition {
  let obj: unknown = json;
  if (askedFor !== undefined) {
    // /positions?timestamps=T answers an array, one position per timestamp asked.
    if (!Array.isArray(json) || json.length !== 1) throw new ValidationError('response must be an array of one position');
    obj = json[0];
  }
  if (!isObject(obj)) throw new ValidationError('response is not a JSON object');
  if (obj.id !== undefined && obj.id !== ISS) throw new ValidationError(`"id" is ${shown(obj.id)}, not the ISS (${ISS})`);
  if (obj.units !== undefined && obj.units !== 'kilometers') throw new ValidationError(`"units" is ${shown(obj.units)}, not "kilometers"`);
  const latitude = inRange(obj, 'latitude', -90, 90, 'degrees');
  const longitude = inRange(obj, 'longitude', -180, 180, 'degrees');
  // Wide bounds around the ISS's ~420 km and ~27,600 km/h: a value outside is not the ISS.
  const altitudeKm = inRange(obj, 'altitude', 150, 2000, 'km');
  const velocityKmh = inRange(obj, 'velocity', 20_000, 35_000, 'km/h');
  // Feeds one decorative series only: an unknown value loses that series, never the position.
  const sunlit = typeof obj.visibility === 'string' && Object.hasOwn(SUNLIT, obj.visibility) ? SUNLIT[obj.visibility] : undefined;
  if (sunlit === undefined) warn?.(`"visibility" is ${shown(obj.visibility)}, not "daylight", "visible" or "eclipsed": open_notify_iss_sunlit left out`);
  const timestamp = unixSeconds(obj.timestamp, 'timestamp', nowSeconds);
  if (askedFor !== undefined && timestamp !== askedFor) throw new ValidationError(`"timestamp" ${timestamp} is not the ${askedFor} asked for`);
  return { latitude, longitude, altitudeKm, velocityKmh, sunlit, timestamp };
}

/** The instant to ask for: Open Notify's in this run, if it gave one. */
const askedFor = (earlier: Earlier) => issNowOf(earlier)?.timestamp;

export const wheretheiss = defineSource<IssPosition>({
  name: 'wheretheiss',
  optIn: true,
  after: [issNow.name],
  url(cfg, earlier) {
    const base = `${cfg.crossCheck!.wheretheissUrl.replace(/\/+$/, '')}/v1/satellites/${ISS}`;
    const t = askedFor(earlier);
    return t === undefined ? base : `${base}/positions?timestamps=${t}`;
  },
  validate(json, nowSeconds, earlier, warn) {
    const p = validateWheretheiss(json, nowSeconds, askedFor(earlier), warn);
    const on = issNowOf(earlier);
    // Only for the same instant: a second apart they differ by ~7.7 km anyway.
    if (!on || on.timestamp !== p.timestamp) return p;
    const meters = greatCircleKm(on.latitude, on.longitude, p.latitude, p.longitude) * 1000;
    return { ...p, errorMeters: Math.round(meters * 1000) / 1000 };
  },
  fill(data, sink) {
    sink.family(METRICS.issAltitude).set(Math.round(data.altitudeKm * 1000 * 1000) / 1000);
    sink.family(METRICS.issVelocity).set(Math.round((data.velocityKmh / 3.6) * 1000) / 1000);
    if (data.sunlit !== undefined) sink.family(METRICS.issSunlit).set(data.sunlit ? 1 : 0);
    sink.family(METRICS.referenceLatitude).set(data.latitude);
    sink.family(METRICS.referenceLongitude).set(data.longitude);
    if (data.errorMeters !== undefined) sink.family(METRICS.positionError).set(data.errorMeters);
  },
});

/** This run's wheretheiss.at position, if it gave one. */
export function wheretheissOf(earlier: Earlier): IssPosition | undefined {
  return earlier.data(wheretheiss.name) as IssPosition | undefined;
}
