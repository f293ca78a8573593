// --cross-check end to end: the built CLI against fake Open Notify, a fake
// wheretheiss.at over HTTPS (the test certificate trusted through
// NODE_EXTRA_CA_CERTS) and a fake crew list, all on loopback.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { greatCircleKm } from '../../src/lib/geo';
import type { Sample } from '../../src/contract/previous';
import { astrosBody, crewBody, CREW, FAILURES, issNowBody, startFakeApi, TLS_DIR, wheretheissAt, wheretheissPosition, type Behavior, type FakeApi } from '../support/fakeOpenNotify';
import { logfmt, parse, promtoolCheck, requireBinary, runCli, tempDir, valueOf } from '../support/helpers';

let on: FakeApi;
let wti: FakeApi;
let crew: FakeApi;
before(async () => {
  [on, wti, crew] = await Promise.all([startFakeApi(), startFakeApi({ tls: true }), startFakeApi()]);
});
after(() => Promise.all([on.close(), wti.close(), crew.close()]));

const TS = Math.floor(Date.now() / 1000) - 2;
const WTI = '/v1/satellites/25544/positions';
const CREW_PATH = '/crew.json';

beforeEach(() => {
  for (const api of [on, wti, crew]) for (const k of Object.keys(api.counts)) delete api.counts[k];
  wti.requests.length = 0;
  on.set('/astros.json', { kind: 'json', body: astrosBody() });
  on.set('/iss-now.json', { kind: 'json', body: issNowBody('-44.4759', '120.1234', TS) });
  wti.set(WTI, wheretheissAt(-44.43, 120.1822));
  wti.set('/v1/satellites/25544', { kind: 'json', body: wheretheissPosition(-44.43, 120.1822, Math.floor(Date.now() / 1000)) });
  crew.set(CREW_PATH, { kind: 'json', body: crewBody() });
});

const CA = { NODE_EXTRA_CA_CERTS: join(TLS_DIR, 'cert.pem') };
const urls = () => ['--api-url', on.url, '--wheretheiss-url', wti.url, '--crew-url', `${crew.url}${CREW_PATH}`];
const crossCheck = (args: string[] = [], env: Record<string, string> = {}) =>
  runCli(['--cross-check', ...urls(), '-o', '-', '--timeout', '3s', '--retries', '0', ...args], { env: { ...CA, ...env } });

const openNotifyIntact = (s: Sample[]) => {
  assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'astros' }), 1);
  assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'iss_now' }), 1);
  assert.equal(valueOf(s, 'open_notify_people_in_space'), 3);
  assert.equal(valueOf(s, 'open_notify_iss_latitude_degrees'), -44.4759);
  assert.equal(valueOf(s, 'open_notify_iss_position_timestamp_seconds'), TS);
};

