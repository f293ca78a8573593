// Command line → plain config. The only module that knows commander.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { FetchConfig, LogConfig, RunConfig } from './config';
import { ExitCode, defaults } from './config';
import { OWN_LABELS } from './metrics';
import type { RulesConfig } from './rules';
import type { ScheduleConfig } from './schedule';
import { RULE_DEFAULTS } from './rules';
import { parseBytes, parseCount, parseDuration, parseLabel } from './units';

export type Parsed =
  | { kind: 'exit'; code: number }
  | { kind: 'once'; run: RunConfig; log: LogConfig }
  | { kind: 'rules'; rules: RulesConfig }
  | { kind: 'schedule'; schedule: ScheduleConfig; log: LogConfig };

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

function parseApiUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('expected an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('expected an http:// or https:// URL');
  if (url.search || url.hash) throw new Error('the URL must not have a query or fragment');
  return text;
}

function parseOutput(text: string): string {
  if (text.trim() === '') throw new Error('expected a file path or - for standard output');
  return text;
}

const EXIT_CODES_HELP = `
Exit codes:
  0  every endpoint answered with valid data; output written
  1  at least one endpoint failed; output still written, complete and valid,
     with open_notify_up{endpoint=...} 0 for the failed ones
  2  usage or configuration error; nothing written
  3  the output could not be written (missing directory, permission denied,
     no space left, read-only file system); the previous file is untouched
`;

function addRunOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('-o, --output <file>', 'where to write the metrics (- for standard output)')
        .env('OPEN_NOTIFY_OUTPUT')
        .default(defaults.output)
        .argParser(arg(parseOutput)),
    )
    .addOption(
      new Option('--api-url <url>', 'base URL of the Open Notify API')
        .env('OPEN_NOTIFY_API_URL')
        .default(defaults.apiUrl)
        .argParser(arg(parseApiUrl)),
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
      new Option('--max-body <bytes>', 'largest response body accepted (65536, 512KiB, 1MiB)')
        .default(parseBytes(defaults.maxBody), defaults.maxBody)
        .argParser(arg(parseBytes)),
    )
    .addOption(
      new Option('--label <name=value>', 'constant label added to every series (repeatable)')
        .default([] as [string, string][], 'none')
        .argParser((value: string, previous: [string, string][]) => [...previous, arg((v) => parseLabel(v, OWN_LABELS))(value)]),
    )
    .addOption(
      new Option('--log-format <format>', 'log line format on stderr').choices(['text', 'json']).default('text'),
    )
    .addOption(new Option('-q, --quiet', 'log errors only').conflicts('verbose'))
    .addOption(new Option('-v, --verbose', 'also log every HTTP attempt'));
}

interface RunOpts {
  output: string;
  apiUrl: string;
  timeout: number;
  retries: number;
  maxBody: number;
  label: [string, string][];
  logFormat: 'text' | 'json';
  quiet?: boolean;
  verbose?: boolean;
}

function toConfig(o: RunOpts): { run: RunConfig; log: LogConfig } {
  const labels: Record<string, string> = {};
  for (const [k, v] of o.label) labels[k] = v;
  const fetch: FetchConfig = { apiUrl: o.apiUrl, timeoutMs: o.timeout, retries: o.retries, maxBodyBytes: o.maxBody };
  return {
    run: { fetch, output: o.output, labels },
    log: { format: o.logFormat, level: o.quiet ? 'quiet' : o.verbose ? 'verbose' : 'normal' },
  };
}

