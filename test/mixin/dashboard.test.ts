// The dashboard: built from the contract, shaped as Grafana needs it for
// both import and file provisioning. (test/system/consumers.test.ts runs
// every panel's query against a real Prometheus.)
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dashboard, DASHBOARD_DEFAULTS, type Panel } from '../../src/mixin/dashboard';
import { queries } from '../support/dashboard';
import { METRIC_LIST } from '../../src/contract/metrics';
import { runCli, tempDir } from '../support/helpers';

const cfg = { ...DASHBOARD_DEFAULTS, crossCheck: true };
const NODE_EXPORTER = ['node_textfile_mtime_seconds'];

/** Metric names a PromQL expression reads: every selector carries matchers (the instance variable, checked below). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]);
}

/** Names a dashboard reads that are neither in the contract nor node_exporter's. */
function unknownMetrics(d: { panels?: unknown }): string[] {
  const known = new Set([...METRIC_LIST.flatMap((m) => (m.type === 'histogram' ? [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name])), ...NODE_EXPORTER]);
  return queries(d).flatMap(({ target }) => metricNames(target.expr)).filter((n) => !known.has(n));
}

describe('dashboard', () => {
  it('reads only metrics of the contract (and node_exporter textfile mtime); the check catches one that is not', () => {
    for (const crossCheck of [false, true]) {
      const d = dashboard({ ...cfg, crossCheck });
      const names = queries(d).flatMap(({ target }) => metricNames(target.expr));
      assert.ok(names.length >= (crossCheck ? 20 : 13), String(names.length));
      assert.deepEqual(unknownMetrics(d), []);
    }
    const broken = dashboard(cfg);
    (broken.panels as Panel[])[0].targets![0].expr = 'open_notify_iss_lattitude_degrees{instance=~"$instance"}';
    assert.deepEqual(unknownMetrics(broken), ['open_notify_iss_lattitude_degrees']);
  });

  it('the data source is a template variable: no __inputs, no ${DS_...}, every query on ${datasource}', () => {
    const d = dashboard(cfg);
    const text = JSON.stringify(d);
    assert.ok(!('__inputs' in d));
    assert.doesNotMatch(text, /\$\{DS_/);
    const vars = (d.templating as { list: { name: string; type: string; query: unknown }[] }).list;
    assert.deepEqual(vars.find((v) => v.name === 'datasource'), { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', hide: 0, refresh: 1, regex: '', options: [] });
    for (const { panel, target } of queries(d)) {
      assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, panel.title);
      assert.deepEqual((target as { datasource?: unknown }).datasource, { type: 'prometheus', uid: '${datasource}' }, panel.title);
      assert.match(target.expr, /instance=~"\$instance"/, panel.title);
    }
  });

  it('a current schema, a stable uid, title and uid from the flags, unique ids, panels within 24 columns and not overlapping', () => {
    const d = dashboard({ ...cfg, title: 'ISS', uid: 'iss-1' });
    assert.equal(d.schemaVersion, 41);
    assert.deepEqual([d.uid, d.title], ['iss-1', 'ISS']);
    assert.equal(dashboard(DASHBOARD_DEFAULTS as never).uid, 'open-notify-exporter');
    const panels = d.panels as Panel[];
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length);
    const cells = new Set<string>();
    for (const p of panels) {
      assert.ok(p.gridPos.x + p.gridPos.w <= 24, p.title);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          assert.ok(!cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('the Geomap: latitude and longitude joined into one frame, markers in coords mode; with --cross-check both positions', () => {
    const geomap = (d: { panels: Panel[] }) => d.panels.find((p) => p.type === 'geomap')!;
    let g = geomap(dashboard({ ...cfg, crossCheck: false }));
    assert.deepEqual(g.targets!.map((t) => t.legendFormat), ['latitude', 'longitude']);
    assert.deepEqual(g.transformations, [{ id: 'joinByField', options: { byField: 'Time', mode: 'outer' } }]);
    const layers = (g.options as { layers: { type: string; location: unknown }[] }).layers;
    assert.deepEqual(layers.map((l) => [l.type, l.location]), [['markers', { mode: 'coords', latitude: 'latitude', longitude: 'longitude' }]]);
    g = geomap(dashboard(cfg));
    assert.deepEqual(g.targets!.map((t) => t.legendFormat), ['latitude', 'longitude', 'reference latitude', 'reference longitude']);
    assert.equal((g.options as { layers: unknown[] }).layers.length, 2);
  });

  it('the panels the issue asks for are there', () => {
    const titles = (dashboard(cfg).panels as Panel[]).map((p) => `${p.type}: ${p.title}`);
    for (const t of ['geomap: Where the ISS is', 'stat: People in space', 'table: Crew by craft', 'stat: Endpoints up', 'timeseries: Time since the last valid answer', "stat: Age of the API's ISS timestamp", 'timeseries: Runs and failed fetches', 'timeseries: Request duration (p50, p90, p99)', 'stat: Age of open_notify.prom (textfile mode)', "timeseries: Open Notify's position error"]) {
      assert.ok(titles.includes(t), t);
    }
  });

  it('--selector narrows every query and the job and instance lists', () => {
    const d = dashboard({ ...cfg, selector: 'job="node"' });
    for (const { target } of queries(d)) assert.match(target.expr, /\{job=~"\$job",instance=~"\$instance",job="node"/);
    assert.match(JSON.stringify(d.templating), /label_values\(open_notify_up\{job=\\"node\\"\}, job\)/);
    assert.match(JSON.stringify(d.templating), /label_values\(open_notify_up\{job=~\\"\$job\\",job=\\"node\\"\}, instance\)/);
  });

  /**
   * grafana/dashboard-linter's rules, over the generated dashboard: a
   * datasource variable named datasource; job and instance variables on it;
   * a job and an instance matcher in every query; $__rate_interval in every
   * rate and increase; a unit on every stat and time series panel; a title
   * and a description on every panel.
   */
  for (const variant of [{}, { crossCheck: false }, { selector: 'job="node"' }, { selector: 'job="node"', crossCheck: false }]) {
    it(`passes dashboard-linter's rules ${JSON.stringify(variant)}`, () => {
      const d = dashboard({ ...cfg, ...variant });
      const vars = (d.templating as { list: { name: string; type: string; query: unknown; datasource?: unknown }[] }).list;
      const ds = vars.find((v) => v.name === 'datasource');
      assert.deepEqual([ds?.type, ds?.query], ['datasource', 'prometheus']);
      for (const name of ['job', 'instance']) {
        const v = vars.find((x) => x.name === name);
        assert.ok(v, `no ${name} variable`);
        assert.deepEqual(v.datasource, { type: 'prometheus', uid: '${datasource}' });
      }
      for (const p of d.panels as Panel[]) {
        assert.ok(p.title, `a ${p.type} panel without a title`);
        if (p.type !== 'row') assert.ok(p.description, `${p.title}: no description`);
        if (p.type === 'stat' || p.type === 'timeseries') {
          const unit = (p.fieldConfig as { defaults?: { unit?: string } } | undefined)?.defaults?.unit;
          assert.ok(unit, `${p.title}: no unit`);
        }
      }
      for (const { panel, target } of queries(d)) {
        const what = `${panel.title}: ${target.expr}`;
        for (const sel of target.expr.matchAll(/\b([a-z_:]+)\{([^}]*)\}/g)) {
          assert.match(sel[2], /job=~"\$job"/, what);
          assert.match(sel[2], /instance=~"\$instance"/, what);
        }
        assert.ok(/\{/.test(target.expr), `${what}: no matchers`);
        for (const r of target.expr.matchAll(/\b(rate|irate|increase)\(([^()]*)\)/g)) assert.match(r[2], /\[\$__rate_interval\]$/, what);
      }
    });
  }

  it('the command prints it, or writes it with -o; bad flags are exit 2', async (t) => {
    let r = await runCli(['dashboard']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), dashboard({ ...DASHBOARD_DEFAULTS, crossCheck: false }));
    const out = join(tempDir(t), 'iss.json');
    r = await runCli(['dashboard', '-o', out, '--title', 'ISS', '--uid', 'iss', '--selector', 'job="node"'], { env: { OPEN_NOTIFY_CROSS_CHECK: 'true' } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), dashboard({ title: 'ISS', uid: 'iss', selector: 'job="node"', textfileName: 'open_notify.prom', crossCheck: true }));
    for (const args of [['--uid', 'has space'], ['--selector', 'job=node'], ['--textfile-name', 'x.txt']]) {
      r = await runCli(['dashboard', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
    r = await runCli(['dashboard', '-o', join(tempDir(t), 'missing', 'x.json')]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /cannot write \S+x\.json: directory \S+missing does not exist/);
  });
});
