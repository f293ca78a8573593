// Prometheus alerting rules for this exporter, built from the metric contract
// so that a renamed metric cannot leave a silent, never-firing alert behind.
import { METRICS } from '../contract/metrics';
import { formatDuration } from '../lib/duration';
import { templateLiteral, textfileMatcher } from './promql';

export interface RulesConfig {
  /** How long an endpoint must fail before EndpointDown fires. */
  downForMs: number;
  /** No valid data for this long → DataStale. */
  staleAfterMs: number;
  /** The API's own ISS timestamp older than this → IssPositionFrozen. */
  frozenAfterMs: number;
  /** The .prom file not rewritten for this long → TextfileStale. */
  fileStaleAfterMs: number;
  /** The output's file name, as node_exporter's `file` label ends. */
  textfileName: string;
  /** --selector: matchers (canonical) added to every selector of every expression; empty for none. */
  selector: string;
  /** Where the runbook is: each alert links to its own section (#<alert name, lower case>). */
  runbookUrl: string;
  /** Also the alerts on the cross-check sources' data (rules --cross-check). */
  crossCheck?: {
    /** Open Notify's position further than this from wheretheiss.at's → IssPositionWrong. */
    maxPositionErrorMeters: number;
    /** How long the people counts must disagree before PeopleCountWrong fires. */
    peopleWrongForMs: number;
  };
}

export const RULE_DEFAULTS = {
  downFor: '5m',
  staleAfter: '15m',
  frozenAfter: '10m',
  fileStaleAfter: '5m',
  textfileName: 'open_notify.prom',
  // docs/runbook.md at the package's homepage (package.json's, without #readme: a test keeps them one).
  runbookUrl: 'https://github.com/open-notify-exporter/open-notify-exporter/blob/main/docs/runbook.md',
  maxPositionError: '50km',
  peopleWrongFor: '6h',
} as const;

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  /** warning for what needs a look; info where nothing here can fix it (see each alert's runbook). */
  severity: 'warning' | 'info';
  summary: string;
  description: string;
  runbookUrl: string;
}

/**
 * GitHub's anchor for a heading: lower case, punctuation but `-` and `_`
 * dropped, spaces as `-` (the runbook's headings are the alert names).
 */
