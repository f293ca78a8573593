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

const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const OP = /=~|!~|!=|=/y;
const SPACE = /[ \t\r\n]*/y;

function at(re: RegExp, text: string, i: number): string | undefined {
  re.lastIndex = i;
  return re.exec(text)?.[0];
}

/**
 * One quoted string as PromQL's lexer reads it: "…" and '…' with Go's
 * escapes (\a \b \f \n \r \t \v \\, the opening quote, \ooo, \xhh, \uhhhh,
 * \Uhhhhhhhh; no raw newline), or `…` with none. Byte escapes are kept to
 * ASCII: above \x7f they would not be UTF-8. Returns the value and where it ends.
 */
function readString(text: string, start: number): { value: string; end: number } {
  const quote = text[start];
  if (quote === '`') {
    const close = text.indexOf('`', start + 1);
    if (close < 0) throw new Error('unterminated raw string (`…`)');
    return { value: text.slice(start + 1, close), end: close + 1 };
  }
  if (quote !== '"' && quote !== "'") throw new Error(`expected a quoted value at "${text.slice(start, start + 10)}"`);
  let value = '';
  for (let i = start + 1; i < text.length; ) {
    const c = text[i];
    if (c === quote) return { value, end: i + 1 };
    if (c === '\n') throw new Error('a newline inside a quoted value (write \\n)');
    if (c !== '\\') {
      value += c;
      i += 1;
      continue;
    }
    const e = text[i + 1];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
    if (e === undefined) break;
    if (e === quote) {
      value += quote;
      i += 2;
    } else if (Object.hasOwn(simple, e)) {
      value += simple[e];
      i += 2;
    } else {
      const form = /[0-7]/.test(e) ? { digits: 3, base: 8, skip: 1 } : { x: { digits: 2, base: 16, skip: 2 }, u: { digits: 4, base: 16, skip: 2 }, U: { digits: 8, base: 16, skip: 2 } }[e];
      if (!form) throw new Error(`unknown escape sequence \\${e} in a quoted value`);
      const from = i + form.skip;
      const digits = text.slice(from, from + form.digits);
      const valid = form.base === 8 ? /^[0-7]+$/ : /^[0-9a-fA-F]+$/;
      if (digits.length !== form.digits || !valid.test(digits)) throw new Error(`escape sequence \\${text.slice(i + 1, from + form.digits)} needs ${form.digits} ${form.base === 8 ? 'octal' : 'hex'} digits`);
      const code = parseInt(digits, form.base);
      const byte = e === 'x' || form.base === 8;
      if (byte && code > 0x7f) throw new Error(`escape sequence \\${text.slice(i + 1, from + form.digits)} is a byte above \\x7f, not UTF-8 text (write \\u${code.toString(16).padStart(4, '0')})`);
      if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) throw new Error(`escape sequence \\${text.slice(i + 1, from + form.digits)} is not a Unicode code point`);
      value += String.fromCodePoint(code);
      i = from + form.digits;
    }
  }
  throw new Error(`unterminated quoted value (${quote}…)`);
}

/**
 * `job="node"`, `job='node',env=~"prod|lab"`: PromQL label matchers as they
 * go between braces (the braces optional), as Prometheus 2's parser takes
 * them: a label name; =, !=, =~ or !~; a quoted value; a comma between (a
 * trailing one allowed). A regex must be valid RE2. `__name__` is refused:
 * every query names its metric. Throws an Error with the reason.
 */
export function parseSelector(input: string): Matcher[] {
  let text = input.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  const out: Matcher[] = [];
  let i = at(SPACE, text, 0)!.length;
  while (i < text.length) {
    const name = at(LABEL_NAME, text, i);
    if (!name) throw new Error(`expected a label name at "${text.slice(i, i + 10)}"`);
    if (name === '__name__') throw new Error('a __name__ matcher would replace the metric every query names');
    i += name.length;
    i += at(SPACE, text, i)!.length;
    const op = at(OP, text, i) as MatchOp | undefined;
    if (!op) throw new Error(`expected =, !=, =~ or !~ after ${name}`);
    i += op.length;
    i += at(SPACE, text, i)!.length;
    const { value, end } = readString(text, i);
    if (op === '=~' || op === '!~') {
      const why = re2Error(value);
      if (why) throw new Error(`${name}${op}: not a valid RE2 regular expression: ${why}`);
    }
    out.push({ name, op, value });
    i = end + at(SPACE, text, end)!.length;
    if (i >= text.length) break;
    if (text[i] !== ',') throw new Error(`expected , between matchers at "${text.slice(i, i + 10)}"`);
    i += 1;
    i += at(SPACE, text, i)!.length;
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
