// One cause, one alert: for every failure scenario, promtool evaluates the
// printed rules on that scenario's series and the whole set of alerts firing
// (ALERTS, by name) must be exactly the one named — with and without
// --cross-check, and with --selector.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { requireBinary, runCli, tempDir } from '../support/helpers';

type Series = Record<string, string>;
const FILE = 'file="/var/lib/prometheus/node-exporter/open_notify.prom"';
/** The minutes each scenario runs, sampled once a minute; the set is read at the end. */
const MINUTES = 40;
const steady = (v: number | string) => `${v}x${MINUTES}`;
/** A Unix time that keeps up with the evaluation clock (one sample a minute). */
const clock = `0+60x${MINUTES}`;
/** Keeps up until minute `at`, then stays (a file no longer rewritten, a frozen value). */
const frozenAt = (at: number) => `0+60x${at} ${at * 60}x${MINUTES - at}`;
/** Present until minute `at` (from `start`, `step` a minute), then gone: a series left out. */
const goneAt = (at: number, start: number, step = 0) => `${start}+${step}x${at} _x${MINUTES - at}`;

/** A textfile exporter that works: node_exporter serves a file rewritten every minute. */
function healthy(target: string, crossCheck: boolean): Series {
  const s: Series = {
    [`open_notify_up{endpoint="astros",${target}}`]: steady(1),
    [`open_notify_up{endpoint="iss_now",${target}}`]: steady(1),
    [`open_notify_last_success_timestamp_seconds{endpoint="astros",${target}}`]: clock,
    [`open_notify_last_success_timestamp_seconds{endpoint="iss_now",${target}}`]: clock,
    [`open_notify_iss_position_timestamp_seconds{${target}}`]: clock,
    [`open_notify_last_run_timestamp_seconds{${target}}`]: clock,
    [`open_notify_people_in_space{${target}}`]: steady(10),
  };
  if (crossCheck) {
    for (const e of ['wheretheiss', 'crew']) {
      s[`open_notify_up{endpoint="${e}",${target}}`] = steady(1);
      s[`open_notify_last_success_timestamp_seconds{endpoint="${e}",${target}}`] = clock;
    }
    s[`open_notify_iss_position_error_meters{${target}}`] = steady(1200);
    s[`open_notify_people_in_space_reference{${target}}`] = steady(10);
  }
  return s;
}

const NODE = 'instance="host:9100",job="node"';
const SERVE = 'instance="host:8899",job="open_notify"';
const textfile = (more: Series = {}): Series => ({ [`node_textfile_mtime_seconds{${FILE},${NODE}}`]: clock, [`node_textfile_scrape_error{${NODE}}`]: steady(0), ...more });

/** Every open_notify_* series of the file frozen at minute `at`, as node_exporter keeps serving a file nobody rewrites. */
function stopped(s: Series, at: number): Series {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v === clock ? frozenAt(at) : v]));
}

interface Scenario {
  name: string;
  series: (crossCheck: boolean) => Series;
  fires: string[];
}

