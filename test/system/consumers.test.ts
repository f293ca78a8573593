// Our users never read the .prom file; node_exporter and Prometheus do.
// These tests hand our output to the real programs and read it back.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Sample } from '../../src/contract/previous';
import { dashboard, DASHBOARD_DEFAULTS } from '../../src/mixin/dashboard';
import { queries } from '../support/dashboard';
import { SELECTORS } from '../support/selectors';
import { FAILURES, astrosBody, crewBody, issNowBody, PEOPLE, startFakeApi, TLS_DIR, wheretheissAt, type FakeApi } from '../support/fakeOpenNotify';
import { parse, requireBinary, runCli, startCli, tempDir, valueOf } from '../support/helpers';
import { freePort, getText, startPeer, waitFor, type Peer } from '../support/peers';

let api: FakeApi;
before(async () => {
  api = await startFakeApi();
});
after(() => api.close());

const OTHER = '# HELP other_job_last_success Written by another job.\n# TYPE other_job_last_success gauge\nother_job_last_success 42\n';

async function nodeExporter(t: TestContext, dir: string): Promise<Peer | undefined> {
  const bin = requireBinary(t, 'prometheus-node-exporter', 'prometheus-node-exporter');
  if (!bin) return undefined;
  const port = await freePort();
  return startPeer(
    t,
    bin,
    ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${dir}`, `--web.listen-address=127.0.0.1:${port}`],
    port,
    '/metrics',
  );
}

const ours = (s: Sample[]) =>
  s
    .filter((x) => x.name.startsWith('open_notify_'))
    .map((x) => `${x.name}${JSON.stringify(Object.entries(x.labels).sort())} ${x.value}`)
    .sort();

async function scrape(peer: Peer): Promise<Sample[]> {
  const r = await getText(`${peer.url}/metrics`);
  assert.equal(r.status, 200);
  return parse(r.body);
}

describe("node_exporter's textfile collector", () => {
  it('serves every series of ours, beside another job file, with no scrape error', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'open_notify.prom');
    writeFileSync(join(dir, 'other.prom'), OTHER);
    const peer = await nodeExporter(t, dir);
    if (!peer) return;

    const hostile = [
      { name: 'Quote " backslash \\ brace } comma ,', craft: 'ISS' },
      { name: 'line\nbreak\r\u0000', craft: 'ISS' },
      { name: 'Юрий 宇航员 🚀', craft: 'Восток' },
      { name: 'x'.repeat(10_000), craft: '' },
    ];
    const scenarios: [string, () => void, number][] = [
      ['success', () => undefined, 0],
      ['partial failure', () => api.set('/astros.json', FAILURES.unavailable), 1],
      ['hostile names', () => api.set('/astros.json', { kind: 'json', body: astrosBody(hostile) }), 0],
    ];
    for (const [name, arrange, code] of scenarios) {
      api.set('/astros.json', { kind: 'json', body: astrosBody() });
      api.set('/iss-now.json', { kind: 'json', body: issNowBody() });
      arrange();
      const r = await runCli(['--api-url', api.url, '-o', out, '--retries', '0']);
      assert.equal(r.code, code, `${name}: ${r.stderr}`);
      const written = parse(readFileSync(out, 'utf8'));
      const served = await scrape(peer);
      assert.deepEqual(ours(served), ours(written), `${name}: node_exporter serves exactly what we wrote`);
      assert.ok(ours(served).length >= 8, name);
      assert.equal(valueOf(served, 'node_textfile_scrape_error'), 0, name);
      assert.ok(valueOf(served, 'node_textfile_mtime_seconds', { file: out })! > 0, name);
      assert.equal(valueOf(served, 'other_job_last_success'), 42, name);
      const up = valueOf(served, 'open_notify_up', { endpoint: 'astros' });
      assert.equal(up, code === 0 ? 1 : 0, name);
      if (name === 'hostile names') {
        const info = served.filter((x) => x.name === 'open_notify_astronaut_info');
        assert.equal(info.length, hostile.length);
        assert.ok(info.some((x) => x.labels.name === 'Quote " backslash \\ brace } comma ,'));
        assert.ok(info.some((x) => x.labels.name === 'Юрий 宇航员 🚀' && x.labels.craft === 'Восток'));
      }
    }
    assert.doesNotMatch(peer.log(), /error gathering|failed to (read|parse)|level=error/i, peer.log());

    // The assertions above can fail: a sample timestamp makes node_exporter drop our whole file.
    const text = readFileSync(out, 'utf8');
    writeFileSync(out, text.replace(/^(open_notify_last_run_timestamp_seconds \S+)$/m, '$1 1700000000000'));
    const served = await scrape(peer);
    assert.equal(valueOf(served, 'node_textfile_scrape_error'), 1);
    assert.deepEqual(ours(served), []);
    assert.equal(valueOf(served, 'other_job_last_success'), 42);
  });
});

/** One one-shot run into a textfile directory of `dir`, and node_exporter serving it. */
async function textfileNode(t: TestContext, dir: string, issNow: unknown): Promise<Peer | undefined> {
  const textDir = join(dir, 'textfile');
  mkdirSync(textDir);
  api.set('/astros.json', { kind: 'json', body: astrosBody() });
  api.set('/iss-now.json', { kind: 'json', body: issNow });
  const r = await runCli(['--api-url', api.url, '-o', join(textDir, 'open_notify.prom')]);
  assert.equal(r.code, 0, r.stderr);
  return nodeExporter(t, textDir);
}

/** dir/prometheus.yml: a scrape and an evaluation every second, these rule files, one job per target. */
function prometheusYml(dir: string, ruleFiles: string[], targets: Record<string, string>): void {
  const jobs = Object.entries(targets).flatMap(([job, target]) => [`  - job_name: ${job}`, '    static_configs:', `      - targets: ['${target}']`]);
  writeFileSync(join(dir, 'prometheus.yml'), ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'rule_files:', ...ruleFiles.map((f) => `  - ${f}`), 'scrape_configs:', ...jobs, ''].join('\n'));
}

describe('Prometheus end to end', () => {
  it('scrapes node_exporter serving our file, loads our rules, and answers queries with our values', async (t) => {
    const bin = requireBinary(t, 'prometheus', 'prometheus');
    if (!bin) return;
    const dir = tempDir(t);
    const ne = await textfileNode(t, dir, issNowBody('12.3456', '-98.7654'));
    if (!ne) return;

    const rules = await runCli(['rules']);
    writeFileSync(join(dir, 'rules.yml'), rules.stdout);
    prometheusYml(dir, [join(dir, 'rules.yml')], { node: ne.url.replace('http://', '') });
    const port = await freePort();
    const prom = await startPeer(
      t,
      bin,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      port,
      '/-/ready',
    );
    type QueryResult = { metric: Record<string, string>; value: [number, string] }[];
    const query = (q: string) =>
      waitFor(`Prometheus to answer ${q}`, async () => {
        const res = await getText(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`);
        const body = JSON.parse(res.body) as { status: string; data: { result: QueryResult } };
        return body.status === 'success' && body.data.result.length > 0 ? body.data.result : undefined;
      }, 30_000);

    const lat = await query('open_notify_iss_latitude_degrees');
    assert.equal(lat.length, 1);
    assert.equal(lat[0].value[1], '12.3456');
    assert.equal(lat[0].metric.job, 'node');
    const up = await query('open_notify_up');
    assert.deepEqual(up.map((x) => [x.metric.endpoint, x.value[1]]).sort(), [['astros', '1'], ['iss_now', '1']]);
    const people = await query('open_notify_people_in_space');
    assert.equal(people[0].value[1], '3');

    const loaded = await getText(`${prom.url}/api/v1/rules`);
    const groups = (JSON.parse(loaded.body) as { data: { groups: { rules: { name: string; health: string }[] }[] } }).data.groups;
    const alerts = groups.flatMap((g) => g.rules);
    assert.equal(alerts.length, 6);
    for (const a of alerts) assert.notEqual(a.health, 'err', a.name);
  });
});

