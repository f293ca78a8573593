// Reads back the output file a previous run wrote, as samples: state.ts
// restores what carries across runs from them. Strict on purpose: a file we
// cannot parse whole is ignored whole.
import { formatBytes } from '../lib/format';
import { readRegularFile } from '../lib/fs';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

class ParseError extends Error {}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseValue(text: string, line: number): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN' || text === 'Nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new ParseError(`line ${line}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

/** `name="value"`, the value with the exposition format's escapes still in it. */
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/y;
const ESCAPES: Record<string, string> = { n: '\n', '\\': '\\', '"': '"' };

function parseLabels(src: string, start: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start;
  while (src[i] !== '}') {
    LABEL.lastIndex = i;
    const m = LABEL.exec(src);
    if (!m) throw new ParseError(`line ${line}: bad label at column ${i + 1}`);
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => {
      if (!Object.hasOwn(ESCAPES, c)) throw new ParseError(`line ${line}: bad escape in label value`);
      return ESCAPES[c];
    });
    i = LABEL.lastIndex;
    if (src[i] === ',') i += 1;
    else if (src[i] !== '}') throw new ParseError(`line ${line}: expected , or } after label`);
  }
  return { labels, end: i + 1 };
}

/** Parses Prometheus text exposition format 0.0.4 into samples. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else throw new ParseError('file does not end with a newline (incomplete)');
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const m = NAME.exec(raw);
    if (!m) throw new ParseError(`line ${line}: bad metric name`);
    let i = m[0].length;
    let labels: Record<string, string> = {};
    if (raw[i] === '{') {
      const parsed = parseLabels(raw, i + 1, line);
      labels = parsed.labels;
      i = parsed.end;
    }
    const rest = raw.slice(i).trim().split(/\s+/);
    if (raw[i] !== ' ' || rest.length < 1 || rest.length > 2) throw new ParseError(`line ${line}: expected a value`);
    samples.push({ name: m[0], labels, value: parseValue(rest[0], line) });
  });
  return samples;
}

/** The previous file's samples (none when there is no file, or none of ours), and why not. */
export type PreviousResult = { samples: Sample[]; warnings: string[] };

/**
 * The most read back: more than our own largest file at this --max-people
 * (an astronaut line is at most ~19 KiB: 16 constant labels and two API
 * values of 256 characters, 4 bytes each), and never under 4 MiB. A larger
 * file at our path is not ours, and reading it whole (or a device that never
 * ends) must not cost the run its time or memory.
 */
export const maxPreviousBytes = (maxPeople: number): number => Math.max(4 * 1024 * 1024, (maxPeople + 64) * 32 * 1024);

/** A missing file is a normal first run; anything else unreadable is a warning. */
export async function readPrevious(path: string, maxBytes: number): Promise<PreviousResult> {
  let text: string;
  const fresh = (why: string): PreviousResult => ({ samples: [], warnings: [`previous output ${path} ${why}; starting fresh`] });
  try {
    const r = await readRegularFile(path, maxBytes);
    if (r.kind === 'tooLarge') return fresh(`is over ${formatBytes(maxBytes)} (${r.bytes} bytes or more), too large to be ours`);
    if (r.kind === 'notRegular') return fresh(`is ${r.type}, not a file of ours`);
    text = r.text;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { samples: [], warnings: [] };
    return { samples: [], warnings: [`cannot read previous output ${path} (${code ?? String(err)}); starting fresh`] };
  }
  try {
    return { samples: parseExposition(text), warnings: [] };
  } catch (err) {
    return fresh(`is not valid (${(err as Error).message})`);
  }
}
