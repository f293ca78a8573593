// A Grafana dashboard for this exporter, built from the metric contract as
// the alert rules are, so a renamed metric cannot leave an empty panel
// behind. One JSON works both imported in the UI and provisioned from a
// file: the data source is a template variable (type "datasource"), never
// __inputs/${DS_PROMETHEUS}, which file provisioning cannot fill in
// (grafana/grafana#10786).
import type { Dashboard, VariableModel } from '@grafana/schema';
import { METRICS, type MetricSpec } from '../contract/metrics';
import { DS, marker, stat, ts, type Panel, type PanelSpec, type Target } from './panels';
import { textfileMatcher } from './promql';

export interface DashboardConfig {
  title: string;
  uid: string;
  /** Extra matchers for every query, e.g. `job="node"`; empty for none. */
  selector: string;
  /** The output's file name, as node_exporter's `file` label ends. */
  textfileName: string;
  /** Also the panels on the cross-check data. */
  crossCheck: boolean;
}

export const DASHBOARD_DEFAULTS = {
  title: 'Open Notify: where is the ISS',
  uid: 'open-notify-exporter',
  selector: '',
  textfileName: 'open_notify.prom',
} as const;

/** Grafana 12's dashboard JSON schema (classic model; Grafana 13 still imports it). */
export const SCHEMA_VERSION = 41;

/**
 * `{job=~"$job",instance=~"$instance",<selector>}` plus any matchers of the
 * query's own: a job and an instance matcher in every query, as
 * grafana/dashboard-linter asks (a textfile exporter under job="node" and a
 * serve beside it must not add up in one panel).
 */
function matchers(cfg: DashboardConfig, ...own: string[]): string {
  return `{${['job=~"$job"', 'instance=~"$instance"', ...(cfg.selector ? [cfg.selector] : []), ...own].join(',')}}`;
}

/** A metric of the contract with the dashboard's matchers. */
function m(cfg: DashboardConfig, spec: MetricSpec, suffix = '', ...own: string[]): string {
  return `${spec.name}${suffix}${matchers(cfg, ...own)}`;
}

export type { Panel, Target } from './panels';

