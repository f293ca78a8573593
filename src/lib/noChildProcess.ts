// Bundled in place of node:child_process (esbuild --alias, npm run build).
// commander requires it as it loads, for executable subcommands, which this
// CLI has none of; not loading it (nor the dgram and socket-list modules it
// brings) saves ~0.3 MiB of a one-shot's peak RSS (npm run bench). Anything
// that did call it fails loudly instead of running a program.
function notBundled(): never {
  throw new Error('node:child_process is not part of the bundle (src/lib/noChildProcess.ts)');
}

export const spawn = notBundled;
export const execFile = notBundled;
export const exec = notBundled;
export const fork = notBundled;
