// Command line → plain config. The only module that knows commander.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CollectConfig, LogConfig, RunConfig } from './config';
import { ExitCode, defaults } from './config';
import { safeJson } from '../lib/log';
import type { Trigger } from '../modes/loop';
import { OWN_LABELS } from '../contract/metrics';
import type { PushConfig } from '../modes/push';
import type { DashboardConfig } from '../contract/dashboard';
import { DASHBOARD_DEFAULTS } from '../contract/dashboard';
import type { RulesConfig } from '../contract/rules';
import { RULE_DEFAULTS } from '../contract/rules';
import type { HealthcheckConfig } from '../modes/healthcheck';
import type { ScheduleConfig } from '../modes/schedule';
import type { Listen } from '../outputs/metricsServer';
import type { ServeConfig } from '../modes/serve';
import { parseBytes, parseCount, parseDistance, parseDuration, parseLabel } from './units';

export type Parsed =
  | { kind: 'exit'; code: number }
  | { kind: 'once'; run: RunConfig; log: LogConfig }
  | { kind: 'rules'; rules: RulesConfig; output: string }
  | { kind: 'dashboard'; dashboard: DashboardConfig; output: string }
  | { kind: 'healthcheck'; healthcheck: HealthcheckConfig }
  | { kind: 'schedule'; schedule: ScheduleConfig; log: LogConfig }
  | { kind: 'serve'; serve: ServeConfig; log: LogConfig }
  | { kind: 'push'; push: PushConfig; log: LogConfig };

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Wraps a unit parser so commander reports "option '--x' argument 'y' is invalid. <why>". */
function arg<T>(parse: (text: string) => T): (value: string) => T {
  return (value: string) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError(`${(err as Error).message}.`);
    }
  };
}

/** An absolute http(s) URL; a query or fragment only where `withFragment` (a runbook base, whose fragment the alert's replaces). */
function parseHttpUrl(text: string, withFragment = false): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('expected an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('expected an http:// or https:// URL');
  if (!withFragment && (url.search || url.hash)) throw new Error('the URL must not have a query or fragment');
  return text;
}

function parseOutput(text: string): string {
  if (text.trim() === '') throw new Error('expected a file path or - for standard output');
  // `-o dir/` names a directory; writing a file called `dir` instead would surprise.
  if (text.endsWith('/')) throw new Error('expected a file path, not a directory (it ends in /)');
  return text;
}

/** `[host]:port`: `:8899`, `127.0.0.1:8899`, `[::1]:8899`, `localhost:8899`. */
function parseListen(text: string): Listen {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new Error('expected [host]:port, e.g. :8899 or 127.0.0.1:8899');
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`port ${port} is out of range`);
  const host = m[1] ?? (m[2] || undefined);
  return host === undefined ? { port } : { host, port };
}

function checked(module: 'cron' | 'timezone', v: string): string {
  // Loaded only here: a one-shot run never needs node-cron.
  const loop = require('../modes/loop') as typeof import('../modes/loop');
  const why = module === 'cron' ? loop.checkCron(v) : loop.checkTimezone(v);
  if (why) throw new Error(why);
  return v;
}

/** A duration (`15s`, at least 1s) or a node-cron expression. */
function parseRefresh(text: string): Trigger {
  if (/^\d/.test(text.trim())) {
    const ms = parseDuration(text);
    if (ms < 1000) throw new Error('refresh must be at least 1s');
    return { everyMs: ms };
  }
  return { cron: checked('cron', text) };
}

/** `job="node"`, `job='node',env=~"prod|lab"`: PromQL label matchers, written back in canonical form. */
function parseSelector(text: string): string {
  // Loaded by dashboard (and rules) only: the parser's tables stay out of a one-shot's start.
  const promql = require('../contract/promql') as typeof import('../contract/promql');
  return promql.formatMatchers(promql.parseSelector(text));
}

/** --selector, for rules and dashboard alike: PromQL label matchers (README's grammar). */
const selectorOption = () =>
  new Option('--selector <matchers>', 'label matchers added to every selector of every query, e.g. job="node"').default('', 'none').argParser(arg(parseSelector));

