// The atomic write of the .prom file. node_exporter reads every *.prom file in
// its directory at each scrape and drops a file that does not parse, so the
// output name must only ever hold a complete file: the old one or the new one.
import { createHash, randomInt } from 'node:crypto';
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { errnoReason as reason, fileType, fsyncPath, lstat, readdir, rename, stat, unlink } from '../lib/fs';
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

/** Staged and temp files of killed runs younger than this may belong to a live run. */
export const SWEEP_GRACE_MS = 60_000;

/** The longest file name Linux file systems take, in bytes. */
const NAME_MAX = 255;
/** What a temp name adds to its prefix: `.<uint32>` for ours, another for write-file-atomic's. */
const TEMP_SUFFIX_BYTES = 2 * 11;

/**
 * The prefix of our temp names for this output: its own name, or, when
 * that plus the two suffixes would pass NAME_MAX (a legal name of 234-255
 * bytes could never be written), its first bytes and a hash of the whole
 * name, so two long names in one directory keep apart. Never `*.prom`.
 */
export function tempPrefix(target: string): string {
  const name = basename(target);
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length + TEMP_SUFFIX_BYTES <= NAME_MAX) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  let keep = NAME_MAX - TEMP_SUFFIX_BYTES - 1 - hash.length;
  // Cut at a character boundary: never half a UTF-8 sequence.
  while (keep > 0 && (bytes[keep] & 0xc0) === 0x80) keep -= 1;
  return `${bytes.subarray(0, keep).toString('utf8')}~${hash}`;
}

/**
 * Our leftovers are `<prefix>.<digits>` (the staged file) and
 * `<prefix>.<digits>.<digits>` (write-file-atomic's temp file); neither ends
 * in `.prom`, so node_exporter never reads them. Nothing else is touched.
 */
function isLeftover(name: string, prefix: string): boolean {
  return name.startsWith(`${prefix}.`) && /^\d+(\.\d+)?$/.test(name.slice(prefix.length + 1));
}

export async function sweepLeftovers(target: string, nowMs: number = Date.now()): Promise<string[]> {
  const dir = dirname(target);
  const prefix = tempPrefix(target);
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!isLeftover(name, prefix)) continue;
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

/** More links than this in a row is a loop, as for the kernel (ELOOP). */
const MAX_LINKS = 40;

/** stat that says undefined for a path that does not exist. */
function statIfAny(path: string, follow: boolean): Stats | undefined {
  return (follow ? statSync : lstatSync)(path, { throwIfNoEntry: false });
}

/**
 * The kernel's fs.protected_symlinks rule for a link at `path`: in a sticky,
 * world-writable directory (/tmp) a link is followed only if it is owned by
 * the directory's owner or by us. Otherwise root, following a link another
 * user planted, would replace the file it names.
 */
function refuseUnsafeLink(path: string, link: Stats): void {
  const dir = statSync(dirname(path));
  const stickyAndOpen = (dir.mode & 0o1002) === 0o1002;
  if (!stickyAndOpen || link.uid === dir.uid || link.uid === process.geteuid?.()) return;
  throw new WriteError(`cannot write ${path}: a symbolic link owned by uid ${link.uid} in a sticky world-writable directory; not followed, as the kernel would not follow it (fs.protected_symlinks)`, 'EACCES');
}

/**
 * The path we rename onto. A symlinked output is followed and its target
 * replaced, so a link into another directory keeps working and the link
 * itself is left alone; a dangling link's target is created.
 */
function followLinks(path: string): string {
  let current = resolve(path);
  const planted = statIfAny(current, false);
  if (planted?.isSymbolicLink()) refuseUnsafeLink(current, planted);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    try {
      // The native call: fs.realpath walks the path in JS with an lstat per component.
      return realpathSync.native(current);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const link = statIfAny(current, false);
    if (!link?.isSymbolicLink()) return current;
    refuseUnsafeLink(current, link);
    current = resolve(dirname(current), readlinkSync(current));
  }
  throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' });
}

/** Where a run writes: the path as given, and the file it names after links. */
export interface Output {
  path: string;
  target: string;
}

function notRegular(path: string, st: Stats): WriteError {
  return new WriteError(`cannot write ${path}: it is ${fileType(st)}, not a regular file`, 'ENOTREG');
}

/**
 * Checks the output before any other I/O touches it. It must be a regular
 * file or not exist yet: renaming over /dev/null as root would replace the
 * host's /dev/null, and reading back a FIFO or /dev/zero never ends.
 * stat only, never open: opening some devices has effects of its own.
 */
export function resolveOutput(path: string): Output {
  let target: string;
  try {
    // Synchronous: a few stat calls before anything else happens, with
    // nothing to overlap them with (async measured no faster, npm run bench).
    target = followLinks(path);
    const existing = statIfAny(target, true);
    if (existing?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (existing && !existing.isFile()) throw notRegular(path, existing);
    const dir = dirname(target);
    const dirStat = statIfAny(dir, true);
    if (!dirStat) throw Object.assign(new Error(`directory ${dir} does not exist`), { code: 'ENOENT', dir });
    if (!dirStat.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    if (err instanceof WriteError) throw err;
    const r = reason(err);
    const dir = (err as { dir?: string }).dir;
    throw new WriteError(`cannot write ${path}: ${dir ? `directory ${dir} does not exist` : r.text}`, r.code);
  }
  return { path, target };
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
 * Writes `text` to the output atomically, with mode 0644 whatever the umask
 * (node_exporter, running as another user, must be able to read it).
 *
 * write-file-atomic (v7 and v8) issues one fs.write and ignores the byte
 * count, so on a nearly full disk it renames a truncated file into place and
 * reports success. It therefore only ever writes a staging name that
 * node_exporter does not read; we check the staged size against the payload
 * before renaming it onto the real name and fsyncing the directory.
 */
export async function writeTextfile(output: Output | string, text: string, sweeping?: Promise<string[]>): Promise<WriteResult> {
  const { path, target } = typeof output === 'string' ? resolveOutput(output) : output;
  const payload = Buffer.from(text, 'utf8');
  // A caller may have started the sweep earlier (the one-shot: while it fetches).
  const swept = await (sweeping ?? sweepLeftovers(target));
  const staged = join(dirname(target), `${tempPrefix(target)}.${randomInt(0, 2 ** 32 - 1)}`);
  try {
    // chown: false — as root under SystemCallFilter=~@privileged, chown fails with
    // EPERM and write-file-atomic treats that as fatal.
    await writeFileAtomic(staged, payload, { mode: 0o644, chown: false as unknown as undefined, fsync: true });
    const st = await stat(staged);
    if (st.size !== payload.length) {
      throw Object.assign(new Error(`short write: ${st.size} of ${payload.length} bytes`), { code: 'ENOSPC', short: true });
    }
    // Checked again just before the rename: a device or FIFO put there while
    // we fetched must not be replaced either.
    const now = await lstat(target).catch(() => undefined);
    if (now && !now.isFile()) throw notRegular(path, now);
    await rename(staged, target);
    await fsyncDir(dirname(target));
  } catch (err) {
    await unlink(staged).catch(() => undefined);
    if (err instanceof WriteError) throw err;
    const r = reason(err);
    const short = (err as { short?: boolean }).short ? ` (${(err as Error).message})` : '';
    throw new WriteError(`cannot write ${path}: ${r.text}${short}`, r.code);
  }
  return { path: target, bytes: payload.length, swept };
}
