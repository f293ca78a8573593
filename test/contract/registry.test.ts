// The exposition: golden files for fixed inputs (as json_exporter's
// test/response/good.txt), byte for byte.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { METRIC_LIST } from '../../src/contract/metrics';
import { parseExposition } from '../../src/contract/previous';
import { buildRegistry as build, type BuildMeta } from '../../src/contract/registry';
import { advance, emptyState, type RunState } from '../../src/contract/state';
import { endpointRuns, fillAll, type Collection, type Outcome } from '../../src/sources/collect';
import { SOURCES } from '../../src/sources/table';
import { ROOT } from '../support/helpers';

/** The pipeline's call: each source fills its own series, then the contract's. */
const buildRegistry = (c: Collection, state: RunState, meta: BuildMeta) => build(endpointRuns(c), (sink) => fillAll(c, sink), state, meta);
const advanceBy = (prev: RunState, c: Collection, now: number) => advance(prev, endpointRuns(c), now);
const E = ['astros', 'iss_now'];

const GOLDEN = join(ROOT, 'test', 'golden');

/** Outcomes by source name; the run's results in the table's order. */
type Outcomes = Record<string, Outcome<unknown>>;
const collection = (o: Outcomes): Collection => ({
  results: SOURCES.filter((s) => o[s.name]).map((source) => ({ source, outcome: o[source.name] })),
});

const ok = <T>(data: T, durationSeconds: number) => ({ ok: true as const, data, durationSeconds, attemptSeconds: [durationSeconds] });

const success: Outcomes = {
  astros: ok(
    {
      number: 3,
      people: [
        { name: 'Oleg Kononenko', craft: 'ISS' },
        { name: 'Tracy Caldwell Dyson', craft: 'ISS' },
        { name: 'Li Guangsu', craft: 'Tiangong' },
      ],
    },
    0.0421234567,
  ),
  iss_now: ok({ latitude: -44.4759, longitude: 120.1234, timestamp: 1763899990 }, 0.038),
};

const partial: Outcomes = {
  ...success,
  astros: { ok: false, reason: 'HTTP 503', durationSeconds: 1.25, attemptSeconds: [0.1, 0.1, 0.1] },
};

const hostile: Outcomes = {
  ...success,
  astros: ok(
    {
      number: 4,
      people: [
        { name: 'Quote " backslash \\ brace } comma ,', craft: 'ISS' },
        { name: 'line\nbreak', craft: 'ISS' },
        { name: 'Юрий 宇航员 🚀', craft: 'Восток' },
        { name: '', craft: '' },
      ],
    },
    0.01,
  ),
};

/** With --cross-check: wheretheiss.at ~6.9 km off Open Notify for the same second; the crew source agrees. */
const crossCheck: Outcomes = {
  ...success,
  wheretheiss: ok({ latitude: -44.43, longitude: 120.1822, altitudeKm: 418.91, velocityKmh: 27580.5, sunlit: true, timestamp: 1763899990, errorMeters: 6916.065 }, 0.2),
  crew: ok({ number: 3, people: [] }, 0.1),
};

const meta: BuildMeta = { now: 1763900000.5, version: '0.1.0', nodejs: '20.20.2', labels: {} };

/** As if 41 runs had been written before this one, two of them with astros failing. */
const before: RunState = {
  ...emptyState(E),
  runsTotal: 41,
  skippedRunsTotal: 1,
  fetchFailuresTotal: { astros: 2, iss_now: 0 },
  requestDuration: {
    astros: { buckets: [0, 3, 30, 40, 41, 41, 41, 41, 41, 43, 43], sum: 13.5, count: 43 },
    iss_now: { buckets: [0, 5, 35, 41, 41, 41, 41, 41, 41, 41, 41], sum: 1.6, count: 41 },
  },
  lastSuccess: { astros: 1763899000, iss_now: 1763899000 },
};

async function golden(name: string, o: Outcomes, m: BuildMeta, prev: RunState = before): Promise<void> {
  const c = collection(o);
  const text = await buildRegistry(c, advanceBy(prev, c, m.now), m).metrics();
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `${name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it)`);
}

describe('exposition golden files', () => {
  it('success', () => golden('success.prom', success, meta));
  it('partial failure: up 0, no data series, last success carried forward', () => golden('partial.prom', partial, meta));
  it('partial failure without a previous file: no last-success series for the failed endpoint', () =>
    golden('partial-fresh.prom', partial, meta, emptyState(E)));
  it('hostile names, with constant labels', () => golden('hostile.prom', hostile, { ...meta, labels: { site: 'lab "1"' } }));
  it('--cross-check: the independent sources and the position error after the Open Notify series', () => golden('cross-check.prom', crossCheck, meta));
});

describe('the contract in the output', () => {
  it('every family in the contract appears in the --cross-check output with its HELP and TYPE', async () => {
    const c = collection(crossCheck);
    const text = await buildRegistry(c, advanceBy(emptyState(E), c, meta.now), meta).metrics();
    for (const m of METRIC_LIST.filter((x) => !x.serveOnly)) {
      assert.ok(text.includes(`# HELP ${m.name} ${m.help}\n# TYPE ${m.name} ${m.type}\n`), m.name);
    }
  });
});

describe('series identity', () => {
  it('distinct (name, craft) pairs stay distinct series, whatever the commas and colons in them', async () => {
    const people = [
      { name: 'Oleg', craft: 'ISS,name:Ivan' },
      { name: 'Ivan,name:Oleg', craft: 'ISS' },
      { name: 'a:b', craft: 'c' },
      { name: 'a', craft: 'b:c' },
      { name: 'Oleg', craft: 'ISS,name:Ivan' },
    ];
    const c = collection({ ...success, astros: ok({ number: people.length, people }, 0.01) });
    const text = await buildRegistry(c, advanceBy(emptyState(E), c, meta.now), meta).metrics();
    const info = parseExposition(text).filter((s) => s.name === 'open_notify_astronaut_info');
    assert.deepEqual(
      info.map((s) => s.labels),
      people.slice(0, 4),
      'four distinct people, the exact duplicate once',
    );
  });
});
