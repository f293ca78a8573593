// Reading exporter-toolkit's web configuration: its files (regular, small,
// never blocking) and its values, each error naming the file and the key.
import { errnoReason, readRegularFile } from '../lib/fs';
import { isObject as isObj } from '../lib/format';

export class WebConfigError extends Error {}

/**
 * What any one file it reads may hold: a web config or a PEM bundle is a few
 * kilobytes. A certificate linked to /dev/zero, a FIFO or a sparse 3 GB file
 * is refused before it is read.
 */
export const MAX_FILE_BYTES = 1024 * 1024;

export type Obj = Record<string, unknown>;

export function fail(path: string, key: string, why: string): never {
  throw new WebConfigError(`web config ${path}: ${key}: ${why}`);
}

/** An exporter-toolkit mapping: only the keys it knows (Go's strict unmarshalling refuses the rest). */
export function section(path: string, key: string, v: unknown, known: readonly string[]): Obj {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) fail(path, key, 'expected a mapping');
  for (const k of Object.keys(v)) if (!known.includes(k)) fail(path, key ? `${key}.${k}` : k, `unknown key (known: ${known.join(', ')})`);
  return v;
}

/** A string; a number or true/false as its text, as Go's YAML decoder does for a string field (`X-XSS-Protection: 1`). */
export function str(path: string, key: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') fail(path, key, 'expected a string');
  return v;
}

/**
 * A file a web config names (or the config, or healthcheck's client
 * certificate): a regular file of at most MAX_FILE_BYTES, read without
 * blocking. Throws an Error saying why not, calling the file `shown`.
 */
export async function readConfigFile(full: string, shown = full): Promise<string> {
  let r: Awaited<ReturnType<typeof readRegularFile>>;
  try {
    r = await readRegularFile(full, MAX_FILE_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'EISDIR' ? `${shown} is a directory, not a regular file` : `cannot read ${shown} (${code ?? errnoReason(err).text})`, { cause: err });
  }
  if (r.kind === 'notRegular') throw new Error(`${shown} is ${r.type}, not a regular file`);
  if (r.kind === 'tooLarge') throw new Error(`${shown} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
  return r.text;
}

export async function readFile(path: string, key: string, full: string): Promise<string> {
  try {
    return await readConfigFile(full, key === '(file)' ? 'it' : full);
  } catch (err) {
    return fail(path, key, (err as Error).message);
  }
}

export function list(path: string, key: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(path, key, 'expected a list of strings');
  return v as string[];
}

export function bool(path: string, key: string, v: unknown, def: boolean): boolean {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'boolean') fail(path, key, 'expected true or false');
  return v;
}
