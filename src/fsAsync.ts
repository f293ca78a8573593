// Promise versions of the callback fs calls we use. Not node:fs/promises:
// loading it also loads readline and file watchers, which a one-shot run
// pays for on every start.
import * as fs from 'node:fs';
import { promisify } from 'node:util';

export const readFile = promisify(fs.readFile);
export const stat = promisify(fs.stat);
export const lstat = promisify(fs.lstat);
export const readdir = promisify(fs.readdir);
// The native call: fs.realpath walks the path in JS with an lstat per component.
export const realpath = promisify(fs.realpath.native);
export const rename = promisify(fs.rename);
export const unlink = promisify(fs.unlink);

/** fsync a directory, so a rename inside it survives a crash. */
export function fsyncPath(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.open(path, 'r', (err, fd) => {
      if (err) return reject(err);
      fs.fsync(fd, (syncErr) => fs.close(fd, () => (syncErr ? reject(syncErr) : resolve())));
    });
  });
}