const SCENARIOS: Scenario[] = [
  { name: 'all well (textfile)', series: (c) => ({ ...healthy(NODE, c), ...textfile() }), fires: [] },
  { name: 'all well (serve)', series: (c) => healthy(SERVE, c), fires: [] },
  {
    name: 'the exporter stopped after a failed run: node_exporter serves the stale file',
    series: (c) => ({
      ...stopped({ ...healthy(NODE, c), [`open_notify_last_success_timestamp_seconds{endpoint="astros",${NODE}}`]: frozenAt(3) }, 5),
      [`open_notify_up{endpoint="astros",${NODE}}`]: `1 1 1 0x${MINUTES - 2}`,
      ...textfile({ [`node_textfile_mtime_seconds{${FILE},${NODE}}`]: frozenAt(5) }),
    }),
    fires: ['OpenNotifyTextfileStale'],
  },
  {
    name: 'the exporter stopped after good runs',
    series: (c) => ({ ...stopped(healthy(NODE, c), 5), ...textfile({ [`node_textfile_mtime_seconds{${FILE},${NODE}}`]: frozenAt(5) }) }),
    fires: ['OpenNotifyTextfileStale'],
  },
  {
    name: 'the API is down while the exporter runs (textfile)',
    series: (c) => ({
      ...healthy(NODE, c),
      [`open_notify_up{endpoint="astros",${NODE}}`]: `1 1 0x${MINUTES - 1}`,
      [`open_notify_up{endpoint="iss_now",${NODE}}`]: `1 1 0x${MINUTES - 1}`,
      [`open_notify_last_success_timestamp_seconds{endpoint="astros",${NODE}}`]: frozenAt(1),
      [`open_notify_last_success_timestamp_seconds{endpoint="iss_now",${NODE}}`]: frozenAt(1),
      // A failed endpoint's data series are left out.
      [`open_notify_iss_position_timestamp_seconds{${NODE}}`]: goneAt(2, 0, 60),
      [`open_notify_people_in_space{${NODE}}`]: goneAt(2, 10),
      ...(c ? { [`open_notify_iss_position_error_meters{${NODE}}`]: goneAt(2, 1200) } : {}),
      ...textfile(),
    }),
    fires: ['OpenNotifyEndpointDown'],
  },
  {
    name: 'the API is down while serve runs',
    series: (c) => ({
      ...healthy(SERVE, c),
      [`open_notify_up{endpoint="astros",${SERVE}}`]: `1 1 0x${MINUTES - 1}`,
      [`open_notify_last_success_timestamp_seconds{endpoint="astros",${SERVE}}`]: frozenAt(1),
      [`open_notify_people_in_space{${SERVE}}`]: goneAt(2, 10),
    }),
    fires: ['OpenNotifyEndpointDown'],
  },
  {
    name: 'serve stuck: its series still there, nothing refreshed (a push no longer sent looks the same)',
    series: (c) => stopped(healthy(SERVE, c), 5),
    fires: ['OpenNotifyDataStale'],
  },
  {
    name: 'the ISS position frozen under 200 OK (with --cross-check its error grows too)',
    series: (c) => ({
      ...healthy(NODE, c),
      [`open_notify_iss_position_timestamp_seconds{${NODE}}`]: frozenAt(5),
      ...(c ? { [`open_notify_iss_position_error_meters{${NODE}}`]: `1200x5 2000000x${MINUTES - 5}` } : {}),
      ...textfile(),
    }),
    fires: ['OpenNotifyIssPositionFrozen'],
  },
  { name: 'the file is missing', series: () => ({ [`node_textfile_scrape_error{${NODE}}`]: steady(0) }), fires: ['OpenNotifyTextfileMissing'] },
  { name: 'node_exporter cannot parse the file (it drops it whole)', series: () => ({ [`node_textfile_scrape_error{${NODE}}`]: steady(1) }), fires: ['OpenNotifyTextfileScrapeError'] },
];

const CROSS_CHECK_SCENARIOS: Scenario[] = [
  {
    name: "Open Notify's position wrong by the cross-check",
    series: (c) => ({ ...healthy(NODE, c), [`open_notify_iss_position_error_meters{${NODE}}`]: steady(900_000), ...textfile() }),
    fires: ['OpenNotifyIssPositionWrong'],
  },
];

/** A promtool unit-test file: each scenario's firing set, by alert name, at its last minute. */
function unitTests(scenarios: Scenario[], crossCheck: boolean, relabel: (s: string) => string): string {
  const tests = scenarios.map((sc) => ({
    name: sc.name,
    interval: '1m',
    input_series: Object.entries(sc.series(crossCheck)).map(([series, values]) => ({ series: relabel(series), values })),
    promql_expr_test: [
      {
        expr: 'group by (alertname) (ALERTS{alertstate="firing"})',
        eval_time: `${MINUTES}m`,
        exp_samples: sc.fires.map((a) => ({ labels: `{alertname="${a}"}`, value: 1 })),
      },
    ],
  }));
  // JSON is YAML.
  return JSON.stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests }, null, 1);
}

function check(t: import('node:test').TestContext, rulesArgs: string[], scenarios: Scenario[], crossCheck: boolean, relabel = (s: string) => s) {
  return async () => {
    const bin = requireBinary(t, 'promtool', 'prometheus');
    if (!bin) return;
    const dir = tempDir(t);
    const r = await runCli(['rules', ...rulesArgs]);
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(join(dir, 'rules.yml'), r.stdout);
    writeFileSync(join(dir, 'tests.yml'), unitTests(scenarios, crossCheck, relabel));
    const unit = spawnSync(bin, ['test', 'rules', join(dir, 'tests.yml')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(unit.status, 0, `${unit.stdout}${unit.stderr}`);
  };
}

describe('one cause, one alert: the whole set firing in each scenario', () => {
  it('rules', (t) => check(t, [], SCENARIOS, false)());
  it('rules --cross-check, the cross-check series present', (t) => check(t, ['--cross-check'], [...SCENARIOS, ...CROSS_CHECK_SCENARIOS], true)());
  it('rules --cross-check --selector, the series carrying the selected label', (t) =>
    check(t, ['--cross-check', '--selector', 'site="lab"'], [...SCENARIOS, ...CROSS_CHECK_SCENARIOS], true, (s) => s.replace(/\}$/, ',site="lab"}'))());
});
