// The options more than one command takes. Their values are parsed by
// values.ts, whose errors say what is accepted; arg() adds the option's name.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CollectConfig, LogConfig } from './config';
import { ExitCode, defaults } from './config';
import { LOG_LEVELS } from '../lib/log';
import { OWN_LABELS } from '../contract/metrics';
import { parseBytes, parseCount, parseDuration, parseHttpUrl, parseLabel, parseListen, parseOutput, parseSelector, parseTextfileName } from './values';

/** Wraps a unit parser so commander reports "option '--x' argument 'y' is invalid. <why>". */
export function arg<T>(parse: (text: string) => T): (value: string) => T {
  return (value: string) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError(`${(err as Error).message}.`);
    }
  };
}

/** An option whose default is given as typed (shown in --help) and parsed as the flag would be. */
export const parsedOption = <T>(flags: string, description: string, def: string, parse: (text: string) => T) =>
  new Option(flags, description).default(parse(def), def).argParser(arg(parse));

export const listenOption = (description: string) =>
  parsedOption('--web.listen-address <[host]:port>', description, ':8899', parseListen).env('OPEN_NOTIFY_WEB_LISTEN_ADDRESS');

export const webConfigOption = (description: string) => new Option('--web.config.file <path>', description).env('OPEN_NOTIFY_WEB_CONFIG_FILE');

/** --selector, for rules and dashboard alike: PromQL label matchers (README's grammar). */
export const selectorOption = () =>
  new Option('--selector <matchers>', 'label matchers added to every selector of every query, e.g. job="node"').default('', 'none').argParser(arg(parseSelector));

export const textfileNameOption = (def: string) =>
  new Option('--textfile-name <name>', 'file name of the output in the textfile directory').default(def).argParser(arg(parseTextfileName));

export const outputOption = (description: string, def: string) => new Option('-o, --output <file>', description).default(def).argParser(arg(parseOutput));

/** The one-shot's and schedule's -o: a .prom file, and its variable. */
export const metricsOutputOption = (stdout: boolean) =>
  outputOption(stdout ? 'where to write the metrics (- for standard output)' : 'where to write the metrics', defaults.output).env('OPEN_NOTIFY_OUTPUT');

const CROSS_CHECK_ENV = 'OPEN_NOTIFY_CROSS_CHECK';

export const crossCheckOption = (what: string) => new Option('--cross-check', `${what} (env: ${CROSS_CHECK_ENV}=1|true)`);

export interface CrossCheckOpt {
  crossCheck?: boolean;
}

/**
 * --cross-check, else its variable. Not commander's .env(): for a flag it
 * counts any value as on, and OPEN_NOTIFY_CROSS_CHECK=0 must mean off.
 */
export function crossCheckOn(o: CrossCheckOpt, cmd: Command): boolean {
  if (o.crossCheck) return true;
  const v = process.env[CROSS_CHECK_ENV];
  if (v === undefined || v === '' || v === '0' || v.toLowerCase() === 'false') return false;
  if (v === '1' || v.toLowerCase() === 'true') return true;
  return refuse(cmd, `option '--cross-check' value '${v}' from env '${CROSS_CHECK_ENV}' is invalid. expected 1, true, 0 or false.`);
}

/** A usage error: one line, exit 2. */
export function refuse(cmd: Command, text: string): never {
  return cmd.error(`error: ${text}`, { exitCode: ExitCode.usage, code: 'open-notify-exporter.usage' });
}

/** The label names our own series use, which a constant label may not take. */
export const OWN_RESERVED: Readonly<Record<string, string>> = Object.fromEntries(OWN_LABELS.map((n) => [n, "is used by the exporter's own series"]));

/** Why a constant label may not use a name: ours, or one Prometheus sets itself. */
const LABEL_RESERVED: Record<string, string> = {
  ...OWN_RESERVED,
  job: 'is set by Prometheus from the scrape target (a constant one arrives renamed exported_job unless honor_labels)',
  instance: 'is set by Prometheus from the scrape target (a constant one arrives renamed exported_instance unless honor_labels)',
};

/** Constant labels at most: every series carries each of them. */
export const MAX_LABELS = 16;

