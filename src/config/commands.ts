// The subcommands: their own options, help text and the config each builds.
import { Command, Option } from 'commander';
import type { HealthcheckConfig, Listen, PushConfig, RunConfig, ScheduleConfig, ServeConfig, Trigger } from './config';
import type { DashboardConfig } from '../mixin/dashboard';
import { DASHBOARD_DEFAULTS } from '../mixin/dashboard';
import type { RulesConfig } from '../mixin/rules';
import { RULE_DEFAULTS } from '../mixin/rules';
import type { LogConfig } from '../lib/log';
import * as o from './options';
import { parseCount, parseCron, parseDistance, parseDuration, parseHttpUrl, parseJobName, parseRefresh, parseTelemetryPath, parseTimezone, parseUid } from './values';

export type Parsed =
  | { kind: 'exit'; code: number }
  | { kind: 'once'; run: RunConfig; log: LogConfig }
  | { kind: 'rules'; rules: RulesConfig; output: string }
  | { kind: 'dashboard'; dashboard: DashboardConfig; output: string }
  | { kind: 'healthcheck'; healthcheck: HealthcheckConfig }
  | { kind: 'schedule'; schedule: ScheduleConfig; log: LogConfig }
  | { kind: 'serve'; serve: ServeConfig; log: LogConfig }
  | { kind: 'push'; push: PushConfig; log: LogConfig };

/** Kept in step with addSubcommands by a test (cli.test.ts, --help). */
export const COMMANDS = ['schedule', 'serve', 'push', 'rules', 'dashboard', 'healthcheck'];

/** Label names of prom-client's process metrics (heap spaces, handle types, GC kinds, the Node.js version). */
const PROCESS_METRIC_LABELS = ['space', 'type', 'kind', 'version', 'major', 'minor', 'patch'];

const GROUPING_RESERVED: Record<string, string> = { ...o.OWN_RESERVED, job: 'is set by --job' };

const duration = (flags: string, description: string, def: string) => o.parsedOption(flags, description, def, parseDuration);

