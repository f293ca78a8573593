// Command line → plain config: the root command (one run) and the dispatch
// to a subcommand. With options.ts and commands.ts, the only code that knows commander.
import { Command, CommanderError } from 'commander';
import { ExitCode } from './config';
import { createLogger, printable, safeJson } from '../lib/log';
import { COMMANDS, addSubcommands, type Parsed } from './commands';
import { addCollectOptions, metricsOutputOption, toCollect, type CollectOpts } from './options';

export type { Parsed } from './commands';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
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

const HEALTHCHECK_UNHEALTHY = 1;

/**
 * A usage error's one line: `open-notify-exporter: error: …`, or with
 * --log.format json (flag or variable) a JSON log line, as every other line
 * of that run would be.
 */
function usageLine(argv: readonly string[], text: string): string {
  let format = process.env.OPEN_NOTIFY_LOG_FORMAT;
  argv.forEach((a, i) => {
    if (a === '--log.format') format = argv[i + 1];
    else if (a.startsWith('--log.format=')) format = a.slice('--log.format='.length);
  });
  // What was typed is echoed: its control characters escaped, as in every log line.
  if (format !== 'json') return `open-notify-exporter: ${printable(text)}\n`;
  return `${safeJson({ time: new Date().toISOString(), level: 'error', msg: text.replace(/^error: /, '') })}\n`;
}

export function parseArgs(argv: readonly string[], io: CliIo, version: string): Parsed {
  let result: Parsed = { kind: 'exit', code: ExitCode.ok };
  const program = new Command('open-notify-exporter')
    .description(
      "Fetch people in space and the ISS position from the Open Notify API and write\nthem atomically as a .prom file for node_exporter's textfile collector.\nWithout a command: one run.",
    )
    // As Prometheus' own binaries: the name, the version and what it runs on.
    .version(`open-notify-exporter, version ${version} (node ${process.version})`, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // commander's 'too many arguments' does not say which: said below, naming them.
      outputError: (s, write) => void (/too many arguments/.test(s) || write(usageLine(argv, s.replace(/\n+$/, '')))),
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
  (subcommand ? program : addCollectOptions(program.addOption(metricsOutputOption(true))))
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

  // Without a command word or a help request the root command is all that can
  // match, and the subcommands are not built: building them costs a one-shot
  // +2.5 % wall on Node 20, +1.9 % on Node 26 (21 paired runs, 2026-12-07).
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
      if (err.code === 'commander.excessArguments') {
        const stray = (program.commands.find((c) => c.name() === first) ?? program).args;
        io.stderr(usageLine(argv, `error: unexpected argument${stray.length > 1 ? 's' : ''} ${stray.map((a) => `'${a}'`).join(' ')}: every value goes with an option (-o FILE, --label name=value)`));
      }
      const informational = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      // A container's HEALTHCHECK reads 0 healthy, 1 unhealthy; Docker reserves 2.
      const usage = first === 'healthcheck' ? HEALTHCHECK_UNHEALTHY : ExitCode.usage;
      return { kind: 'exit', code: informational ? ExitCode.ok : usage };
    }
    throw err;
  }
  // Set by the action commander called; TypeScript cannot see that assignment.
  const parsed = result as Parsed;
  if ('log' in parsed) {
    // A misspelled OPEN_NOTIFY_* variable would otherwise be ignored without a word. Known: any command's.
    const known = new Set(['OPEN_NOTIFY_LOG_FORMAT']);
    const learn = () => [program, ...program.commands].forEach((c) => c.options.forEach((o) => o.envVar && known.add(o.envVar)));
    learn();
    const names = Object.keys(process.env).filter((k) => k.startsWith('OPEN_NOTIFY_'));
    // The one-shot builds no subcommand: their variables are learnt only when one is not the one-shot's.
    if (!wantsCommands && names.some((k) => !known.has(k))) {
      addSubcommands(program, () => undefined);
      learn();
    }
    const unknown = names.filter((k) => !known.has(k));
    if (unknown.length > 0) createLogger(parsed.log, (line) => io.stderr(line)).warn(`unknown environment variable${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, ignored (misspelt?)`);
  }
  return result;
}
