import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { EARTH_RADIUS_KM, greatCircleKm } from '../../src/lib/geo';

const near = (actual: number, expected: number, tolerance: number) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

describe('greatCircleKm', () => {
  it('one degree of latitude is ~111.2 km, anywhere', () => {
    near(greatCircleKm(0, 0, 1, 0), 111.195, 0.001);
    near(greatCircleKm(51.5, -0.1, 52.5, -0.1), 111.195, 0.001);
    near(greatCircleKm(-45, 120, -46, 120), 111.195, 0.001);
  });

  it('one degree of longitude shrinks with the cosine of the latitude', () => {
    near(greatCircleKm(0, 0, 0, 1), 111.195, 0.001);
    near(greatCircleKm(60, 10, 60, 11), 55.597, 0.01);
  });

  it('antipodes and pole to pole are half the circumference (~20015 km)', () => {
    near(greatCircleKm(0, 0, 0, 180), Math.PI * EARTH_RADIUS_KM, 1e-6);
    near(greatCircleKm(90, 0, -90, 0), 20015.114, 0.001);
    near(greatCircleKm(-44.4759, 120.1234, 44.4759, -59.8766), 20015.114, 0.001);
  });

  it('across the antimeridian: 179.5°E to 179.5°W is one degree, not 359', () => {
    near(greatCircleKm(0, 179.5, 0, -179.5), 111.195, 0.001);
    near(greatCircleKm(10, -180, 10, 180), 0, 1e-9);
  });

  it('is zero for the same point and symmetric', () => {
    assert.equal(greatCircleKm(12.3, 45.6, 12.3, 45.6), 0);
    assert.equal(greatCircleKm(1, 2, 3, 4), greatCircleKm(3, 4, 1, 2));
  });
});