export const labelOption = (flags: string, description: string, reserved: Record<string, string> = LABEL_RESERVED, allowEmpty = false) =>
  new Option(flags, description)
    .default([] as [string, string][], 'none')
    .argParser((value: string, previous: [string, string][]) => {
      const pair = arg((v) => parseLabel(v, reserved, allowEmpty))(value);
      if (previous.length >= MAX_LABELS) throw new InvalidArgumentError(`at most ${MAX_LABELS} labels.`);
      // Last-wins would silently drop one of two values the operator typed.
      if (previous.some(([name]) => name === pair[0])) throw new InvalidArgumentError(`label "${pair[0]}" is given more than once.`);
      return [...previous, pair];
    });

export interface CollectOpts extends CrossCheckOpt {
  apiUrl: string;
  wheretheissUrl: string;
  crewUrl: string;
  timeout: number;
  retries: number;
  maxBody: number;
  maxPeople: number;
  label: [string, string][];
  'log.level': LogConfig['level'];
  'log.format': LogConfig['format'];
  quiet?: boolean;
  verbose?: boolean;
}

/** The options every mode that fetches shares: where the API is, how to fetch, labels, logging. */
export function addCollectOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--api-url <url>', 'base URL of the Open Notify API').env('OPEN_NOTIFY_API_URL').default(defaults.apiUrl).argParser(arg(parseHttpUrl)))
    .addOption(parsedOption('--timeout <duration>', 'deadline for one request, body included (500ms, 5s, 1m)', defaults.timeout, parseDuration).env('OPEN_NOTIFY_TIMEOUT'))
    .addOption(parsedOption('--retries <n>', 'extra attempts after a network error, timeout, 5xx or 429 (0-10)', defaults.retries, (v) => parseCount(v, 0, 10)).env('OPEN_NOTIFY_RETRIES'))
    .addOption(parsedOption('--max-body <bytes>', 'largest response body accepted (65536, 512KiB, 1MiB; kB, MB are 1000s)', defaults.maxBody, parseBytes))
    .addOption(
      parsedOption('--max-people <n>', 'longest list of people accepted; a longer answer fails the endpoint (1-1000000)', defaults.maxPeople, (v) => parseCount(v, 1, 1_000_000)).env('OPEN_NOTIFY_MAX_PEOPLE'),
    )
    .addOption(crossCheckOption('also ask wheretheiss.at and an independent crew list, and export how far Open Notify is off'))
    .addOption(new Option('--wheretheiss-url <url>', 'base URL of wheretheiss.at, with --cross-check').env('OPEN_NOTIFY_WHERETHEISS_URL').default(defaults.wheretheissUrl).argParser(arg(parseHttpUrl)))
    .addOption(
      new Option('--crew-url <url>', 'URL of the people-in-space JSON to check astros.json against, with --cross-check')
        .env('OPEN_NOTIFY_CREW_URL')
        .default(defaults.crewUrl, 'the people-in-space.json of corquaid/international-space-station-APIs')
        .argParser(arg(parseHttpUrl)),
    )
    .addOption(labelOption('--label <name=value>', 'constant label added to every series (repeatable, at most 16, each at most 256 characters; not job or instance)'))
    .addOption(new Option('--log.level <level>', 'least severe level logged on stderr').choices(LOG_LEVELS).env('OPEN_NOTIFY_LOG_LEVEL').default('info'))
    .addOption(new Option('--log.format <format>', 'log line format on stderr').choices(['logfmt', 'json']).env('OPEN_NOTIFY_LOG_FORMAT').default('logfmt'))
    .addOption(new Option('-q, --quiet', 'short for --log.level error').conflicts('verbose'))
    .addOption(new Option('-v, --verbose', 'short for --log.level debug (every HTTP attempt too)'));
}

export function toCollect(o: CollectOpts, cmd: Command): { collect: CollectConfig; log: LogConfig } {
  if ((o.quiet || o.verbose) && cmd.getOptionValueSource('log.level') === 'cli') {
    refuse(cmd, `option '${o.quiet ? '-q' : '-v'}' is a shorthand for '--log.level': give one of them.`);
  }
  const crossCheck = crossCheckOn(o, cmd) ? { wheretheissUrl: o.wheretheissUrl, crewUrl: o.crewUrl } : undefined;
  return {
    collect: {
      fetch: { apiUrl: o.apiUrl, timeoutMs: o.timeout, retries: o.retries, maxBodyBytes: o.maxBody, maxPeople: o.maxPeople, ...(crossCheck ? { crossCheck } : {}) },
      labels: Object.fromEntries(o.label),
    },
    log: { format: o['log.format'], level: o.quiet ? 'error' : o.verbose ? 'debug' : o['log.level'] },
  };
}