describe('two exporters on one Prometheus, each with its own rules file', () => {
  it('a textfile one under job="node" and a serve under job="open_notify": each file alerts for its own job only', async (t) => {
    const bin = requireBinary(t, 'prometheus', 'prometheus');
    if (!bin) return;
    const dir = tempDir(t);
    const ne = await textfileNode(t, dir, issNowBody());
    if (!ne) return;
    // serve's API answers 503: its endpoints are down, node's file is fine.
    const down = await startFakeApi();
    t.after(() => down.close());
    down.set('/astros.json', FAILURES.unavailable);
    down.set('/iss-now.json', FAILURES.unavailable);
    const serve = startCli(['serve', '--api-url', down.url, '--web.listen-address', '127.0.0.1:0', '--refresh', '1s', '--retries', '0'], { killAfterMs: 120_000 });
    t.after(() => void serve.child.kill('SIGKILL'));
    const servePort = await waitFor('serve to listen', () => /listen=127\.0\.0\.1:(\d+)/.exec(serve.stderr())?.[1], 10_000);
    const files: Record<string, string> = {};
    for (const job of ['node', 'open_notify']) {
      const r = await runCli(['rules', '--down-for', '2s', '--selector', `job="${job}"`]);
      assert.equal(r.code, 0, r.stderr);
      files[job] = join(dir, `rules-${job}.yml`);
      writeFileSync(files[job], r.stdout);
    }
    prometheusYml(dir, Object.values(files), { node: ne.url.replace('http://', ''), open_notify: `127.0.0.1:${servePort}` });
    const port = await freePort();
    const prom = await startPeer(t, bin, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], port, '/-/ready');
    type Rule = { name: string; health: string; alerts?: { state: string; labels: Record<string, string> }[] };
    const byFile = async () => {
      const body = JSON.parse((await getText(`${prom.url}/api/v1/rules`)).body) as { data: { groups: { file: string; rules: Rule[] }[] } };
      return Object.fromEntries(body.data.groups.map((g) => [g.file, g.rules]));
    };
    // serve's two endpoints fire in the open_notify file once down for 2 s.
    const firing = await waitFor('serve\'s EndpointDown to fire', async () => {
      const rules = (await byFile())[files.open_notify] ?? [];
      const active = rules.flatMap((r) => (r.alerts ?? []).filter((a) => a.state === 'firing').map((a) => `${r.name} ${a.labels.job} ${a.labels.endpoint}`));
      return active.length === 2 ? active.sort() : undefined;
    }, 30_000);
    assert.deepEqual(firing, ['OpenNotifyEndpointDown open_notify astros', 'OpenNotifyEndpointDown open_notify iss_now']);
    // A few more evaluations: node's file, looking at job="node" only, says nothing.
    await new Promise((r) => setTimeout(r, 3000));
    const all = await byFile();
    for (const r of all[files.node]) {
      assert.notEqual(r.health, 'err', r.name);
      assert.deepEqual(r.alerts ?? [], [], `${r.name} in node's file`);
    }
    for (const r of all[files.open_notify]) {
      assert.notEqual(r.health, 'err', r.name);
      for (const a of r.alerts ?? []) assert.equal(a.labels.job, 'open_notify', r.name);
    }
  });
});