export function parseArgs(argv: readonly string[], io: CliIo, version: string): Parsed {
  let result: Parsed = { kind: 'exit', code: ExitCode.ok };
  const program = new Command('open-notify-exporter')
    .description(
      'Fetch people in space and the ISS position from the Open Notify API and write them\n' +
        "atomically as a .prom file for node_exporter's textfile collector.",
    )
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(`open-notify-exporter: ${s.replace(/\n+$/, '')}\n`),
    })
    .showSuggestionAfterError(true)
    // Options after a subcommand belong to it: `schedule -o x` must not set the root's -o.
    .enablePositionalOptions()
    .allowExcessArguments(false);
  addRunOptions(program)
    .addHelpText(
      'after',
      `${EXIT_CODES_HELP}
Every option with (env: ...) may also be set by that environment variable; the flag wins.

Examples:
  open-notify-exporter -o /var/lib/prometheus/node-exporter/open_notify.prom
  * * * * * open-notify-exporter -q -o /var/lib/prometheus/node-exporter/open_notify.prom
`,
    )
    .action((opts: RunOpts) => {
      result = { kind: 'once', ...toConfig(opts) };
    });

  addRunOptions(program.command('schedule'))
    .description('run on a cron schedule until SIGTERM or SIGINT, keeping counters in memory between runs')
    .addOption(
      new Option('--cron <expr>', 'node-cron expression; an optional first field is seconds')
        .env('OPEN_NOTIFY_CRON')
        .default('* * * * *')
        .argParser(arg((v) => {
          // Loaded only here: a one-shot run never needs node-cron.
          const { checkCron } = require('./schedule') as typeof import('./schedule');
          const why = checkCron(v);
          if (why) throw new Error(why);
          return v;
        })),
    )
    .addOption(new Option('--no-run-on-start', 'wait for the first tick instead of running at start'))
    .addOption(
      new Option('--timezone <tz>', 'IANA time zone the cron expression is read in (default: the system zone)').argParser(arg((v) => {
        const { checkTimezone } = require('./schedule') as typeof import('./schedule');
        const why = checkTimezone(v);
        if (why) throw new Error(why);
        return v;
      })),
    )
    .addHelpText(
      'after',
      `
A tick that comes while a run is still in flight is skipped and counted in
open_notify_skipped_runs_total; a tick missed (the process was stalled) is
logged and not run late. The first SIGTERM or SIGINT stops the schedule and
lets a run in flight finish; a second exits at once. Exit code 0 after a
signal, 2 for a usage error (a bad cron expression or time zone, --output -).
`,
    )
    .action((opts: RunOpts & { cron: string; runOnStart: boolean; timezone?: string }, cmd: Command) => {
      if (opts.output === '-') {
        cmd.error("error: option '--output <file>' argument '-' is invalid. the scheduler writes a file; standard output is not one.", {
          exitCode: ExitCode.usage,
          code: 'open-notify-exporter.stdout',
        });
      }
      const { run, log } = toConfig(opts);
      result = { kind: 'schedule', schedule: { run, cron: opts.cron, runOnStart: opts.runOnStart, timezone: opts.timezone }, log };
    });

  const duration = (flags: string, description: string, def: string) =>
    new Option(flags, description).default(parseDuration(def), def).argParser(arg(parseDuration));
  program
    .command('rules')
    .description('print Prometheus alerting rules (YAML) for this exporter, built from its metric contract')
    .addOption(duration('--down-for <duration>', 'how long an endpoint must fail before OpenNotifyEndpointDown fires', RULE_DEFAULTS.downFor))
    .addOption(duration('--stale-after <duration>', 'no valid data for this long fires OpenNotifyDataStale', RULE_DEFAULTS.staleAfter))
    .addOption(duration('--frozen-after <duration>', "the API's ISS timestamp older than this fires OpenNotifyIssPositionFrozen", RULE_DEFAULTS.frozenAfter))
    .addOption(duration('--file-stale-after <duration>', 'the .prom file not rewritten for this long fires OpenNotifyTextfileStale', RULE_DEFAULTS.fileStaleAfter))
    .addOption(
      new Option('--textfile-name <name>', 'file name of the output in the textfile directory')
        .default(RULE_DEFAULTS.textfileName)
        .argParser(arg((v) => {
          if (!/^[^/\\"]+\.prom$/.test(v)) throw new Error('expected a file name ending in .prom, without a directory');
          return v;
        })),
    )
    .action((o: { downFor: number; staleAfter: number; frozenAfter: number; fileStaleAfter: number; textfileName: string }) => {
      result = {
        kind: 'rules',
        rules: { downForMs: o.downFor, staleAfterMs: o.staleAfter, frozenAfterMs: o.frozenAfter, fileStaleAfterMs: o.fileStaleAfter, textfileName: o.textfileName },
      };
    });

  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      const informational = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      return { kind: 'exit', code: informational ? ExitCode.ok : ExitCode.usage };
    }
    throw err;
  }
  return result;
}