describe('--cross-check', () => {
  it('adds the independent sources and the position error at the same timestamp; exit 0; promtool silent', async (t) => {
    const r = await crossCheck();
    assert.equal(r.code, 0, r.stderr);
    const s = parse(r.stdout);
    openNotifyIntact(s);
    for (const endpoint of ['wheretheiss', 'crew']) assert.equal(valueOf(s, 'open_notify_up', { endpoint }), 1, endpoint);
    assert.equal(valueOf(s, 'open_notify_iss_altitude_meters'), 418900);
    assert.equal(valueOf(s, 'open_notify_iss_velocity_meters_per_second'), 7661.25);
    assert.equal(valueOf(s, 'open_notify_iss_sunlit'), 1);
    assert.equal(valueOf(s, 'open_notify_people_in_space_reference'), 3);
    const expected = greatCircleKm(-44.4759, 120.1234, -44.43, 120.1822) * 1000;
    assert.ok(Math.abs(valueOf(s, 'open_notify_iss_position_error_meters')! - expected) < 0.01);
    // wheretheiss.at was asked for exactly the instant Open Notify gave.
    assert.deepEqual(wti.requests, [`${WTI}?timestamps=${TS}`]);
    assert.equal(crew.counts[CREW_PATH], 1);
    assert.match(r.stderr, /outcome=ok astros=ok iss_now=ok wheretheiss=ok crew=ok duration=/);
    const promtool = requireBinary(t, 'promtool', 'prometheus');
    if (promtool) assert.deepEqual(promtoolCheck(promtool, r.stdout), { code: 0, output: '' });
  });

  it('is off by default: no request to either source and none of their series', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    const r = await runCli([...urls(), '-o', out], { env: CA });
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    assert.doesNotMatch(text, /wheretheiss|crew|_reference|altitude|velocity|sunlit|position_error/);
    assert.deepEqual(wti.requests, []);
    assert.equal(crew.counts[CREW_PATH], undefined);
    assert.match(r.stderr, /outcome=ok astros=ok iss_now=ok duration=/);
  });

  it('OPEN_NOTIFY_CROSS_CHECK: 1 and true turn it on, 0 and false leave it off, anything else is exit 2', async () => {
    for (const v of ['1', 'true', 'TRUE']) {
      const r = await runCli([...urls(), '-o', '-'], { env: { ...CA, OPEN_NOTIFY_CROSS_CHECK: v } });
      assert.equal(valueOf(parse(r.stdout), 'open_notify_up', { endpoint: 'crew' }), 1, v);
    }
    for (const v of ['0', 'false', '']) {
      const r = await runCli([...urls(), '-o', '-'], { env: { ...CA, OPEN_NOTIFY_CROSS_CHECK: v } });
      assert.equal(valueOf(parse(r.stdout), 'open_notify_up', { endpoint: 'crew' }), undefined, v);
    }
    const r = await runCli([...urls(), '-o', '-'], { env: { OPEN_NOTIFY_CROSS_CHECK: 'maybe' } });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "open-notify-exporter: error: option '--cross-check' value 'maybe' from env 'OPEN_NOTIFY_CROSS_CHECK' is invalid. expected 1, true, 0 or false.\n");
  });

  it('the URLs come from their variables too, and a flag wins', async () => {
    const r = await runCli(['--cross-check', '--api-url', on.url, '--crew-url', `${crew.url}${CREW_PATH}`, '-o', '-'], {
      env: { ...CA, OPEN_NOTIFY_WHERETHEISS_URL: wti.url, OPEN_NOTIFY_CREW_URL: 'http://127.0.0.1:1/nothing' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(wti.requests.length, 1);
  });

  it('without a valid Open Notify timestamp, asks for the current position and exports no error', async () => {
    on.set('/iss-now.json', FAILURES.unavailable);
    const r = await crossCheck();
    assert.equal(r.code, 1, r.stderr);
    const s = parse(r.stdout);
    assert.deepEqual(wti.requests, ['/v1/satellites/25544']);
    assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'wheretheiss' }), 1);
    assert.equal(valueOf(s, 'open_notify_iss_altitude_meters'), 418900);
    assert.equal(valueOf(s, 'open_notify_iss_position_error_meters'), undefined);
  });

  it('HTTPS is verified: without the test CA trusted, wheretheiss fails with one line, not retried', async () => {
    const r = await runCli(['--cross-check', ...urls(), '-o', '-', '--retries', '2'], { env: { NODE_EXTRA_CA_CERTS: undefined } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(logfmt(r.stderr).wheretheiss, /^error: TLS certificate not trusted \((SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT): .*NODE_EXTRA_CA_CERTS\)$/);
    assert.equal(wti.requests.length, 0, 'no HTTP request got through');
    openNotifyIntact(parse(r.stdout));
  });

  it('the counters of every source carry across one-shot runs', async (t) => {
    const out = join(tempDir(t), 'o.prom');
    for (let i = 0; i < 2; i++) assert.equal((await runCli(['--cross-check', ...urls(), '-o', out], { env: CA })).code, 0);
    crew.set(CREW_PATH, FAILURES.gatewayTimeout);
    const r = await runCli(['--cross-check', ...urls(), '-o', out, '--retries', '0'], { env: CA });
    assert.equal(r.code, 1, r.stderr);
    const s = parse(readFileSync(out, 'utf8'));
    assert.equal(valueOf(s, 'open_notify_runs_total'), 3);
    assert.equal(valueOf(s, 'open_notify_fetch_failures_total', { endpoint: 'crew' }), 1);
    assert.equal(valueOf(s, 'open_notify_request_duration_seconds_count', { endpoint: 'wheretheiss' }), 3);
    assert.ok(valueOf(s, 'open_notify_last_success_timestamp_seconds', { endpoint: 'crew' })! > 0, 'carried forward');
  });
});

