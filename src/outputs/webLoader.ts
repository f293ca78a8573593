// Loads src/outputs/web.ts: from its own bundle (dist/web.js) when running
// from the bundle, else tsc's output beside this file. Not a plain
// require('./web'): esbuild would put it into the one-shot's bundle too.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function webModule(): typeof import('./web') {
  const bundled = join(__dirname, 'web.js');
  const path = existsSync(bundled) ? bundled : join(__dirname, 'web');
  return require(path) as typeof import('./web');
}
