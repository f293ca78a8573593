// Reads back the output file a previous run wrote, so values that must carry
// across runs (the last-success times of endpoints failing now) survive.
// Strict on purpose: a file we cannot parse whole is ignored whole.
import { readFile } from 'node:fs/promises';
import type { EndpointName } from './openNotify';
import { ENDPOINT_NAMES } from './openNotify';
import { METRICS } from './metrics';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export class ParseError extends Error {}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string, line: number): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN' || text === 'Nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new ParseError(`line ${line}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

function parseLabels(src: string, start: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start;
  for (;;) {
    if (src[i] === '}') return { labels, end: i + 1 };
    const m = LABEL_NAME.exec(src.slice(i));
    if (!m || src[i + m[0].length] !== '=' || src[i + m[0].length + 1] !== '"') {
      throw new ParseError(`line ${line}: bad label at column ${i + 1}`);
    }
    i += m[0].length + 2;
    let value = '';
    for (;;) {
      const ch = src[i];
      if (ch === undefined) throw new ParseError(`line ${line}: unterminated label value`);
      if (ch === '"') break;
      if (ch === '\\') {
        const next = src[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new ParseError(`line ${line}: bad escape in label value`);
        i += 2;
      } else {
        value += ch;
        i += 1;
      }
    }
    labels[m[0]] = value;
    i += 1;
    if (src[i] === ',') i += 1;
    else if (src[i] !== '}') throw new ParseError(`line ${line}: expected , or } after label`);
  }
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
    samples.push({ name: m[0], labels, value: parseValue(rest[0]!, line) });
  });
  return samples;
}

export interface Previous {
  lastSuccess: Partial<Record<EndpointName, number>>;
}

export const EMPTY_PREVIOUS: Previous = { lastSuccess: {} };

export function extractPrevious(samples: Sample[]): Previous {
  const lastSuccess: Partial<Record<EndpointName, number>> = {};
  for (const s of samples) {
    if (s.name !== METRICS.lastSuccess.name) continue;
    const e = s.labels.endpoint as EndpointName | undefined;
    if (e && ENDPOINT_NAMES.includes(e) && Number.isFinite(s.value) && s.value > 0) lastSuccess[e] = s.value;
  }
  return { lastSuccess };
}

export type PreviousResult = { previous: Previous; warning?: string };

/** A missing file is a normal first run; anything else unreadable is a warning. */
export async function readPrevious(path: string): Promise<PreviousResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { previous: EMPTY_PREVIOUS };
    return { previous: EMPTY_PREVIOUS, warning: `cannot read previous output ${path} (${code ?? String(err)}); starting fresh` };
  }
  try {
    return { previous: extractPrevious(parseExposition(text)) };
  } catch (err) {
    return { previous: EMPTY_PREVIOUS, warning: `previous output ${path} is not valid (${(err as Error).message}); starting fresh` };
  }
}
