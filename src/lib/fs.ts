// Promise versions of the callback fs calls we use. Not node:fs/promises: it
// also loads readline and file watchers, which a one-shot would pay every
// start: +2.4 ms and +2.0 MiB on Node 26, +0.5 ms and +0.9 MiB on Node 20
// (31 paired starts each, 2026-12-07).
import * as fs from 'node:fs';
import { promisify } from 'node:util';

export const stat = promisify(fs.stat);
export const lstat = promisify(fs.lstat);
export const readdir = promisify(fs.readdir);
export const rename = promisify(fs.rename);
export const unlink = promisify(fs.unlink);
const open = promisify(fs.open);
const fstat = promisify(fs.fstat);
const read = promisify(fs.read);
const close = promisify(fs.close);

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'the output path is a directory',
  EIO: 'I/O error',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EPIPE: 'the reader went away (broken pipe)',
  EBADF: 'it is closed',
};

/** A failed write in words, for the one line that reports it. */
export function errnoReason(err: unknown): { text: string; code?: string } {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && REASONS[code]) return { text: REASONS[code], code };
  return { text: code ? `${code}: ${(err as Error).message}` : String(err), code };
}

/** The one line for output that could not be written to standard output (`-o -`, rules, --help). */
export function stdoutFailure(err: unknown): string {
  return `cannot write to standard output: ${errnoReason(err).text}`;
}

/** fsync a directory, so a rename inside it survives a crash. */
export function fsyncPath(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.open(path, 'r', (err, fd) => {
      if (err) return reject(err);
      fs.fsync(fd, (syncErr) => fs.close(fd, () => (syncErr ? reject(syncErr) : resolve())));
    });
  });
}

/** What a file system object is, in words, for an error message. */
export function fileType(st: fs.Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export type Bounded = { kind: 'text'; text: string } | { kind: 'tooLarge'; bytes: number } | { kind: 'notRegular'; type: string };

/**
 * Reads a regular file of at most `maxBytes`. Opened non-blocking (a FIFO
 * put there meanwhile must not hang us) and checked with fstat before any
 * read: a device such as /dev/zero reports size 0 and never ends.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Bounded> {
  const fd = await open(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  try {
    const st = await fstat(fd);
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read`), { code: 'EISDIR' });
    if (!st.isFile()) return { kind: 'notRegular', type: fileType(st) };
    if (st.size > maxBytes) return { kind: 'tooLarge', bytes: st.size };
    // Sized by fstat, one byte over to notice a file that grew meanwhile, and
    // grown (up to the cap) if it did; not the cap up front, which
    // maxPreviousBytes makes 32 GiB at --max-people 1000000.
    let buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await read(fd, buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) return { kind: 'tooLarge', bytes: filled };
    return { kind: 'text', text: buf.toString('utf8', 0, filled) };
  } finally {
    await close(fd);
  }
}