function parseTextfileName(v: string): string {
  if (!v.endsWith('.prom') || v === '.prom' || v.includes('/')) throw new Error('expected a file name ending in .prom, without a directory');
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(v)) throw new Error('the file name has a control character (a newline, a tab, …)');
  return v;
}

function parseName(text: string): string {
  if (text.trim() === '' || text.includes('/')) throw new Error('expected a non-empty name without /');
  return text;
}

const EXIT_CODES_HELP = `
Exit codes:
  0  every endpoint answered with valid data; output written
  1  at least one endpoint failed; output still written, complete and valid,
     with open_notify_up{endpoint=...} 0 for the failed ones
  2  usage or configuration error; nothing written
  3  the output could not be written (missing directory, permission denied,
     no space left, read-only file system, or it is a device, FIFO or socket
     rather than a regular file); the previous file is untouched
  4  (push) the Pushgateway could not be reached or refused the push
  70 an internal error, a bug: please report the stack it prints
`;

/** Why a constant label may not use a name: ours, or one Prometheus sets itself. */
const LABEL_RESERVED: Record<string, string> = {
  ...Object.fromEntries(OWN_LABELS.map((n) => [n, "is used by the exporter's own series"])),
  job: 'is set by Prometheus from the scrape target (a constant one arrives renamed exported_job unless honor_labels)',
  instance: 'is set by Prometheus from the scrape target (a constant one arrives renamed exported_instance unless honor_labels)',
};
const GROUPING_RESERVED: Record<string, string> = {
  ...Object.fromEntries(OWN_LABELS.map((n) => [n, "is used by the exporter's own series"])),
  job: 'is set by --job',
};

/** Label names of prom-client's process metrics (heap spaces, handle types, GC kinds, the Node.js version). */
const PROCESS_METRIC_LABELS = ['space', 'type', 'kind', 'version', 'major', 'minor', 'patch'];

const labelOption = (flags: string, description: string, reserved: Record<string, string>, allowEmpty: boolean) =>
  new Option(flags, description)
    .default([] as [string, string][], 'none')
    .argParser((value: string, previous: [string, string][]) => {
      const pair = arg((v) => parseLabel(v, reserved, allowEmpty))(value);
      // Last-wins would silently drop one of two values the operator typed.
      if (previous.some(([name]) => name === pair[0])) throw new InvalidArgumentError(`label "${pair[0]}" is given more than once.`);
      return [...previous, pair];
    });

/** The options every mode shares: where the API is, how to fetch, labels, logging. */
function addCollectOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--api-url <url>', 'base URL of the Open Notify API').env('OPEN_NOTIFY_API_URL').default(defaults.apiUrl).argParser(arg(parseHttpUrl)),
    )
    .addOption(
      new Option('--timeout <duration>', 'deadline for one request, body included (500ms, 5s, 1m)')
        .env('OPEN_NOTIFY_TIMEOUT')
        .default(parseDuration(defaults.timeout), defaults.timeout)
        .argParser(arg(parseDuration)),
    )
    .addOption(
      new Option('--retries <n>', 'extra attempts after a network error, timeout, 5xx or 429 (0-10)')
        .env('OPEN_NOTIFY_RETRIES')
        .default(Number(defaults.retries), defaults.retries)
        .argParser(arg((v) => parseCount(v, 0, 10))),
    )
    .addOption(
      new Option('--max-body <bytes>', 'largest response body accepted (65536, 512KiB, 1MiB; kB, MB are 1000s)')
        .default(parseBytes(defaults.maxBody), defaults.maxBody)
        .argParser(arg(parseBytes)),
    )
    .addOption(
      new Option('--max-people <n>', 'longest list of people accepted; a longer answer fails the endpoint (1-1000000)')
        .env('OPEN_NOTIFY_MAX_PEOPLE')
        .default(Number(defaults.maxPeople), defaults.maxPeople)
        .argParser(arg((v) => parseCount(v, 1, 1_000_000))),
    )
    .addOption(
      new Option('--cross-check', 'also ask wheretheiss.at and an independent crew list, and export how far Open Notify is off (env: OPEN_NOTIFY_CROSS_CHECK=1|true)'),
    )
    .addOption(
      new Option('--wheretheiss-url <url>', 'base URL of wheretheiss.at, with --cross-check')
        .env('OPEN_NOTIFY_WHERETHEISS_URL')
        .default(defaults.wheretheissUrl)
        .argParser(arg(parseHttpUrl)),
    )
    .addOption(
      new Option('--crew-url <url>', 'URL of the people-in-space JSON to check astros.json against, with --cross-check')
        .env('OPEN_NOTIFY_CREW_URL')
        .default(defaults.crewUrl, 'the people-in-space.json of corquaid/international-space-station-APIs')
        .argParser(arg(parseHttpUrl)),
    )
    .addOption(labelOption('--label <name=value>', 'constant label added to every series (repeatable; not job or instance)', LABEL_RESERVED, false))
    .addOption(new Option('--log-format <format>', 'log line format on stderr').choices(['text', 'json']).default('text'))
    .addOption(new Option('-q, --quiet', 'log errors only').conflicts('verbose'))
    .addOption(new Option('-v, --verbose', 'also log every HTTP attempt'));
}