export function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export function alertRules(cfg: RulesConfig): AlertRule[] {
  const file = textfileMatcher(cfg.textfileName);
  // The file name is the operator's text; in an annotation it must stay text, never a template action.
  const fileName = templateLiteral(cfg.textfileName);
  const s = (ms: number) => Math.round(ms / 1000);
  /** A metric with its own matchers and --selector's, on every selector of every expression. */
  const m = (name: string, ...own: string[]) => {
    const all = [...own, ...(cfg.selector ? [cfg.selector] : [])];
    return all.length > 0 ? `${name}{${all.join(',')}}` : name;
  };
  const scope = cfg.selector ? templateLiteral(` ({${cfg.selector}})`) : '';
  /**
   * One cause, one alert: what follows from a cause is silenced in the rule
   * itself, so no Alertmanager inhibition is needed. The exporter stopped
   * (the file ages) is the cause of everything its last file still says; at
   * half of --file-stale-after, so the consequence goes before the cause fires.
   */
  const fileStale = `${m('node_textfile_mtime_seconds', file)} < time() - ${s(cfg.fileStaleAfterMs / 2)}`;
  const running = ` unless on(job, instance) (${fileStale})`;
  // Frozen is the API's timestamp old when we fetched it, not old now: a file nobody rewrites does not freeze the API.
  const frozen = `${m(METRICS.lastSuccess.name, 'endpoint="iss_now"')} - ignoring(endpoint) ${m(METRICS.issTimestamp.name)} > ${s(cfg.frozenAfterMs)}`;
  const rules: Omit<AlertRule, 'runbookUrl'>[] = [
    {
      alert: 'OpenNotifyEndpointDown',
      expr: `${m(METRICS.up.name)} == 0${running}`,
      for: formatDuration(cfg.downForMs),
      severity: 'warning',
      summary: 'Open Notify endpoint {{ $labels.endpoint }} is failing on {{ $labels.instance }}',
      description: `Every run for ${formatDuration(cfg.downForMs)} failed to get valid data from the {{ $labels.endpoint }} endpoint (open_notify_up is {{ $value }}): a network error, timeout, HTTP error or invalid data. The exporter's log line per run says why.`,
    },
    {
      alert: 'OpenNotifyDataStale',
      // An endpoint reporting down is EndpointDown's.
      expr: `time() - ${m(METRICS.lastSuccess.name)} > ${s(cfg.staleAfterMs)} unless on(job, instance, endpoint) ${m(METRICS.up.name)} == 0${running}`,
      for: '0m',
      severity: 'warning',
      summary: `No valid data from Open Notify endpoint {{ $labels.endpoint }} on {{ $labels.instance }} for over ${formatDuration(cfg.staleAfterMs)}`,
      description: 'The last successful fetch of {{ $labels.endpoint }} on {{ $labels.instance }} was {{ $value | humanizeDuration }} ago.',
    },
    {
      alert: 'OpenNotifyIssPositionFrozen',
      expr: frozen,
      for: '1m',
      severity: 'warning',
      summary: 'Open Notify serves {{ $labels.instance }} an ISS position that is not moving',
      description: 'iss-now.json answers 200 OK, but the timestamp it gives is {{ $value | humanizeDuration }} old: the API is serving frozen data.',
    },
    {
      alert: 'OpenNotifyTextfileStale',
      expr: `time() - ${m('node_textfile_mtime_seconds', file)} > ${s(cfg.fileStaleAfterMs)}`,
      for: '0m',
      severity: 'warning',
      summary: `${fileName} on {{ $labels.instance }} has not been rewritten for over ${formatDuration(cfg.fileStaleAfterMs)}`,
      description: 'The exporter has stopped running (cron entry or systemd timer disabled, or every run failing to write: see exit code 3 in its log). The file was last written {{ $value | humanizeDuration }} ago.',
    },
    {
      alert: 'OpenNotifyTextfileMissing',
      // A file node_exporter cannot parse is dropped whole: that is TextfileScrapeError's.
      expr: `absent(${m(METRICS.lastRun.name)}) unless on() ${m('node_textfile_scrape_error')} == 1`,
      for: '10m',
      severity: 'warning',
      // absent() has no instance to name: the selector says which targets were looked for.
      summary: `No open-notify-exporter metrics reach Prometheus${scope || ' from any target'}`,
      description: `No series ${METRICS.lastRun.name}${scope} for 10m: ${fileName} is missing, or node_exporter drops it (a parse error, a sample timestamp, or HELP text differing from another file's), or the target is not scraped.`,
    },
    {
      alert: 'OpenNotifyTextfileScrapeError',
      expr: `${m('node_textfile_scrape_error')} == 1`,
      for: '5m',
      severity: 'warning',
      summary: "node_exporter's textfile collector on {{ $labels.instance }} reports an error",
      description: 'node_exporter could not read or parse a *.prom file in its textfile directory (this one or another); such a file is dropped whole. node_exporter logs which file.',
    },
    ...(cfg.crossCheck ? crossCheckRules(cfg.crossCheck, m, frozen) : []),
  ];
  const base = cfg.runbookUrl.replace(/#.*$/, '');
  return rules.map((r) => ({ ...r, runbookUrl: `${base}#${githubAnchor(r.alert)}` }));
}

/** Whether Open Notify's data agrees with the independent sources (only with --cross-check). */
function crossCheckRules(c: NonNullable<RulesConfig['crossCheck']>, m: (name: string) => string, frozen: string): Omit<AlertRule, 'runbookUrl'>[] {
  const km = c.maxPositionErrorMeters / 1000;
  return [
    {
      alert: 'OpenNotifyIssPositionWrong',
      // A frozen position is IssPositionFrozen's.
      expr: `${m(METRICS.positionError.name)} > ${c.maxPositionErrorMeters} unless on(job, instance) ${frozen}`,
      for: '10m',
      // The upstream's orbit data is stale: nothing here can fix it.
      severity: 'info',
      summary: `Open Notify's ISS position on {{ $labels.instance }} is more than ${km} km off wheretheiss.at's`,
      description: `For the same timestamp, iss-now.json puts the ISS {{ $value | humanize }}m from where wheretheiss.at puts it. Open Notify computes the position from orbit data it no longer refreshes; its latitude and longitude are not to be trusted.`,
    },
    {
      alert: 'OpenNotifyPeopleCountWrong',
      expr: `${m(METRICS.peopleInSpace.name)} != ${m(METRICS.peopleReference.name)}`,
      for: formatDuration(c.peopleWrongForMs),
      // Known wrong for hours by the time it fires, and hand-edited upstream: a ticket, not a page.
      severity: 'info',
      summary: `astros.json, as {{ $labels.instance }} sees it, has said a different number of people in space than the crew source for ${formatDuration(c.peopleWrongForMs)}`,
      description: `astros.json says {{ $value }} people in space and the independent crew source disagrees. astros.json is edited by hand and has been wrong for months at a time; after a launch or a landing either list may lag for a few hours.`,
    },
  ];
}

/** The rules file, written by the yaml package; expressions and annotations single-quoted (no escapes but '' for '). */
export function rulesYaml(cfg: RulesConfig, version: string): string {
  const YAML = require('yaml') as typeof import('yaml');
  const q = (text: string) => Object.assign(new YAML.Scalar(text), { type: YAML.Scalar.QUOTE_SINGLE });
  const rules = alertRules(cfg).map((r) => ({
    alert: r.alert,
    expr: q(r.expr),
    for: r.for,
    labels: { severity: r.severity },
    annotations: { summary: q(r.summary), description: q(r.description), runbook_url: q(r.runbookUrl) },
  }));
  const head = `# Alerting rules for open-notify-exporter ${version}, printed by \`open-notify-exporter rules\`.\n# Load them with rule_files: in prometheus.yml; check with \`promtool check rules\`.\n`;
  return head + YAML.stringify({ groups: [{ name: 'open-notify-exporter', rules }] }, { lineWidth: 0 });
}