export function dashboard(cfg: DashboardConfig): Dashboard & { panels: Panel[] } {
  let id = 0;
  const panels: Panel[] = [];
  const at = (x: number, y: number, w: number, h: number) => ({ x, y, w, h });
  const add = ({ targets, ...p }: PanelSpec) => {
    id += 1;
    panels.push({ ...p, id, ...(targets ? { datasource: DS, targets: targets.map((t) => ({ datasource: DS, ...t })) } : {}) });
  };
  const row = (title: string, y: number) => add({ type: 'row', title, collapsed: false, gridPos: at(0, y, 24, 1), panels: [] });
  /** Plain series of contract metrics, one target each, with their legends. */
  const plain = (...series: [MetricSpec, string][]): Target[] =>
    series.map(([spec, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), expr: m(cfg, spec), legendFormat }));

  // The map: latitude and longitude are two series; Geomap wants both
  // fields in one frame (grafana/grafana#37327), so they are joined on time.
  const position = [
    { refId: 'A', expr: m(cfg, METRICS.issLatitude), legendFormat: 'latitude', range: true },
    { refId: 'B', expr: m(cfg, METRICS.issLongitude), legendFormat: 'longitude', range: true },
  ];
  const layers = [marker('ISS (Open Notify): position and recent track', 'latitude', 'longitude', 'orange', 5)];
  if (cfg.crossCheck) {
    position.push(
      { refId: 'C', expr: m(cfg, METRICS.referenceLatitude), legendFormat: 'reference latitude', range: true },
      { refId: 'D', expr: m(cfg, METRICS.referenceLongitude), legendFormat: 'reference longitude', range: true },
    );
    layers.push(marker('ISS (wheretheiss.at)', 'reference latitude', 'reference longitude', 'purple', 4));
  }
  add({
    type: 'geomap',
    title: 'Where the ISS is',
    description: `Open Notify's position over the time range: the last point is where the ISS is now, the others its track.${cfg.crossCheck ? ' Purple: wheretheiss.at for the same instants.' : ''}`,
    gridPos: at(0, 0, 16, 13),
    targets: position,
    transformations: [{ id: 'joinByField', options: { byField: 'Time', mode: 'outer' } }],
    fieldConfig: { defaults: {}, overrides: [] },
    options: {
      view: { id: 'zero', lat: 0, lon: 0, zoom: 1, allLayers: true },
      controls: { showZoom: true, mouseWheelZoom: true, showAttribution: true },
      basemap: { type: 'default', name: 'Basemap' },
      layers,
      tooltip: { mode: 'details' },
    },
  });
  add({ type: 'stat', title: 'People in space', description: "astros.json's own count (with --cross-check, the crew source's beside it).", gridPos: at(16, 0, 8, 4), targets: plain([METRICS.peopleInSpace, 'astros.json'], ...(cfg.crossCheck ? [[METRICS.peopleReference, 'crew source'] as [MetricSpec, string]] : [])), ...stat('none') });
  add({
    type: 'stat',
    title: "Age of the API's ISS timestamp",
    description: 'How old the position iss-now.json serves is; growing means frozen data under 200 OK (alert OpenNotifyIssPositionFrozen).',
    gridPos: at(16, 4, 8, 4),
    targets: [{ refId: 'A', expr: `time() - ${m(cfg, METRICS.issTimestamp)}`, legendFormat: 'age' }],
    ...stat('s', { thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 120 }, { color: 'red', value: 600 }] } }),
  });
  add({
    type: 'stat',
    title: 'Endpoints up',
    description: 'Whether each endpoint gave valid data in the last run; alert OpenNotifyEndpointDown.',
    gridPos: at(16, 8, 8, 5),
    targets: plain([METRICS.up, '{{endpoint}}']),
    ...stat('none', { mappings: [{ type: 'value', options: { '0': { text: 'down', color: 'red' }, '1': { text: 'up', color: 'green' } } }], color: { mode: 'thresholds' }, thresholds: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] } }),
  });

  add({
    type: 'table',
    title: 'Crew by craft',
    description: 'One row per person in open_notify_astronaut_info.',
    gridPos: at(0, 13, 12, 9),
    targets: [{ refId: 'A', expr: m(cfg, METRICS.astronautInfo), instant: true, format: 'table' }],
    transformations: [
      { id: 'organize', options: { excludeByName: { Time: true, Value: true, __name__: true, instance: true, job: true }, indexByName: { craft: 0, name: 1 }, renameByName: {} } },
      { id: 'sortBy', options: { sort: [{ field: 'craft' }] } },
    ],
    fieldConfig: { defaults: {}, overrides: [] },
    options: { showHeader: true, cellHeight: 'sm' },
  });
  add({
    type: 'timeseries',
    title: 'Time since the last valid answer',
    description: 'Per endpoint; alert OpenNotifyDataStale.',
    gridPos: at(12, 13, 12, 9),
    targets: [{ refId: 'A', expr: `time() - ${m(cfg, METRICS.lastSuccess)}`, legendFormat: '{{endpoint}}' }],
    ...ts('s'),
  });

  row('The exporter', 22);
  add({
    type: 'timeseries',
    title: 'Runs and failed fetches',
    description: 'Runs a second, and runs a second in which an endpoint gave no valid data.',
    gridPos: at(0, 23, 8, 8),
    targets: [
      { refId: 'A', expr: `rate(${m(cfg, METRICS.runs)}[$__rate_interval])`, legendFormat: 'runs' },
      { refId: 'B', expr: `rate(${m(cfg, METRICS.fetchFailures)}[$__rate_interval])`, legendFormat: 'failed: {{endpoint}}' },
    ],
    ...ts('ops'),
  });
  add({
    type: 'timeseries',
    title: 'Request duration (p50, p90, p99)',
    description: 'Every HTTP attempt, retries included, from the histogram.',
    gridPos: at(8, 23, 8, 8),
    targets: [0.5, 0.9, 0.99].map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      expr: `histogram_quantile(${q}, sum by (le, endpoint) (rate(${m(cfg, METRICS.requestDuration, '_bucket')}[$__rate_interval])))`,
      legendFormat: `p${q * 100} {{endpoint}}`,
    })),
    ...ts('s'),
  });
  add({
    type: 'stat',
    title: `Age of ${cfg.textfileName} (textfile mode)`,
    description: "node_exporter's mtime of the file the one-shot or schedule writes; alert OpenNotifyTextfileStale. Empty for serve and push.",
    gridPos: at(16, 23, 8, 8),
    targets: [{ refId: 'A', expr: `time() - node_textfile_mtime_seconds${matchers(cfg, textfileMatcher(cfg.textfileName))}`, legendFormat: '{{instance}}' }],
    ...stat('s', { thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 180 }, { color: 'red', value: 300 }] } }),
  });

  if (cfg.crossCheck) {
    row('Is Open Notify telling the truth? (--cross-check)', 31);
    add({
      type: 'timeseries',
      title: "Open Notify's position error",
      description: 'Great-circle distance to wheretheiss.at for the same timestamp; alert OpenNotifyIssPositionWrong.',
      gridPos: at(0, 32, 12, 8),
      targets: plain([METRICS.positionError, 'error']),
      ...ts('lengthm'),
    });
    add({
      type: 'timeseries',
      title: 'People in space: astros.json and the crew source',
      description: 'Alert OpenNotifyPeopleCountWrong when they differ for long.',
      gridPos: at(12, 32, 12, 8),
      targets: plain([METRICS.peopleInSpace, 'astros.json'], [METRICS.peopleReference, 'crew source']),
      ...ts('none', { decimals: 0 }),
    });
    add({
      type: 'stat',
      title: 'Altitude, speed, daylight (wheretheiss.at)',
      description: 'From wheretheiss.at for the same instant; sunlit is 1 in daylight.',
      gridPos: at(0, 40, 24, 4),
      targets: plain([METRICS.issAltitude, 'altitude'], [METRICS.issVelocity, 'speed'], [METRICS.issSunlit, 'sunlit']),
      ...stat('none'),
    });
  }

  const jobQuery = `label_values(${METRICS.up.name}${cfg.selector ? `{${cfg.selector}}` : ''}, job)`;
  const instanceQuery = `label_values(${METRICS.up.name}{${['job=~"$job"', ...(cfg.selector ? [cfg.selector] : [])].join(',')}}, instance)`;
  const variable = (name: string, label: string, query: string): VariableModel => ({
    name,
    label,
    type: 'query',
    datasource: DS,
    query: { query, refId: name },
    refresh: 2,
    includeAll: true,
    allValue: '.*',
    multi: true,
    current: { text: ['All'], value: ['$__all'] },
    sort: 1,
    hide: 0,
    options: [],
  });
  return {
    uid: cfg.uid,
    title: cfg.title,
    description: 'open-notify-exporter: the ISS, the people in space, and the health of the exporter. Printed by `open-notify-exporter dashboard`.',
    tags: ['open-notify', 'iss', 'prometheus'],
    editable: true,
    graphTooltip: 1,
    refresh: '1m',
    schemaVersion: SCHEMA_VERSION,
    time: { from: 'now-3h', to: 'now' },
    timepicker: {},
    timezone: 'utc',
    version: 1,
    links: [],
    annotations: { list: [] },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', hide: 0, refresh: 1, regex: '', options: [] },
        variable('job', 'Job', jobQuery),
        variable('instance', 'Instance', instanceQuery),
      ],
    },
    panels,
  };
}
