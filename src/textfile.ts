// The atomic write of the .prom file. node_exporter reads every *.prom file in
// its directory at each scrape and drops a file that does not parse, so the
// output name must only ever hold a complete file: the old one or the new one.
import { randomInt } from 'node:crypto';
import { fsyncPath, lstat, readdir, realpath, rename, stat, unlink } from './fsAsync';
import { basename, dirname, join, resolve } from 'node:path';
import writeFileAtomic = require('write-file-atomic');

export class WriteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

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
};

function reason(err: unknown): { text: string; code?: string } {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && REASONS[code]) return { text: REASONS[code]!, code };
  return { text: code ? `${code}: ${(err as Error).message}` : String(err), code };
}

/** Staged and temp files of killed runs younger than this may belong to a live run. */
export const SWEEP_GRACE_MS = 60_000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Our leftovers are `<output>.<digits>` (the staged file) and
 * `<output>.<digits>.<digits>` (write-file-atomic's temp file); neither ends
 * in `.prom`, so node_exporter never reads them. Nothing else is touched.
 */
export function leftoverPattern(target: string): RegExp {
  return new RegExp(`^${escapeRegExp(basename(target))}\\.\\d+(\\.\\d+)?$`);
}

export async function sweepLeftovers(target: string, nowMs: number = Date.now()): Promise<string[]> {
  const dir = dirname(target);
  const pattern = leftoverPattern(target);
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const full = join(dir, name);
    try {
      const st = await lstat(full);
      if (!st.isFile() || nowMs - st.mtimeMs < SWEEP_GRACE_MS) continue;
      await unlink(full);
      removed.push(full);
    } catch {
      // Another run may have swept it first.
    }
  }
  return removed;
}

/**
 * The path we rename onto. A symlinked output is followed and its target
 * replaced (as write-file-atomic does), so a link into another directory
 * keeps working; the link itself is left alone.
 */
async function resolveTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(path);
    throw err;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    await fsyncPath(dir);
  } catch (err) {
    // Some file systems cannot fsync a directory; the rename is still atomic.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR') throw err;
  }
}

export interface WriteResult {
  path: string;
  bytes: number;
  swept: string[];
}

/**
 * Writes `text` to `path` atomically, with mode 0644 whatever the umask.
 *
 * write-file-atomic (v7 and v8) issues one fs.write and ignores the byte
 * count, so on a nearly full disk it renames a truncated file into place and
 * reports success. It therefore only ever writes a staging name that
 * node_exporter does not read; we check the staged size against the payload
 * before renaming it onto the real name and fsyncing the directory.
 */
export async function writeTextfile(path: string, text: string): Promise<WriteResult> {
  const payload = Buffer.from(text, 'utf8');
  let target: string;
  try {
    target = await resolveTarget(path);
    const dir = dirname(target);
    const dirStat = await stat(dir);
    if (!dirStat.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    const existing = await stat(target).catch(() => undefined);
    if (existing?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (err) {
    const r = reason(err);
    const what = r.code === 'ENOENT' ? `directory ${dirname(path)} does not exist` : r.text;
    throw new WriteError(`cannot write ${path}: ${what}`, r.code);
  }

  const swept = await sweepLeftovers(target);
  const staged = `${target}.${randomInt(0, 2 ** 32 - 1)}`;
  try {
    // chown: false — as root under SystemCallFilter=~@privileged, chown fails with
    // EPERM and write-file-atomic treats that as fatal.
    await writeFileAtomic(staged, payload, { mode: 0o644, chown: false as unknown as undefined, fsync: true });
    const st = await stat(staged);
    if (st.size !== payload.length) {
      throw Object.assign(new Error(`short write: ${st.size} of ${payload.length} bytes`), { code: 'ENOSPC', short: true });
    }
    await rename(staged, target);
    await fsyncDir(dirname(target));
  } catch (err) {
    await unlink(staged).catch(() => undefined);
    const r = reason(err);
    const short = (err as { short?: boolean }).short ? ` (${(err as Error).message})` : '';
    throw new WriteError(`cannot write ${path}: ${r.text}${short}`, r.code);
  }
  return { path: target, bytes: payload.length, swept };
}