describe('the dashboard against a real Prometheus', () => {
  it("every panel's query returns data of the expected shape, for node_exporter's textfile and for serve", async (t) => {
    const bin = requireBinary(t, 'prometheus', 'prometheus');
    if (!bin) return;
    const wti = await startFakeApi({ tls: true });
    t.after(() => wti.close());
    wti.set('/v1/satellites/25544/positions', wheretheissAt(-44.43, 120.1822));
    api.set('/crew.json', { kind: 'json', body: crewBody() });
    api.set('/astros.json', { kind: 'json', body: astrosBody() });
    api.set('/iss-now.json', { kind: 'json', body: issNowBody() });
    const env = { NODE_EXTRA_CA_CERTS: join(TLS_DIR, 'cert.pem') };
    const cross = ['--cross-check', '--api-url', api.url, '--wheretheiss-url', wti.url, '--crew-url', `${api.url}/crew.json`];

    // Textfile mode: two one-shot runs, so the counters have moved.
    const dir = tempDir(t);
    const textDir = join(dir, 'textfile');
    mkdirSync(textDir);
    for (let i = 0; i < 2; i++) assert.equal((await runCli([...cross, '-o', join(textDir, 'open_notify.prom')], { env })).code, 0);
    const ne = await nodeExporter(t, textDir);
    if (!ne) return;
    // serve, refreshed every second.
    const serve = startCli(['serve', ...cross, '--web.listen-address', '127.0.0.1:0', '--refresh', '1s'], { env, killAfterMs: 120_000 });
    t.after(() => {
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    });
    const servePort = await waitFor('serve to listen', () => /listen=127\.0\.0\.1:(\d+)/.exec(serve.stderr())?.[1], 10_000);

    const targets = { node: ne.url.replace('http://', ''), open_notify: `127.0.0.1:${servePort}` };
    writeFileSync(
      join(dir, 'prometheus.yml'),
      ['global:', '  scrape_interval: 1s', 'scrape_configs:', ...Object.entries(targets).flatMap(([job, target]) => [`  - job_name: ${job}`, '    static_configs:', `      - targets: ['${target}']`]), ''].join('\n'),
    );
    const port = await freePort();
    const prom = await startPeer(t, bin, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], port, '/-/ready');
    type Series = { metric: Record<string, string>; value: [number, string] };
    const query = async (q: string): Promise<Series[]> => {
      const res = await getText(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = JSON.parse(res.body) as { status: string; error?: string; data: { result: Series[] } };
      assert.equal(body.status, 'success', `${q}: ${body.error ?? ''}`);
      return body.data.result;
    };
    // Rates need a few samples of both targets, and serve's counters a few refreshes.
    await waitFor('a few scrapes of both targets', async () => ((await query('count_over_time(open_notify_runs_total[1m]) >= 4')).length === 2 ? true : undefined), 60_000);

    const d = dashboard({ ...DASHBOARD_DEFAULTS, crossCheck: true });
    const checked: string[] = [];
    for (const [job, instance] of Object.entries(targets)) {
      for (const { panel, target } of queries(d)) {
        // Grafana's variables, as Grafana would substitute them.
        const expr = target.expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', job).replaceAll('$instance', instance.replace(/\./g, '\\\\.'));
        const textfileOnly = expr.includes('node_textfile_mtime_seconds');
        const result = await query(expr);
        const what = `${job}: ${panel.title}: ${target.expr}`;
        if (textfileOnly && job !== 'node') {
          assert.equal(result.length, 0, `${what} (serve has no textfile)`);
          continue;
        }
        if (panel.type === 'geomap') assert.equal(result.length, 1, `${what}: one series for the map`);
        else if (panel.type === 'table') assert.equal(result.length, PEOPLE.length, `${what}: one series per person`);
        else assert.ok(result.length >= 1, `${what}: no data`);
        for (const s of result) assert.equal(s.metric.instance ?? instance, instance, what);
        checked.push(what);
      }
    }
    process.stderr.write(`# dashboard: ${checked.length} panel queries answered with data by Prometheus\n`);
    assert.ok(checked.length >= 40, String(checked.length));

    // Every selector the parser accepts gives queries that Prometheus runs; job="node" keeps node's data only.
    let ran = 0;
    for (const [typed] of SELECTORS) {
      const r = await runCli(['dashboard', '--cross-check', '--selector', typed]);
      assert.equal(r.code, 0, `${typed}: ${r.stderr}`);
      for (const { target } of queries(JSON.parse(r.stdout) as Record<string, unknown>)) {
        const result = await query(target.expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', '.*').replaceAll('$instance', '.*'));
        if (typed === 'job="node"') assert.ok(result.every((s) => s.metric.job === undefined || s.metric.job === 'node'), target.expr);
        ran += 1;
      }
    }
    process.stderr.write(`# dashboard: ${ran} queries with ${SELECTORS.length} selectors ran in Prometheus\n`);
    serve.child.kill('SIGTERM');
  });
});