const outputOption = (stdout = true) =>
  new Option('-o, --output <file>', stdout ? 'where to write the metrics (- for standard output)' : 'where to write the metrics')
    .env('OPEN_NOTIFY_OUTPUT')
    .default(defaults.output)
    .argParser(arg(parseOutput));

interface CollectOpts {
  apiUrl: string;
  crossCheck?: boolean;
  wheretheissUrl: string;
  crewUrl: string;
  timeout: number;
  retries: number;
  maxBody: number;
  maxPeople: number;
  label: [string, string][];
  logFormat: 'text' | 'json';
  quiet?: boolean;
  verbose?: boolean;
}

const CROSS_CHECK_ENV = 'OPEN_NOTIFY_CROSS_CHECK';

/**
 * --cross-check, else its variable. Not commander's .env(): for a flag it
 * counts any value as on, and OPEN_NOTIFY_CROSS_CHECK=0 must mean off.
 */
interface CrossCheckOpt {
  crossCheck?: boolean;
}

function crossCheckOn(o: CrossCheckOpt, cmd: Command): boolean {
  if (o.crossCheck) return true;
  const v = process.env[CROSS_CHECK_ENV];
  if (v === undefined || v === '' || v === '0' || v.toLowerCase() === 'false') return false;
  if (v === '1' || v.toLowerCase() === 'true') return true;
  return cmd.error(`error: option '--cross-check' value '${v}' from env '${CROSS_CHECK_ENV}' is invalid. expected 1, true, 0 or false.`, {
    exitCode: ExitCode.usage,
    code: 'open-notify-exporter.env',
  });
}

function toCollect(o: CollectOpts, cmd: Command): { collect: CollectConfig; log: LogConfig } {
  const crossCheck = crossCheckOn(o, cmd) ? { wheretheissUrl: o.wheretheissUrl, crewUrl: o.crewUrl } : undefined;
  return {
    collect: {
      fetch: { apiUrl: o.apiUrl, timeoutMs: o.timeout, retries: o.retries, maxBodyBytes: o.maxBody, maxPeople: o.maxPeople, ...(crossCheck ? { crossCheck } : {}) },
      labels: Object.fromEntries(o.label),
    },
    log: { format: o.logFormat, level: o.quiet ? 'quiet' : o.verbose ? 'verbose' : 'normal' },
  };
}

const HEALTHCHECK_UNHEALTHY = 1;

/** Kept in step with addSubcommands by a test (cli.test.ts, --help). */
const COMMANDS = ['schedule', 'serve', 'push', 'rules', 'dashboard', 'healthcheck'];

/**
 * A usage error's one line: `open-notify-exporter: error: …`, or with
 * --log-format json anywhere on the command line a JSON log line, as every
 * other line of that run would be.
 */