describe('--cross-check: what wheretheiss.at really answers', () => {
  it('"visibility":"visible" (seen on a real answer, in sunlight): up 1, sunlit 1, exit 0', async () => {
    wti.set(WTI, wheretheissAt(-44.43, 120.1822, { visibility: 'visible' }));
    const r = await crossCheck();
    assert.equal(r.code, 0, r.stderr);
    const s = parse(r.stdout);
    assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'wheretheiss' }), 1);
    assert.equal(valueOf(s, 'open_notify_iss_sunlit'), 1);
  });

  it('an unknown visibility: the source stays up with its position and the error metric, only sunlit left out, one warning', async () => {
    wti.set(WTI, wheretheissAt(-44.43, 120.1822, { visibility: 'penumbra' }));
    const r = await crossCheck();
    assert.equal(r.code, 0, r.stderr);
    const s = parse(r.stdout);
    assert.equal(valueOf(s, 'open_notify_up', { endpoint: 'wheretheiss' }), 1);
    assert.equal(valueOf(s, 'open_notify_iss_sunlit'), undefined);
    assert.ok(valueOf(s, 'open_notify_iss_position_error_meters')! > 0);
    const warn = r.stderr.split('\n').filter((l) => l.includes('level=warn'));
    assert.equal(warn.length, 1, r.stderr);
    assert.equal(logfmt(warn[0]).endpoint, 'wheretheiss');
    assert.match(logfmt(warn[0]).msg, /"visibility" is "penumbra"/);
  });

  it("its error body's text is what the log says", async () => {
    wti.set(WTI, { kind: 'json', status: 404, body: { error: 'satellite not found', status: 404 } });
    const r = await crossCheck();
    assert.equal(r.code, 1);
    assert.equal(logfmt(r.stderr).wheretheiss, 'error: HTTP 404: satellite not found');
  });
});

describe('--cross-check: hostile answers never disturb Open Notify', () => {
  const cases: { name: string; api: () => FakeApi; path: string; behavior: Behavior; endpoint: string; reason: RegExp }[] = [
    { name: 'wheretheiss 503', api: () => wti, path: WTI, behavior: FAILURES.unavailable, endpoint: 'wheretheiss', reason: /HTTP 503/ },
    { name: 'wheretheiss HTML under 200', api: () => wti, path: WTI, behavior: FAILURES.htmlOk, endpoint: 'wheretheiss', reason: /HTML page/ },
    { name: 'wheretheiss latitude as a string', api: () => wti, path: WTI, behavior: wheretheissAt('-44.4' as never, 120), endpoint: 'wheretheiss', reason: /"latitude" must be a number/ },
    { name: 'wheretheiss another timestamp', api: () => wti, path: WTI, behavior: { kind: 'json', body: [wheretheissPosition(1, 2, TS - 30)] }, endpoint: 'wheretheiss', reason: /is not the \d+ asked for/ },
    { name: 'wheretheiss in miles', api: () => wti, path: WTI, behavior: wheretheissAt(1, 2, { units: 'miles', altitude: 260.3, velocity: 17137.9 }), endpoint: 'wheretheiss', reason: /"units" is "miles"/ },
    { name: 'wheretheiss altitude below the atmosphere', api: () => wti, path: WTI, behavior: wheretheissAt(1, 2, { altitude: 12 }), endpoint: 'wheretheiss', reason: /"altitude" 12 is outside 150…2000 km/ },
    { name: 'wheretheiss 5 MiB body', api: () => wti, path: WTI, behavior: { kind: 'huge', bytes: 5 * 1024 * 1024 }, endpoint: 'wheretheiss', reason: /body exceeds the 128KiB cap/ },
    { name: 'wheretheiss never answers', api: () => wti, path: WTI, behavior: { kind: 'hang' }, endpoint: 'wheretheiss', reason: /no complete response within 1s/ },
    { name: 'crew 404', api: () => crew, path: CREW_PATH, behavior: FAILURES.notFound, endpoint: 'crew', reason: /HTTP 404/ },
    { name: 'crew truncated JSON', api: () => crew, path: CREW_PATH, behavior: FAILURES.truncated, endpoint: 'crew', reason: /not valid JSON/ },
    { name: 'crew number negative', api: () => crew, path: CREW_PATH, behavior: { kind: 'json', body: crewBody(CREW, -2) }, endpoint: 'crew', reason: /"number" must be a non-negative integer/ },
    { name: 'crew people without spacecraft', api: () => crew, path: CREW_PATH, behavior: { kind: 'json', body: crewBody([{ name: 'A' }]) }, endpoint: 'crew', reason: /must have string "name" and "spacecraft"/ },
  ];
  for (const c of cases) {
    it(`${c.name}: exit 1, ${c.endpoint} up 0 with a one-line reason, Open Notify's series as usual`, async () => {
      c.api().set(c.path, c.behavior);
      const r = await crossCheck(['--timeout', '1s']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(logfmt(r.stderr)[c.endpoint], c.reason);
      const s = parse(r.stdout);
      openNotifyIntact(s);
      assert.equal(valueOf(s, 'open_notify_up', { endpoint: c.endpoint }), 0);
      const data = c.endpoint === 'crew' ? ['open_notify_people_in_space_reference'] : ['open_notify_iss_altitude_meters', 'open_notify_iss_position_error_meters'];
      for (const n of data) assert.equal(valueOf(s, n), undefined, `${n} left out`);
    });
  }
});
