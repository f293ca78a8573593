// Reads back the output file a previous run wrote, so values that must carry
// across runs (counters, the histogram, last-success times) survive.
// Strict on purpose: a file we cannot parse whole is ignored whole.
import { formatBytes } from '../lib/format';
import { readRegularFile } from '../lib/fs';
import { DEFAULT_ENDPOINTS } from '../sources/table';
import { DURATION_BUCKETS, METRICS } from './metrics';
import type { RunState } from './state';
import { emptyState } from './state';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

class ParseError extends Error {}

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
    samples.push({ name: m[0], labels, value: parseValue(rest[0], line) });
  });
  return samples;
}

const isCount = (v: number) => Number.isSafeInteger(v) && v >= 0;

function endpointIn(endpoints: readonly string[]): (sample: Sample) => string | undefined {
  return (sample) => {
    const e = sample.labels.endpoint;
    return e !== undefined && endpoints.includes(e) ? e : undefined;
  };
}

/**
 * Rebuilds the carried state from a previous output, family by family. A
 * family that is absent (an older contract) starts from zero quietly; one
 * that is present but not what this version writes (negative or fractional
 * counts, other buckets, buckets going down) starts from zero with a warning.
 * Counters therefore only ever go backwards by a reset to zero.
 */
export function extractState(samples: Sample[], endpoints: readonly string[] = DEFAULT_ENDPOINTS): { state: RunState; warnings: string[] } {
  const state = emptyState(endpoints);
  const endpointOf = endpointIn(endpoints);
  const warnings: string[] = [];
  const named = (name: string) => samples.filter((s) => s.name === name);

  for (const s of named(METRICS.lastSuccess.name)) {
    const e = endpointOf(s);
    if (e && Number.isFinite(s.value) && s.value > 0) state.lastSuccess[e] = s.value;
  }

  const runs = named(METRICS.runs.name);
  if (runs.length === 1 && isCount(runs[0].value)) state.runsTotal = runs[0].value;
  else if (runs.length > 0) warnings.push(`${METRICS.runs.name} is not a single whole count; counting from zero`);

  const skipped = named(METRICS.skippedRuns.name);
  if (skipped.length === 1 && isCount(skipped[0].value)) state.skippedRunsTotal = skipped[0].value;
  else if (skipped.length > 0) warnings.push(`${METRICS.skippedRuns.name} is not a single whole count; counting from zero`);

  const failures = named(METRICS.fetchFailures.name);
  const failuresOk = failures.every((s) => endpointOf(s) && isCount(s.value));
  if (failuresOk) for (const s of failures) state.fetchFailuresTotal[endpointOf(s)!] = s.value;
  else warnings.push(`${METRICS.fetchFailures.name} has values this version does not write; counting from zero`);

  const h = METRICS.requestDuration.name;
  const histSamples = samples.filter((s) => s.name === `${h}_bucket` || s.name === `${h}_sum` || s.name === `${h}_count`);
  if (histSamples.length > 0) {
    const restored = restoreHistograms(histSamples, h, endpoints);
    if (restored) state.requestDuration = restored;
    else warnings.push(`${h} has other buckets or inconsistent counts; counting from zero`);
  }
  return { state, warnings };
}

function restoreHistograms(samples: Sample[], h: string, endpoints: readonly string[]): RunState['requestDuration'] | undefined {
  const out = emptyState(endpoints).requestDuration;
  for (const e of endpoints) {
    const mine = samples.filter((s) => s.labels.endpoint === e);
    if (mine.length === 0) continue;
    const buckets = mine.filter((s) => s.name === `${h}_bucket`);
    const les = buckets.map((s) => s.labels.le);
    const expected = [...DURATION_BUCKETS.map(String), '+Inf'];
    if (les.length !== expected.length || !les.every((le, i) => le === expected[i] || Number(le) === Number(expected[i]))) return undefined;
    const counts = buckets.map((s) => s.value);
    const sum = mine.find((s) => s.name === `${h}_sum`)?.value;
    const count = mine.find((s) => s.name === `${h}_count`)?.value;
    if (sum === undefined || count === undefined || !Number.isFinite(sum) || sum < 0) return undefined;
    if (!counts.every(isCount) || counts.some((n, i) => i > 0 && n < counts[i - 1]) || counts[counts.length - 1] !== count) return undefined;
    out[e] = { buckets: counts.slice(0, -1), sum, count };
  }
  return out;
}

export type PreviousResult = { state: RunState; warnings: string[] };

/**
 * The most read back. Our file is ~4 KB, ~350 KB with 5,000 people; a file
 * at our path larger than this is not ours, and reading it whole (or a
 * device that never ends) must not cost the run its time or memory.
 */
const MAX_PREVIOUS_BYTES = 4 * 1024 * 1024;

/** A missing file is a normal first run; anything else unreadable is a warning. */
export async function readPrevious(path: string, endpoints: readonly string[] = DEFAULT_ENDPOINTS, maxBytes = MAX_PREVIOUS_BYTES): Promise<PreviousResult> {
  let text: string;
  const fresh = (why: string): PreviousResult => ({ state: emptyState(endpoints), warnings: [`previous output ${path} ${why}; starting fresh`] });
  try {
    const r = await readRegularFile(path, maxBytes);
    if (r.kind === 'tooLarge') return fresh(`is over ${formatBytes(maxBytes)} (${r.bytes} bytes or more), too large to be ours`);
    if (r.kind === 'notRegular') return fresh(`is ${r.type}, not a file of ours`);
    text = r.text;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: emptyState(endpoints), warnings: [] };
    return { state: emptyState(endpoints), warnings: [`cannot read previous output ${path} (${code ?? String(err)}); starting fresh`] };
  }
  try {
    const { state, warnings } = extractState(parseExposition(text), endpoints);
    return { state, warnings: warnings.map((w) => `previous output ${path}: ${w}`) };
  } catch (err) {
    return fresh(`is not valid (${(err as Error).message})`);
  }
}