function usageLine(argv: readonly string[], text: string): string {
  const json = argv.some((a, i) => a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json'));
  if (!json) return `open-notify-exporter: ${text}\n`;
  return `${safeJson({ time: new Date().toISOString(), level: 'error', msg: text.replace(/^error: /, '') })}\n`;
}

export function parseArgs(argv: readonly string[], io: CliIo, version: string): Parsed {
  let result: Parsed = { kind: 'exit', code: ExitCode.ok };
  const program = new Command('open-notify-exporter')
    .description(
      "Fetch people in space and the ISS position from the Open Notify API and write\nthem atomically as a .prom file for node_exporter's textfile collector.\nWithout a command: one run.",
    )
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(usageLine(argv, s.replace(/\n+$/, ''))),
    })
    .showSuggestionAfterError(true)
    // Options after a subcommand belong to it: `schedule -o x` must not set the root's -o.
    .enablePositionalOptions()
    .allowExcessArguments(false);

  // The root's options (and their environment variables) belong to the
  // one-shot run only: with a subcommand word first they are not defined at
  // all, so OPEN_NOTIFY_OUTPUT='' cannot fail `serve`, which has no --output.
  const first = argv[0];
  const subcommand = first !== undefined && (COMMANDS.includes(first) || (first === 'help' && argv.length > 1));
  (subcommand ? program : addCollectOptions(program.addOption(outputOption())))
    .addHelpText(
      'after',
      `${EXIT_CODES_HELP}
Every option with (env: ...) may also be set by that environment variable; the
flag wins.

Examples:
  open-notify-exporter -o /var/lib/prometheus/node-exporter/open_notify.prom
  * * * * * open-notify-exporter -q -o /var/lib/prometheus/node-exporter/open_notify.prom
  open-notify-exporter rules > /etc/prometheus/rules/open-notify-exporter.yml
`,
    )
    .action((opts: CollectOpts & { output: string }, cmd: Command) => {
      const { collect, log } = toCollect(opts, cmd);
      result = { kind: 'once', run: { ...collect, output: opts.output }, log };
    });

  // Subcommands cost a one-shot run time to build; without a command word or
  // a help request the root command is all that can match.
  const wantsCommands = argv.some((a) => COMMANDS.includes(a) || a === 'help' || a === '-h' || a === '--help');
  if (wantsCommands) {
    addSubcommands(program, (p) => (result = p));
    // The root's options are the one-shot run's: given before a command word they would be dropped
    // without a word (`--cross-check rules` printed the rules without it), so they are refused.
    program.hook('preSubcommand', (root, sub) => {
      const early = root.options.find((o) => root.getOptionValueSource(o.attributeName()) === 'cli');
      if (early) {
        root.error(`error: option '${early.long ?? early.flags}' comes before the command '${sub.name()}': options go after it (open-notify-exporter ${sub.name()} ${early.long ?? early.flags} …)`, {
          exitCode: ExitCode.usage,
          code: 'open-notify-exporter.order',
        });
      }
    });
  }
  // The root command takes no operands, so commander would call a mistyped
  // command word "too many arguments"; name it for what it is.
  if (first !== undefined && !first.startsWith('-') && first !== 'help' && !COMMANDS.includes(first)) {
    // A path where a command goes: the one-shot's output is -o, not an operand.
    const hint = /[/.]/.test(first) ? `; to write to that file: open-notify-exporter -o ${first}` : '';
    io.stderr(usageLine(argv, `error: unknown command '${first}' (commands: ${COMMANDS.join(', ')})${hint}`));
    return { kind: 'exit', code: ExitCode.usage };
  }

  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      const informational = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      // A container's HEALTHCHECK reads 0 healthy, 1 unhealthy; Docker reserves 2.
      const usage = first === 'healthcheck' ? HEALTHCHECK_UNHEALTHY : ExitCode.usage;
      return { kind: 'exit', code: informational ? ExitCode.ok : usage };
    }
    throw err;
  }
  return result;
}

