// The whole CLI as a function: argv in, exit code out, so it can run
// in-process in tests and bin/ stays a few lines.
import { parseArgs } from './cli';
import { createLogger } from './log';
import type { RunDeps } from './run';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: Io = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

export function packageVersion(): string {
  // dist/src/main.js → ../../package.json
  return (require('../../package.json') as { version: string }).version;
}

function writeAll(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  if (io === processIo) {
    // `open-notify-exporter --help | head` closes the pipe early: not a crash.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
  const version = packageVersion();
  const parsed = parseArgs(argv, io, version);
  if (parsed.kind === 'exit') return parsed.code;
  if (parsed.kind === 'rules') {
    const { rulesYaml } = require('./rules') as typeof import('./rules');
    io.stdout(rulesYaml(parsed.rules, version));
    return 0;
  }
  const deps: RunDeps = {
    now: () => Date.now(),
    log: createLogger(parsed.log, io.stderr),
    version,
    nodejs: process.versions.node,
    writeStdout: io === processIo ? (t: string) => writeAll(process.stdout, t) : async (t: string) => io.stdout(t),
  };
  // Loaded per subcommand: --help and bad flags stay cheap, a one-shot run never loads node-cron.
  switch (parsed.kind) {
    case 'schedule':
      return (require('./schedule') as typeof import('./schedule')).runSchedule(parsed.schedule, deps);
    case 'serve':
      return (require('./serve') as typeof import('./serve')).runServe(parsed.serve, deps);
    case 'push':
      return (require('./push') as typeof import('./push')).runPush(parsed.push, deps);
  }
  const { runOnce } = require('./run') as typeof import('./run');
  return runOnce(parsed.run, deps);
}
