// PromQL text built from what an operator types: label matchers
// (`--selector`), regular-expression literals (a file name in a `=~`
// matcher), string literals and Go template text. Prometheus parses every
// query we print; anything it would refuse is refused here first, with the
// reason, so no rules file or dashboard is ever written that cannot load.

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  /** The value after unquoting: a plain string, or an RE2 pattern for =~ and !~. */
  value: string;
}

/**
 * One matcher: a label name; =, !=, =~ or !~; a value in "…" or '…' whose
 * only escapes are \\ and its own quote, or in `…` with none, and no control
 * character in any. That much of PromQL's string grammar means the same to
 * every Prometheus: other escapes are refused rather than interpreted.
 */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const MATCHER = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\\x00-\x1f\x7f]|\\["\\])*)"|'((?:[^'\\\x00-\x1f\x7f]|\\['\\])*)'|`([^`\x00-\x1f\x7f]*)`)\s*(?:,|$)/y;

/**
 * `job="node"`, `job='node',env=~"prod|lab"`: label matchers as they go
 * between braces (the braces optional), separated by commas (a trailing one
 * allowed). A regex must be valid RE2. `__name__` is refused: every query
 * names its metric. Throws an Error with the reason.
 */
export function parseSelector(input: string): Matcher[] {
  let text = input.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  const out: Matcher[] = [];
  for (let i = 0; text.slice(i).trim() !== ''; i = MATCHER.lastIndex) {
    MATCHER.lastIndex = i;
    const m = MATCHER.exec(text);
    if (!m) throw new Error(`expected name="value" (=, !=, =~ or !~; in the value no escape but \\\\ and the quote, no control character) at "${text.slice(i).trim().slice(0, 20)}"`);
    const [, name, op, double, single, raw] = m as unknown as [string, string, MatchOp, string?, string?, string?];
    if (name === '__name__') throw new Error('a __name__ matcher would replace the metric every query names');
    const value = raw ?? (double ?? single ?? '').replace(/\\(.)/g, '$1');
    const why = op === '=~' || op === '!~' ? re2Error(value) : undefined;
    if (why) throw new Error(`${name}${op}: not a valid RE2 regular expression: ${why}`);
    out.push({ name, op, value });
  }
  return out;
}

/** A PromQL double-quoted string literal holding exactly `value`. */
export function promqlString(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what needs escaping
  const escaped = value.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    const named: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `"${escaped}"`;
}

/** Matchers as one canonical PromQL list (double quotes, escapes redone), for queries. */
export function formatMatchers(matchers: readonly Matcher[]): string {
  return matchers.map((m) => `${m.name}${m.op}${promqlString(m.value)}`).join(',');
}

/** An RE2 pattern matching exactly `text` (Go's regexp.QuoteMeta). */
export function re2Literal(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** The matcher node_exporter's `file` label (a full path) needs for one file name in its directory. */
export function textfileMatcher(fileName: string): string {
  return `file=~${promqlString(`.*/${re2Literal(fileName)}`)}`;
}

/**
 * Text for a Prometheus annotation: Go's text/template reads `{{` as the
 * start of an action, so a literal one is written as the action that prints
 * it. Everything else in a template is literal text.
 */
export function templateLiteral(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}

/**
 * Why `pattern` is not a regular expression Prometheus' Go regexp (RE2
 * syntax) accepts, or undefined if it is. re2js is a port of that parser
 * (through RE2/J) with Go's messages, loaded here only: rules and dashboard.
 * It is compiled as Prometheus compiles a matcher, `^(?:pattern)$`. Where
 * re2js and the Go of Debian's Prometheus 2 differ (promtool's verdicts in
 * the tests are the authority): `(?<name>…)` is Go 1.22's, refused here;
 * a group name used twice is refused by re2js, taken by Go, taken here.
 */
export function re2Error(pattern: string): string | undefined {
  // Group syntax only where unescaped: `\(` is a literal parenthesis.
  const groups = [...pattern.matchAll(/(?<!\\)(?:\\\\)*\(\?(P?)<([^>]*)>?/g)];
  if (groups.some((g) => g[1] === '' && !/^[=!]/.test(g[2]))) return 'invalid or unsupported Perl syntax: (?< (a named group is (?P<name>…) in the RE2 Prometheus 2 uses)';
  const bad = groups.find((g) => g[1] === 'P' && !/^\w+$/.test(g[2]));
  if (bad) return `invalid named capture: ${bad[0]}`;
  const { RE2JS } = require('re2js') as typeof import('re2js');
  try {
    // Names do not change what is valid; numbered, no name can be used twice.
    RE2JS.compile(`^(?:${pattern.replace(/(?<!\\)((?:\\\\)*)\(\?P<\w+>/g, '$1(')})$`);
    return undefined;
  } catch (err) {
    const why = (err as Error).message.replace(/^error parsing regexp: /, '');
    return /Perl syntax: `\(\?[=!<>]/.test(why) ? `${why} (look-arounds and atomic groups are not RE2)` : why;
  }
}
