// `push` against a real Pushgateway (Debian's prometheus-pushgateway).
import { strict as assert } from 'node:assert';
import { beforeEach, describe, it, type TestContext } from 'node:test';
import { FAILURES, type FakeApi } from '../support/fakeOpenNotify';
import { parse, requireBinary, runCli, tempDir, useFakeApi, valueOf } from '../support/helpers';
import { freePort, getText, startPeer, type Peer } from '../support/peers';

const fake = useFakeApi();
let api: FakeApi;
beforeEach(() => {
  api = fake();
});

async function pushgateway(t: TestContext): Promise<Peer | undefined> {
  const bin = requireBinary(t, 'prometheus-pushgateway', 'prometheus-pushgateway');
  if (!bin) return undefined;
  const port = await freePort();
  const dir = tempDir(t);
  return startPeer(t, bin, [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${dir}/pg.db`], port, '/-/ready');
}

describe('push', () => {
  it('pushes the group with the job label; a second push replaces it', async (t) => {
    const pg = await pushgateway(t);
    if (!pg) return;
    let r = await runCli(['push', '--api-url', api.url, '--gateway', pg.url, '--grouping', 'instance=host1', '--label', 'site=a']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /level=info msg=pushed outcome=ok astros=ok iss_now=ok .* job=open_notify/);
    let s = parse((await getText(`${pg.url}/metrics`)).body);
    const group = { job: 'open_notify', instance: 'host1' };
    assert.equal(valueOf(s, 'open_notify_people_in_space', { ...group, site: 'a' }), 3);
    assert.equal(valueOf(s, 'open_notify_up', { ...group, endpoint: 'astros' }), 1);
    assert.ok(valueOf(s, 'push_time_seconds', group)! > 0);
    assert.equal(valueOf(s, 'push_failure_time_seconds', group), 0);

    // PUT semantics: series of the first push that the second lacks are gone.
    api.set('/astros.json', FAILURES.unavailable);
    r = await runCli(['push', '--api-url', api.url, '--gateway', pg.url, '--grouping', 'instance=host1', '--retries', '0']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /msg="pushed with failed endpoints" outcome=partial/);
    s = parse((await getText(`${pg.url}/metrics`)).body);
    assert.equal(s.filter((x) => x.name === 'open_notify_people_in_space').length, 0);
    assert.equal(s.filter((x) => x.labels.site === 'a').length, 0);
    assert.equal(valueOf(s, 'open_notify_up', { ...group, endpoint: 'astros' }), 0);
    assert.equal(valueOf(s, 'open_notify_up', { ...group, endpoint: 'iss_now' }), 1);
  });

  it('credentials in --gateway never reach the log, pushed or failed, text or JSON', async (t) => {
    const pg = await pushgateway(t);
    if (!pg) return;
    const withAuth = (base: string) => base.replace('http://', 'http://admin:S3cretPW@');
    let r = await runCli(['push', '--api-url', api.url, '--gateway', withAuth(pg.url)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /msg=pushed .* gateway=http:\/\/admin:\*\*\*@127\.0\.0\.1:\d+/);
    api.set('/metrics/job/open_notify', { kind: 'raw', status: 500, body: 'boom' });
    for (const extra of [['-q'], ['--log.format', 'json']]) {
      r = await runCli(['push', '--api-url', api.url, '--gateway', withAuth(api.url), '--retries', '0', ...extra]);
      assert.equal(r.code, 4);
      assert.match(r.stderr, /cannot push to http:\/\/admin:\*\*\*@127\.0\.0\.1:\d+\/?: HTTP 500: boom/);
      assert.doesNotMatch(r.stderr, /S3cretPW/);
    }
  });

  it('an unreachable gateway: one line, exit 4', async () => {
    const r = await runCli(['push', '--api-url', api.url, '--gateway', 'http://127.0.0.1:1', '--retries', '1']);
    assert.equal(r.code, 4);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /cannot push to http:\/\/127\.0\.0\.1:1: connection refused \(after 2 attempts\)/);
  });

  it('a gateway answering an error: the status in the line, exit 4, 4xx not retried', async () => {
    api.set('/metrics/job/open_notify', { kind: 'raw', status: 400, body: 'pushed metrics are invalid' });
    let r = await runCli(['push', '--api-url', api.url, '--gateway', api.url, '--retries', '2']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /cannot push to \S+: HTTP 400: pushed metrics are invalid" /);
    assert.equal(api.counts['/metrics/job/open_notify'], 1);
    api.set('/metrics/job/open_notify', { kind: 'raw', status: 503, body: '' });
    r = await runCli(['push', '--api-url', api.url, '--gateway', api.url, '--retries', '1']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /HTTP 503 \(after 2 attempts\)/);
  });

  it('a 2xx is a success whatever its body: 200 with 200 KiB, read up to the 64 KiB cap and the rest dropped', async () => {
    api.set('/metrics/job/open_notify', { kind: 'raw', status: 200, body: 'x'.repeat(200 * 1024) });
    const r = await runCli(['push', '--api-url', api.url, '--gateway', api.url, '--retries', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /msg=pushed/);
  });

  it('--gateway is required; --grouping job=... is refused', async () => {
    let r = await runCli(['push', '--api-url', api.url]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /required option '--gateway <url>' not specified/);
    r = await runCli(['push', '--gateway', 'http://127.0.0.1:1', '--grouping', 'job=x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /label name "job"/);
  });

  it('a gateway answering a redirect: exit 4 with the status, not "pushed", not retried', async (t) => {
    const pg = await pushgateway(t);
    if (!pg) return;
    api.set('/metrics/job/open_notify', { kind: 'redirect', status: 301, location: `${pg.url}/metrics/job/open_notify` });
    const r = await runCli(['push', '--api-url', api.url, '--gateway', api.url, '--retries', '2']);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /cannot push to \S+: HTTP 301 redirect to http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/open_notify, not followed: nothing was stored/);
    assert.doesNotMatch(r.stderr, /msg=pushed/);
    assert.equal(api.counts['/metrics/job/open_notify'], 1);
    const groups = await groupsOf(pg);
    assert.deepEqual(groups, [], 'nothing reached the gateway');
  });

  it('odd grouping values each land in exactly their own group (base64 where needed)', async (t) => {
    const pg = await pushgateway(t);
    if (!pg) return;
    const values = ['..', '.', '/', 'a/b', '', 'Юрий Гагарин 🚀', '%2F', 'host-1.example:9100'];
    const pushes: Record<string, string>[] = [...values.map((v) => ({ g: v })), { a: '..', b: 'x' }, { dot: '..' }];
    for (const grouping of pushes) {
      const args = Object.entries(grouping).flatMap(([k, v]) => ['--grouping', `${k}=${v}`]);
      const r = await runCli(['push', '--api-url', api.url, '--gateway', pg.url, ...args]);
      assert.equal(r.code, 0, `${JSON.stringify(grouping)}: ${r.stderr}`);
    }
    // The base group {job="open_notify"} is pushed last: nothing before may have overwritten it.
    const r = await runCli(['push', '--api-url', api.url, '--gateway', pg.url]);
    assert.equal(r.code, 0, r.stderr);
    const groups = await groupsOf(pg);
    const expected = [...pushes, {}].map((g) => JSON.stringify(Object.entries({ job: 'open_notify', ...g }).sort()));
    assert.deepEqual(groups.map((g) => JSON.stringify(Object.entries(g.labels).sort())).sort(), expected.sort());
    for (const g of groups) assert.ok(g.metrics.includes('open_notify_up'), JSON.stringify(g.labels));
  });

  it('--grouping refuses a repeated name and the names the exposition reserves', async () => {
    let r = await runCli(['push', '--gateway', 'http://127.0.0.1:1', '--grouping', 'a=1', '--grouping', 'a=2']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /label "a" is given more than once/);
    r = await runCli(['push', '--gateway', 'http://127.0.0.1:1', '--grouping', 'le=1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /label name "le" is reserved/);
  });
});

/** The groups a Pushgateway holds: their grouping labels and the metric names in each. */
async function groupsOf(pg: Peer): Promise<{ labels: Record<string, string>; metrics: string[] }[]> {
  const body = JSON.parse((await getText(`${pg.url}/api/v1/metrics`)).body) as { data: ({ labels: Record<string, string> } & Record<string, unknown>)[] };
  return body.data.map((g) => ({ labels: g.labels, metrics: Object.keys(g).filter((k) => k !== 'labels') }));
}
