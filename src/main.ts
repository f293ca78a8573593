// The whole CLI as a function: argv in, exit code out, so it can run
// in-process in tests and bin/ stays a few lines.
import { parseArgs } from './config/cli';
import { ExitCode } from './config/config';
import { stdoutFailure } from './lib/fs';
import { createLogger } from './lib/log';
import type { RunDeps } from './modes/pipeline';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Standard output and error of the process. A write to either that fails
 * (`-o - > /dev/full`, a closed pipe, `2>/dev/full`) never throws: a failed
 * stdout write is remembered and turns the exit code into 3, a failed
 * stderr write is dropped, since a log line that cannot be written must not
 * change what the run did. EPIPE on stdout is a reader that stopped early
 * (`--help | head`): only the run's own output (`-o -`) counts it a failure.
 */
class ProcessIo implements Io {
  stdoutError: NodeJS.ErrnoException | undefined;
  private pending: Promise<void>[] = [];

  constructor() {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => this.failed(err));
    process.stderr.on('error', () => undefined);
  }

  private failed(err: NodeJS.ErrnoException): void {
    if (err.code !== 'EPIPE') this.stdoutError ??= err;
  }

  stdout = (text: string): void => void this.write(text).catch(() => undefined);
  stderr = (text: string): void => {
    try {
      process.stderr.write(text, () => undefined);
    } catch {
      // Nowhere left to say it.
    }
  };

  /** Resolves once the text is handed to the OS; rejects (EPIPE included) if it cannot be. */
  write(text: string): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      try {
        process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    p.catch((err: NodeJS.ErrnoException) => this.failed(err));
    this.pending.push(p.catch(() => undefined));
    return p;
  }

  /** Every write so far settled: their errors are known. */
  async flushed(): Promise<void> {
    await Promise.all(this.pending);
  }
}

let processIo: ProcessIo | undefined;

function packageVersion(): string {
  // dist/src/main.js → ../../package.json
  return (require('../../package.json') as { version: string }).version;
}

/** Where the SIGUSR1 line goes: the run's logger once there is one. */
let say: ((line: string) => void) | undefined;

/**
 * Node opens its inspector on SIGUSR1 (127.0.0.1:9229, no authentication):
 * any local user who may signal the process could then run code inside it,
 * and the units run it as root. A listener of our own takes the signal from
 * Node (on Node 20 and 26 alike), so nothing opens.
 */
function refuseInspectorSignal(io: Io): void {
  process.on('SIGUSR1', () => {
    if (say) say('received SIGUSR1: ignored (the Node.js inspector stays closed)');
    else io.stderr('open-notify-exporter: received SIGUSR1: ignored (the Node.js inspector stays closed)\n');
  });
}

export async function main(argv: readonly string[], io?: Io): Promise<number> {
  if (io) return run(argv, io);
  if (!processIo) refuseInspectorSignal((processIo = new ProcessIo()));
  const pio = processIo;
  const code = await run(argv, pio, pio);
  await pio.flushed();
  if (pio.stdoutError && code !== ExitCode.writeFailed) {
    pio.stderr(`open-notify-exporter: ${stdoutFailure(pio.stdoutError)}\n`);
    return ExitCode.writeFailed;
  }
  return code;
}

/** `rules` and `dashboard`: to standard output, or written atomically to `-o`. */
async function printOrWrite(text: string, output: string, io: Io): Promise<number> {
  if (output === '-') {
    io.stdout(text);
    return ExitCode.ok;
  }
  const { writeTextfile } = require('./outputs/textfile') as typeof import('./outputs/textfile');
  try {
    await writeTextfile(output, text);
    return ExitCode.ok;
  } catch (err) {
    io.stderr(`open-notify-exporter: error: ${(err as Error).message}\n`);
    return ExitCode.writeFailed;
  }
}

async function run(argv: readonly string[], io: Io, pio?: ProcessIo): Promise<number> {
  const version = packageVersion();
  const parsed = parseArgs(argv, io, version);
  if (parsed.kind === 'exit') return parsed.code;
  if (parsed.kind === 'rules') {
    const { rulesYaml } = require('./mixin/rules') as typeof import('./mixin/rules');
    return printOrWrite(rulesYaml(parsed.rules, version), parsed.output, io);
  }
  if (parsed.kind === 'healthcheck') {
    const { runHealthcheck } = require('./modes/healthcheck') as typeof import('./modes/healthcheck');
    return runHealthcheck(parsed.healthcheck, version, io.stderr);
  }
  if (parsed.kind === 'dashboard') {
    const { dashboard } = require('./mixin/dashboard') as typeof import('./mixin/dashboard');
    return printOrWrite(`${JSON.stringify(dashboard(parsed.dashboard), null, 2)}\n`, parsed.output, io);
  }
  const log = createLogger(parsed.log, io.stderr);
  if (pio) say = (line) => log.warn(line);
  const deps: RunDeps = {
    now: () => Date.now(),
    log,
    version,
    nodejs: process.versions.node,
    writeStdout: pio ? (t: string) => pio.write(t) : (t: string) => Promise.resolve(io.stdout(t)),
  };
  // Loaded per subcommand: --help and bad flags stay cheap, a one-shot run
  // never loads node-cron (+4.8 ms, +3.1 MiB: docs/performance.md).
  switch (parsed.kind) {
    case 'schedule':
      return (require('./modes/schedule') as typeof import('./modes/schedule')).runSchedule(parsed.schedule, deps);
    case 'serve':
      return (require('./modes/serve') as typeof import('./modes/serve')).runServe(parsed.serve, deps);
    case 'push':
      return (require('./modes/push') as typeof import('./modes/push')).runPush(parsed.push, deps);
  }
  const { runOnce } = require('./modes/once') as typeof import('./modes/once');
  return runOnce(parsed.run, deps);
}
