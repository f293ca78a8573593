import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { acceptsGzip } from '../../src/outputs/metricsServer';

describe('acceptsGzip (RFC 9110 q-values)', () => {
  const cases: [string | undefined, boolean][] = [
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['x-gzip', true],
    ['deflate, gzip;q=1.0', true],
    ['gzip;q=0', false],
    ['gzip;q=0.0', false],
    ['gzip;q=0.001', true],
    ['gzip ; Q=0.5', true],
    ['*', true],
    ['*;q=0', false],
    ['*;q=0.5, gzip;q=0', false],
    ['gzip;q=2', false],
    ['gzip;q=', false],
    ['identity', false],
  ];
  for (const [header, expected] of cases) it(`${JSON.stringify(header)} → ${expected ? 'gzip' : 'identity'}`, () => assert.equal(acceptsGzip(header), expected));
});