export function addSubcommands(program: Command, set: (p: Parsed) => void): void {
  program.helpCommand(true);
  o.addCollectOptions(program.command('schedule').addOption(o.metricsOutputOption(false)))
    .description('run on a cron schedule until SIGTERM or SIGINT, keeping counters in memory between runs')
    .addOption(new Option('--cron <expr>', 'node-cron expression; an optional first field is seconds').env('OPEN_NOTIFY_CRON').default('* * * * *').argParser(o.arg(parseCron)))
    .addOption(new Option('--no-run-on-start', 'wait for the first tick instead of running at start'))
    .addOption(new Option('--timezone <tz>', 'IANA time zone the cron expression is read in (default: the system zone)').argParser(o.arg(parseTimezone)))
    .addHelpText(
      'after',
      `
A tick that comes while a run is still in flight is skipped and counted in
open_notify_skipped_runs_total; a tick missed (the process was stalled) is
logged and not run late. The first SIGTERM or SIGINT stops the schedule and
aborts a run in flight (nothing of it is written); a second exits at once.
SIGHUP is logged and changes nothing. Exit code 0 after a signal, 2 for a
usage error (a bad cron expression or time zone). Unlike crontab(5), where
either day field may match, node-cron runs only where both the day of month
and the day of week match ('0 0 29 2 1' is next in 2044): the time of the
next run is logged at start.
`,
    )
    .action((opts: o.CollectOpts & { output: string; cron: string; runOnStart: boolean; timezone?: string }, cmd: Command) => {
      if (opts.output === '-') o.refuse(cmd, "option '--output <file>' argument '-' is invalid. the scheduler writes a file; standard output is not one.");
      const { collect, log } = o.toCollect(opts, cmd);
      set({ kind: 'schedule', schedule: { run: { ...collect, output: opts.output }, cron: opts.cron, runOnStart: opts.runOnStart, timezone: opts.timezone }, log });
    });

  o.addCollectOptions(program.command('serve'))
    .description('serve /metrics over HTTP (port 8899), refreshed in the background')
    .addOption(o.listenOption('address to listen on'))
    .addOption(new Option('--web.telemetry-path <path>', 'path under which to expose metrics').env('OPEN_NOTIFY_WEB_TELEMETRY_PATH').default('/metrics').argParser(o.arg(parseTelemetryPath)))
    .addOption(
      o.parsedOption('--refresh <duration|cron>', 'how often to fetch: a duration (15s) or a node-cron expression', '15s', parseRefresh).env('OPEN_NOTIFY_REFRESH'),
    )
    .addOption(new Option('--process-metrics', "also serve the process's own metrics (CPU, memory, event loop)"))
    .addOption(o.webConfigOption("TLS, client certificates and basic auth in exporter-toolkit's format (as node_exporter's --web.config.file)"))
    .addOption(
      new Option('--max-connections <n>', 'open connections at most (1-65535); at it, a new one closes an idle one')
        .env('OPEN_NOTIFY_MAX_CONNECTIONS')
        .default(256)
        .argParser(o.arg((v) => parseCount(v, 1, 65535))),
    )
    .addHelpText(
      'after',
      `
Endpoints: /metrics, or --web.telemetry-path (the last refresh, rendered once
and cached: scrapes never reach the API, and never wait for a refresh in
progress); /healthz (200 while the last refresh got valid data from at least
one endpoint, 503 otherwise); /-/healthy (200 while serving) and /-/ready (200
once a refresh finished), as Prometheus' own; / (the landing page: the ISS on
a world map, the people in space, each endpoint's health; no JavaScript).
The API asks for no more than one request every 5 s; the default refresh is 15s.
At --max-connections a new connection closes an idle, handshaking or
unauthenticated one; a connection with more than 16 unread answers, or
without a request 5 s after opening, is closed. All are counted in
open_notify_serve_connections_dropped_total{reason}.
SIGHUP re-reads --web.config.file at once. Exit codes: 0 after SIGTERM or
SIGINT, 2 for a usage error or an address that cannot be listened on (in
use, not local).
`,
    )
    .action(
      (
        opts: o.CollectOpts & { 'web.listenAddress': Listen; 'web.telemetryPath': string; refresh: Trigger; processMetrics?: boolean; maxConnections: number; 'web.config.file'?: string },
        cmd: Command,
      ) => {
        const taken = opts.processMetrics ? opts.label.find(([name]) => PROCESS_METRIC_LABELS.includes(name)) : undefined;
        // prom-client lets a series' own label win: the operator's value would be lost on those series.
        if (taken) o.refuse(cmd, `option '--label <name=value>' argument '${taken[0]}=${taken[1]}' is invalid. label name "${taken[0]}" is used by --process-metrics' own series (${PROCESS_METRIC_LABELS.join(', ')}).`);
        const { collect, log } = o.toCollect(opts, cmd);
        const web = opts['web.config.file'] ? { webConfigFile: opts['web.config.file'] } : {};
        set({ kind: 'serve', serve: { ...collect, listen: opts['web.listenAddress'], telemetryPath: opts['web.telemetryPath'], refresh: opts.refresh, processMetrics: opts.processMetrics === true, maxConnections: opts.maxConnections, ...web }, log });
      },
    );

  o.addCollectOptions(program.command('push'))
    .description('one run, pushed to a Pushgateway (replacing the group) instead of written to a file')
    .addOption(new Option('--gateway <url>', 'Pushgateway base URL').env('OPEN_NOTIFY_PUSHGATEWAY').makeOptionMandatory().argParser(o.arg(parseHttpUrl)))
    .addOption(
      new Option('--job <name>', 'job label of the pushed group').default('open_notify').argParser(o.arg(parseJobName)),
    )
    .addOption(o.labelOption('--grouping <name=value>', 'further grouping key label (repeatable; an empty value is allowed)', GROUPING_RESERVED, true))
    .addHelpText(
      'after',
      `
The push is a PUT: it replaces every series in the group. Timeout and retries
as for the API. Only a 2xx answer counts as pushed; a redirect is not
followed. Grouping values that need it ('', '.', '..', '/', Unicode) are sent
in the Pushgateway's base64 form. Exit codes: 0 pushed and every endpoint
fine; 1 pushed with open_notify_up 0 for a failed endpoint; 2 usage error;
4 the Pushgateway was unreachable or answered anything but 2xx (the status is
in the log line).
`,
    )
    .action((opts: o.CollectOpts & { gateway: string; job: string; grouping: [string, string][] }, cmd: Command) => {
      // The Pushgateway lets a grouping label win over the pushed series' own: site=a would be dropped silently.
      const clash = opts.grouping.find(([name]) => opts.label.some(([l]) => l === name));
      if (clash) {
        const value = opts.label.find(([l]) => l === clash[0])![1];
        o.refuse(cmd, `option '--label ${clash[0]}=${value}' conflicts with option '--grouping ${clash[0]}=${clash[1]}': the Pushgateway would keep only the grouping value; give the name once.`);
      }
      const { collect, log } = o.toCollect(opts, cmd);
      set({ kind: 'push', push: { ...collect, gateway: opts.gateway, job: opts.job, grouping: Object.fromEntries(opts.grouping) }, log });
    });

  program
    .command('rules')
    .description('print Prometheus alerting rules (YAML) for this exporter, built from its metric contract')
    .addOption(o.outputOption('write them to this file instead of standard output', '-'))
    .addOption(duration('--down-for <duration>', 'how long an endpoint must fail before OpenNotifyEndpointDown fires', RULE_DEFAULTS.downFor))
    .addOption(duration('--stale-after <duration>', 'no valid data for this long fires OpenNotifyDataStale', RULE_DEFAULTS.staleAfter))
    .addOption(duration('--frozen-after <duration>', "the API's ISS timestamp older than this fires OpenNotifyIssPositionFrozen", RULE_DEFAULTS.frozenAfter))
    .addOption(duration('--file-stale-after <duration>', 'the .prom file not rewritten for this long fires OpenNotifyTextfileStale', RULE_DEFAULTS.fileStaleAfter))
    .addOption(o.textfileNameOption(RULE_DEFAULTS.textfileName))
    .addOption(o.crossCheckOption('also the alerts on the cross-check data: IssPositionWrong, PeopleCountWrong'))
    .addOption(o.parsedOption('--max-position-error <distance>', "Open Notify's ISS position further than this from wheretheiss.at's for 10m fires OpenNotifyIssPositionWrong", RULE_DEFAULTS.maxPositionError, parseDistance))
    .addOption(duration('--people-wrong-for <duration>', 'people counts disagreeing for this long fires OpenNotifyPeopleCountWrong', RULE_DEFAULTS.peopleWrongFor))
    .addOption(o.selectorOption())
    .addOption(
      new Option('--runbook-url <base>', "where each alert's runbook_url points, #<alert name> appended (a fork, an internal wiki)")
        .env('OPEN_NOTIFY_RUNBOOK_URL')
        .default(RULE_DEFAULTS.runbookUrl, 'the runbook in docs/, on GitHub')
        .argParser(o.arg((v) => parseHttpUrl(v, true))),
    )
    .action((r: o.CrossCheckOpt & { output: string; downFor: number; staleAfter: number; frozenAfter: number; fileStaleAfter: number; textfileName: string; maxPositionError: number; peopleWrongFor: number; selector: string; runbookUrl: string }, cmd: Command) => {
      const crossCheck = o.crossCheckOn(r, cmd) ? { crossCheck: { maxPositionErrorMeters: r.maxPositionError, peopleWrongForMs: r.peopleWrongFor } } : {};
      const { downFor: downForMs, staleAfter: staleAfterMs, frozenAfter: frozenAfterMs, fileStaleAfter: fileStaleAfterMs, textfileName, selector, runbookUrl } = r;
      set({ kind: 'rules', output: r.output, rules: { downForMs, staleAfterMs, frozenAfterMs, fileStaleAfterMs, textfileName, selector, runbookUrl, ...crossCheck } });
    });

  program
    .command('dashboard')
    .description('print a Grafana dashboard (JSON) for this exporter, built from its metric contract')
    .addOption(o.outputOption('write it to this file instead of standard output', '-'))
    .addOption(new Option('--title <title>', 'dashboard title').default(DASHBOARD_DEFAULTS.title))
    .addOption(
      new Option('--uid <uid>', 'dashboard uid, stable across imports (1-40 of A-Z a-z 0-9 - _)').default(DASHBOARD_DEFAULTS.uid).argParser(o.arg(parseUid)),
    )
    .addOption(o.selectorOption())
    .addOption(o.textfileNameOption(DASHBOARD_DEFAULTS.textfileName))
    .addOption(o.crossCheckOption('also the panels on the cross-check data'))
    .addHelpText(
      'after',
      `
The data source is a template variable (type datasource, Prometheus), so the
same JSON can be imported in the UI or provisioned from a file. Exit codes: 0,
2 for a usage error, 3 if --output cannot be written.
`,
    )
    .action((d: o.CrossCheckOpt & { output: string; title: string; uid: string; selector: string; textfileName: string }, cmd: Command) => {
      set({ kind: 'dashboard', output: d.output, dashboard: { title: d.title, uid: d.uid, selector: d.selector, textfileName: d.textfileName, crossCheck: o.crossCheckOn(d, cmd) } });
    });

  program
    .command('healthcheck')
    .description("ask a running serve for /healthz: exit 0 if healthy, 1 if not (a container's HEALTHCHECK)")
    .addOption(o.listenOption('the address serve listens on'))
    .addOption(duration('--timeout <duration>', 'deadline for the answer', '2s'))
    .addOption(o.webConfigOption('the web config serve runs with: ask over TLS (and with its client certificate where one is required)'))
    .addOption(new Option('--tls.cert-file <path>', "client certificate to present where the web config requires one (default: the server's own)").env('OPEN_NOTIFY_HEALTHCHECK_CERT_FILE'))
    .addOption(new Option('--tls.key-file <path>', 'key of --tls.cert-file').env('OPEN_NOTIFY_HEALTHCHECK_KEY_FILE'))
    .addHelpText(
      'after',
      `
It asks http://127.0.0.1:<port>/healthz (or the host --web.listen-address
names) and prints nothing when healthy; otherwise one line on stderr saying
why. For textfile mode (the one-shot or schedule) there is no /healthz: watch
the file's age instead (alert OpenNotifyTextfileStale).
`,
    )
    .action((h: { 'web.listenAddress': Listen; timeout: number; 'web.config.file'?: string; 'tls.certFile'?: string; 'tls.keyFile'?: string }, cmd: Command) => {
      const [cert, key] = [h['tls.certFile'] || undefined, h['tls.keyFile'] || undefined];
      if ((cert === undefined) !== (key === undefined)) o.refuse(cmd, 'options --tls.cert-file and --tls.key-file go together.');
      const web = h['web.config.file'] ? { webConfigFile: h['web.config.file'] } : {};
      set({ kind: 'healthcheck', healthcheck: { listen: h['web.listenAddress'], timeoutMs: h.timeout, ...web, ...(cert && key ? { clientCert: { cert, key } } : {}) } });
    });
}
