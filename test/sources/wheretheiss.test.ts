import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { issNow } from '../../src/sources/issNow';
import { validateWheretheiss, wheretheiss } from '../../src/sources/wheretheiss';
import { wheretheissPosition } from '../support/fakeOpenNotify';

const NOW = 1_763_900_000;
const cfg = {
  apiUrl: 'http://on.test',
  timeoutMs: 1000,
  retries: 0,
  maxBodyBytes: 1024,
  maxPeople: 500,
  crossCheck: { wheretheissUrl: 'https://wti.test/', crewUrl: 'https://crew.test/c.json' },
};

describe('wheretheiss URL', () => {
  it('asks for the position at the timestamp Open Notify gave, else the current one', () => {
    const withTs = { data: (n: string) => (n === issNow.name ? { latitude: 1, longitude: 2, timestamp: NOW } : undefined) };
    assert.equal(wheretheiss.url(cfg, withTs), `https://wti.test/v1/satellites/25544/positions?timestamps=${NOW}`);
    assert.equal(wheretheiss.url(cfg, { data: () => undefined }), 'https://wti.test/v1/satellites/25544');
  });
});

describe('the position error', () => {
  it("is computed once, in validation: the great-circle distance to Open Notify's position of the same instant; none without one", () => {
    const on = { data: (n: string) => (n === issNow.name ? { latitude: 0, longitude: 0, timestamp: NOW } : undefined) };
    // One degree of longitude on the equator: 2πR/360 with R = 6371.0088 km.
    const p = wheretheiss.validate([wheretheissPosition(0, 1, NOW)], NOW, on, () => {}, cfg) as { errorMeters?: number };
    assert.equal(p.errorMeters, 111195.08);
    const current = wheretheiss.validate(wheretheissPosition(0, 1, NOW), NOW, { data: () => undefined }, () => {}, cfg) as { errorMeters?: number };
    assert.equal(current.errorMeters, undefined);
  });
});

describe('validateWheretheiss', () => {
  it('accepts one position for the timestamp asked, or the current position', () => {
    const p = validateWheretheiss([wheretheissPosition(-44.4, 120.1, NOW)], NOW, NOW);
    assert.deepEqual(p, { latitude: -44.4, longitude: 120.1, altitudeKm: 418.9, velocityKmh: 27580.5, sunlit: true, timestamp: NOW });
    assert.equal(validateWheretheiss(wheretheissPosition(1, 2, NOW, { visibility: 'eclipsed' }), NOW).sunlit, false);
  });

  it('visibility: daylight and visible are sunlit, eclipsed is not; anything else leaves sunlit out with a warning, the position kept', () => {
    const warnings: string[] = [];
    const warn = (w: string) => warnings.push(w);
    assert.equal(validateWheretheiss([wheretheissPosition(1, 2, NOW, { visibility: 'visible' })], NOW, NOW, warn).sunlit, true);
    assert.equal(validateWheretheiss([wheretheissPosition(1, 2, NOW, { visibility: 'daylight' })], NOW, NOW, warn).sunlit, true);
    assert.equal(validateWheretheiss([wheretheissPosition(1, 2, NOW, { visibility: 'eclipsed' })], NOW, NOW, warn).sunlit, false);
    assert.deepEqual(warnings, []);
    for (const v of ['twilight', 1, null, undefined, 'toString']) {
      const p = validateWheretheiss([wheretheissPosition(1, 2, NOW, { visibility: v })], NOW, NOW, warn);
      assert.deepEqual([p.sunlit, p.latitude, p.longitude], [undefined, 1, 2], String(v));
    }
    assert.equal(warnings.length, 5);
    assert.equal(warnings[0], '"visibility" is "twilight", not "daylight", "visible" or "eclipsed": open_notify_iss_sunlit left out');
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an array when a timestamp was asked', wheretheissPosition(1, 2, NOW), /must be an array of one position/],
    ['two positions', [wheretheissPosition(1, 2, NOW), wheretheissPosition(1, 2, NOW)], /array of one position/],
    ['another timestamp than asked', [wheretheissPosition(1, 2, NOW - 60)], new RegExp(`"timestamp" ${NOW - 60} is not the ${NOW} asked for`)],
    ['latitude a string', [wheretheissPosition('1' as never, 2, NOW)], /"latitude" must be a number, got "1"/],
    ['latitude out of range', [wheretheissPosition(91, 2, NOW)], /"latitude" 91 is outside -90…90 degrees/],
    ['longitude NaN (as null)', [wheretheissPosition(1, null as never, NOW)], /"longitude" must be a number, got null/],
    ['altitude in miles', [wheretheissPosition(1, 2, NOW, { altitude: 100 })], /"altitude" 100 is outside 150…2000 km/],
    ['velocity in mph', [wheretheissPosition(1, 2, NOW, { velocity: 17150 })], /"velocity" 17150 is outside 20000…35000 km\/h/],
    ['units miles', [wheretheissPosition(1, 2, NOW, { units: 'miles' })], /"units" is "miles", not "kilometers"/],
    ['another satellite', [wheretheissPosition(1, 2, NOW, { id: 25545 })], /"id" is 25545, not the ISS/],
    ['timestamp in the future', [wheretheissPosition(1, 2, NOW + 3600)], /is 3600s in the future/],
    ['an error object', { error: 'satellite not found', status: 404 }, /array of one position/],
  ];
  for (const [name, body, re] of bad) it(`refuses ${name}`, () => assert.throws(() => validateWheretheiss(body, NOW, NOW), re));
  it('refuses a non-object when the current position was asked', () => assert.throws(() => validateWheretheiss([], NOW), /not a JSON object/));
});
