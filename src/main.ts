// The whole CLI as a function: argv in, exit code out, so it can run
// in-process in tests and bin/ stays a few lines.
import { parseArgs } from './cli';
import { createLogger } from './log';

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
  const version = packageVersion();
  const parsed = parseArgs(argv, io, version);
  if (parsed.kind === 'exit') return parsed.code;
  if (parsed.kind === 'rules') {
    const { rulesYaml } = require('./rules') as typeof import('./rules');
    io.stdout(rulesYaml(parsed.rules, version));
    return 0;
  }
  const log = createLogger(parsed.log, io.stderr);
  // Loaded only for a run: --help and bad flags stay cheap.
  const { runOnce } = require('./run') as typeof import('./run');
  return runOnce(parsed.run, {
    now: () => Date.now(),
    log,
    version,
    nodejs: process.versions.node,
    writeStdout: io === processIo ? (t: string) => writeAll(process.stdout, t) : async (t: string) => io.stdout(t),
  });
}