function addSubcommands(program: Command, set: (p: Parsed) => void): void {
  program.helpCommand(true);
  addCollectOptions(program.command('schedule').addOption(outputOption(false)))
    .description('run on a cron schedule until SIGTERM or SIGINT, keeping counters in memory between runs')
    .addOption(
      new Option('--cron <expr>', 'node-cron expression; an optional first field is seconds')
        .env('OPEN_NOTIFY_CRON')
        .default('* * * * *')
        .argParser(arg((v) => checked('cron', v))),
    )
    .addOption(new Option('--no-run-on-start', 'wait for the first tick instead of running at start'))
    .addOption(
      new Option('--timezone <tz>', 'IANA time zone the cron expression is read in (default: the system zone)').argParser(
        arg((v) => checked('timezone', v)),
      ),
    )
    .addHelpText(
      'after',
      `
A tick that comes while a run is still in flight is skipped and counted in
open_notify_skipped_runs_total; a tick missed (the process was stalled) is
logged and not run late. The first SIGTERM or SIGINT stops the schedule and
aborts a run in flight (nothing of it is written); a second exits at once.
SIGHUP is logged and changes nothing. Exit code 0 after a signal, 2 for a
usage error (a bad cron expression or time zone).
`,
    )
    .action((opts: CollectOpts & { output: string; cron: string; runOnStart: boolean; timezone?: string }, cmd: Command) => {
      if (opts.output === '-') {
        cmd.error("error: option '--output <file>' argument '-' is invalid. the scheduler writes a file; standard output is not one.", {
          exitCode: ExitCode.usage,
          code: 'open-notify-exporter.stdout',
        });
      }
      const { collect, log } = toCollect(opts, cmd);
      set({
        kind: 'schedule',
        schedule: { run: { ...collect, output: opts.output }, cron: opts.cron, runOnStart: opts.runOnStart, timezone: opts.timezone },
        log,
      });
    });

  addCollectOptions(program.command('serve'))
    .description('serve /metrics over HTTP (port 8899), refreshed in the background')
    .addOption(
      new Option('--listen <[host]:port>', 'address to listen on').env('OPEN_NOTIFY_LISTEN').default(parseListen(':8899'), ':8899').argParser(arg(parseListen)),
    )
    .addOption(
      new Option('--refresh <duration|cron>', 'how often to fetch: a duration (15s) or a node-cron expression')
        .env('OPEN_NOTIFY_REFRESH')
        .default(parseRefresh('15s'), '15s')
        .argParser(arg(parseRefresh)),
    )
    .addOption(new Option('--process-metrics', "also serve the process's own metrics (CPU, memory, event loop)"))
    .addOption(
      new Option('--web.config.file <path>', "TLS, client certificates and basic auth in exporter-toolkit's format (as node_exporter's --web.config.file)").env('OPEN_NOTIFY_WEB_CONFIG_FILE'),
    )
    .addOption(
      new Option('--max-connections <n>', 'open connections at most (1-65535); at it, a new one closes an idle one')
        .env('OPEN_NOTIFY_MAX_CONNECTIONS')
        .default(256)
        .argParser(arg((v) => parseCount(v, 1, 65535))),
    )
    .addHelpText(
      'after',
      `
Endpoints: /metrics (the last refresh, rendered once and cached: scrapes never
reach the API, and never wait for a refresh in progress); /healthz (200 while
the last refresh got valid data from at least one endpoint, 503 otherwise);
/-/healthy (200 while serving) and /-/ready (200 once a refresh finished), as
Prometheus' own; / (the landing page: the ISS on a world map, the people in
space, each endpoint's health; no JavaScript).
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
    .action((opts: CollectOpts & { listen: Listen; refresh: Trigger; processMetrics?: boolean; maxConnections: number; 'web.config.file'?: string }, cmd: Command) => {
      const taken = opts.processMetrics ? opts.label.find(([name]) => PROCESS_METRIC_LABELS.includes(name)) : undefined;
      if (taken) {
        // prom-client lets a series' own label win: the operator's value would be lost on those series.
        cmd.error(`error: option '--label <name=value>' argument '${taken[0]}=${taken[1]}' is invalid. label name "${taken[0]}" is used by --process-metrics' own series (${PROCESS_METRIC_LABELS.join(', ')}).`, {
          exitCode: ExitCode.usage,
          code: 'open-notify-exporter.label',
        });
      }
      const { collect, log } = toCollect(opts, cmd);
      set({ kind: 'serve', serve: { ...collect, listen: opts.listen, refresh: opts.refresh, processMetrics: opts.processMetrics === true, maxConnections: opts.maxConnections, ...(opts['web.config.file'] ? { webConfigFile: opts['web.config.file'] } : {}) }, log });
    });

  addCollectOptions(program.command('push'))
    .description('one run, pushed to a Pushgateway (replacing the group) instead of written to a file')
    .addOption(new Option('--gateway <url>', 'Pushgateway base URL').env('OPEN_NOTIFY_PUSHGATEWAY').makeOptionMandatory().argParser(arg(parseHttpUrl)))
    .addOption(new Option('--job <name>', 'job label of the pushed group').default('open_notify').argParser(arg(parseName)))
    .addOption(labelOption('--grouping <name=value>', 'further grouping key label (repeatable; an empty value is allowed)', GROUPING_RESERVED, true))
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
    .action((opts: CollectOpts & { gateway: string; job: string; grouping: [string, string][] }, cmd: Command) => {
      // The Pushgateway lets a grouping label win over the pushed series' own: site=a would be dropped silently.
      const clash = opts.grouping.find(([name]) => opts.label.some(([l]) => l === name));
      if (clash) {
        const value = opts.label.find(([l]) => l === clash[0])![1];
        cmd.error(`error: option '--label ${clash[0]}=${value}' conflicts with option '--grouping ${clash[0]}=${clash[1]}': the Pushgateway would keep only the grouping value; give the name once.`, {
          exitCode: ExitCode.usage,
          code: 'open-notify-exporter.conflict',
        });
      }
      const { collect, log } = toCollect(opts, cmd);
      set({ kind: 'push', push: { ...collect, gateway: opts.gateway, job: opts.job, grouping: Object.fromEntries(opts.grouping) }, log });
    });

  const duration = (flags: string, description: string, def: string) =>
    new Option(flags, description).default(parseDuration(def), def).argParser(arg(parseDuration));
  program
    .command('rules')
    .addOption(new Option('-o, --output <file>', 'write them to this file instead of standard output').default('-').argParser(arg(parseOutput)))
    .description('print Prometheus alerting rules (YAML) for this exporter, built from its metric contract')
    .addOption(duration('--down-for <duration>', 'how long an endpoint must fail before OpenNotifyEndpointDown fires', RULE_DEFAULTS.downFor))
    .addOption(duration('--stale-after <duration>', 'no valid data for this long fires OpenNotifyDataStale', RULE_DEFAULTS.staleAfter))
    .addOption(duration('--frozen-after <duration>', "the API's ISS timestamp older than this fires OpenNotifyIssPositionFrozen", RULE_DEFAULTS.frozenAfter))
    .addOption(duration('--file-stale-after <duration>', 'the .prom file not rewritten for this long fires OpenNotifyTextfileStale', RULE_DEFAULTS.fileStaleAfter))
    .addOption(
      new Option('--textfile-name <name>', 'file name of the output in the textfile directory')
        .default(RULE_DEFAULTS.textfileName)
        .argParser(arg(parseTextfileName)),
    )
    .addOption(new Option('--cross-check', 'also the alerts on the cross-check data: IssPositionWrong, PeopleCountWrong (env: OPEN_NOTIFY_CROSS_CHECK=1|true)'))
    .addOption(
      new Option('--max-position-error <distance>', "Open Notify's ISS position further than this from wheretheiss.at's for 10m fires OpenNotifyIssPositionWrong")
        .default(parseDistance(RULE_DEFAULTS.maxPositionError), RULE_DEFAULTS.maxPositionError)
        .argParser(arg(parseDistance)),
    )
    .addOption(duration('--people-wrong-for <duration>', 'people counts disagreeing for this long fires OpenNotifyPeopleCountWrong', RULE_DEFAULTS.peopleWrongFor))
    .addOption(selectorOption())
    .addOption(
      new Option('--runbook-url <base>', "where each alert's runbook_url points, #<alert name> appended (a fork, an internal wiki)")
        .env('OPEN_NOTIFY_RUNBOOK_URL')
        .default(RULE_DEFAULTS.runbookUrl, "README's runbook, on GitHub")
        .argParser(arg((v) => parseHttpUrl(v, true))),
    )
    .action(
      (
        o: CrossCheckOpt & { output: string; downFor: number; staleAfter: number; frozenAfter: number; fileStaleAfter: number; textfileName: string; maxPositionError: number; peopleWrongFor: number; selector: string; runbookUrl: string },
        cmd: Command,
      ) => {
        set({
          kind: 'rules',
          output: o.output,
          rules: {
            downForMs: o.downFor,
            staleAfterMs: o.staleAfter,
            frozenAfterMs: o.frozenAfter,
            fileStaleAfterMs: o.fileStaleAfter,
            textfileName: o.textfileName,
            selector: o.selector,
            runbookUrl: o.runbookUrl,
            ...(crossCheckOn(o, cmd) ? { crossCheck: { maxPositionErrorMeters: o.maxPositionError, peopleWrongForMs: o.peopleWrongFor } } : {}),
          },
        });
      },
    );


  program
    .command('dashboard')
    .description('print a Grafana dashboard (JSON) for this exporter, built from its metric contract')
    .addOption(new Option('-o, --output <file>', 'write it to this file instead of standard output').default('-').argParser(arg(parseOutput)))
    .addOption(new Option('--title <title>', 'dashboard title').default(DASHBOARD_DEFAULTS.title))
    .addOption(
      new Option('--uid <uid>', 'dashboard uid, stable across imports (1-40 of A-Z a-z 0-9 - _)')
        .default(DASHBOARD_DEFAULTS.uid)
        .argParser(
          arg((v) => {
            if (!/^[A-Za-z0-9_-]{1,40}$/.test(v)) throw new Error('expected 1 to 40 characters of A-Z a-z 0-9 - _');
            return v;
          }),
        ),
    )
    .addOption(selectorOption())
    .addOption(new Option('--textfile-name <name>', 'file name of the output in the textfile directory').default(DASHBOARD_DEFAULTS.textfileName).argParser(arg(parseTextfileName)))
    .addOption(new Option('--cross-check', 'also the panels on the cross-check data (env: OPEN_NOTIFY_CROSS_CHECK=1|true)'))
    .addHelpText(
      'after',
      `
The data source is a template variable (type datasource, Prometheus), so the
same JSON can be imported in the UI or provisioned from a file. Exit codes: 0,
2 for a usage error, 3 if --output cannot be written.
`,
    )
    .action((o: CrossCheckOpt & { output: string; title: string; uid: string; selector: string; textfileName: string }, cmd: Command) => {
      set({
        kind: 'dashboard',
        output: o.output,
        dashboard: { title: o.title, uid: o.uid, selector: o.selector, textfileName: o.textfileName, crossCheck: crossCheckOn(o, cmd) },
      });
    });

  program
    .command('healthcheck')
    .description("ask a running serve for /healthz: exit 0 if healthy, 1 if not (a container's HEALTHCHECK)")
    .addOption(
      new Option('--listen <[host]:port>', 'the address serve listens on').env('OPEN_NOTIFY_LISTEN').default(parseListen(':8899'), ':8899').argParser(arg(parseListen)),
    )
    .addOption(new Option('--timeout <duration>', 'deadline for the answer').default(parseDuration('2s'), '2s').argParser(arg(parseDuration)))
    .addOption(new Option('--web.config.file <path>', 'the web config serve runs with: ask over TLS (and with its client certificate where one is required)').env('OPEN_NOTIFY_WEB_CONFIG_FILE'))
    .addOption(new Option('--tls.cert-file <path>', "client certificate to present where the web config requires one (default: the server's own)").env('OPEN_NOTIFY_HEALTHCHECK_CERT_FILE'))
    .addOption(new Option('--tls.key-file <path>', 'key of --tls.cert-file').env('OPEN_NOTIFY_HEALTHCHECK_KEY_FILE'))
    .addHelpText(
      'after',
      `
It asks http://127.0.0.1:<port>/healthz (or the host --listen names) and prints
nothing when healthy; otherwise one line on stderr saying why. For textfile
mode (the one-shot or schedule) there is no /healthz: watch the file's age
instead (alert OpenNotifyTextfileStale).
`,
    )
    .action((o: { listen: Listen; timeout: number; 'web.config.file'?: string; 'tls.certFile'?: string; 'tls.keyFile'?: string }, cmd: Command) => {
      const [cert, key] = [o['tls.certFile'] || undefined, o['tls.keyFile'] || undefined];
      if ((cert === undefined) !== (key === undefined)) cmd.error('error: options --tls.cert-file and --tls.key-file go together.', { exitCode: ExitCode.usage, code: 'open-notify.tls' });
      set({ kind: 'healthcheck', healthcheck: { listen: o.listen, timeoutMs: o.timeout, ...(o['web.config.file'] ? { webConfigFile: o['web.config.file'] } : {}), ...(cert && key ? { clientCert: { cert, key } } : {}) } });
    });
}
