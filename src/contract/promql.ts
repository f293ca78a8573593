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

const FLAGS = /^[imsU]*(-[imsU]+)?$/;
const POSIX_CLASSES = new Set(['alnum', 'alpha', 'ascii', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'word', 'xdigit']);
/** Go's unicode.Categories (short names only, as Go has them). */
const CATEGORIES = new Set('C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '));

function unicodeClassKnown(name: string): boolean {
  if (name === 'Any' || CATEGORIES.has(name)) return true;
  // Go's unicode.Scripts are the long script names (Greek, Han, Old_Italic), as JavaScript's Script= takes them.
  if (!/^[A-Z][a-z]+(_[A-Z][a-z]+)*$/.test(name)) return false;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
    return true;
  } catch {
    return false;
  }
}

/**
 * Why `pattern` is not a regular expression Go's regexp (RE2 syntax, as
 * Prometheus compiles matchers) accepts, or undefined if it is. JavaScript's
 * RegExp is no check: it takes look-arounds and back-references RE2
 * refuses, and refuses \pL, \Q…\E and (?i) that RE2 takes.
 */
export function re2Error(pattern: string): string | undefined {
  const p = Array.from(pattern);
  let i = 0;
  let depth = 0;
  /** Whether the last item can take a repetition operator, and whether it already is one. */
  let operand = false;
  let repeated = false;

  /** An escape at p[i] (the backslash); returns the index after it, or a reason. */
  const escape = (inClass: boolean): number | string => {
    const c = p[i + 1];
    if (c === undefined) return 'trailing backslash at end of expression';
    if (c.charCodeAt(0) < 0x80 && !/[A-Za-z0-9]/.test(c)) return i + 2;
    if (!inClass && 'AbBz'.includes(c)) return i + 2;
    if ('dDsSwW'.includes(c) || 'afnrtv'.includes(c)) return i + 2;
    if (c === 'p' || c === 'P') {
      let name: string;
      let end: number;
      if (p[i + 2] === '{') {
        const close = p.indexOf('}', i + 3);
        if (close < 0) return `invalid character class range: \\${c}{`;
        name = p.slice(i + 3, close).join('').replace(/^\^/, '');
        end = close + 1;
      } else {
        if (p[i + 2] === undefined) return `invalid character class range: \\${c}`;
        name = p[i + 2];
        end = i + 3;
      }
      return unicodeClassKnown(name) ? end : `invalid character class range: \\${c}{${name}}`;
    }
    if (c === 'x') {
      if (p[i + 2] === '{') {
        const close = p.indexOf('}', i + 3);
        const hex = close < 0 ? '' : p.slice(i + 3, close).join('');
        if (!/^[0-9a-fA-F]{1,8}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) return 'invalid escape sequence: \\x{…}';
        return close + 1;
      }
      return /^[0-9a-fA-F]{2}$/.test(p.slice(i + 2, i + 4).join('')) ? i + 4 : 'invalid escape sequence: \\x';
    }
    if (c >= '0' && c <= '7') {
      // \1-\7 alone would be a back-reference, which RE2 does not have; with more octal digits it is octal.
      if (c !== '0' && !/[0-7]/.test(p[i + 2] ?? '')) return `invalid escape sequence: \\${c} (back-references are not supported)`;
      let j = i + 2;
      while (j < i + 4 && /[0-7]/.test(p[j] ?? '')) j += 1;
      return j;
    }
    if (!inClass && c === 'Q') {
      // Literal text up to \E. Alone RE2 lets it run to the end, but Prometheus compiles
      // ^(?:pattern)$, where an open \Q would swallow the closing parenthesis.
      for (let j = i + 2; j < p.length - 1; j++) if (p[j] === '\\' && p[j + 1] === 'E') return j + 2;
      return '\\Q without \\E (Prometheus wraps the pattern in ^(?:…)$, which the \\Q would swallow)';
    }
    return `invalid escape sequence: \\${c}`;
  };

  /** A character class starting at p[i] ('['); returns the index after it, or a reason. */
  const charClass = (): number | string => {
    let j = i + 1;
    if (p[j] === '^') j += 1;
    let first = true;
    for (;;) {
      const c = p[j];
      if (c === undefined) return 'missing closing ]';
      if (c === ']' && !first) return j + 1;
      first = false;
      if (c === '[' && p[j + 1] === ':') {
        const close = p.indexOf(':', j + 2);
        if (close >= 0 && p[close + 1] === ']') {
          const name = p.slice(j + 2, close).join('').replace(/^\^/, '');
          if (!POSIX_CLASSES.has(name)) return `invalid character class range: [:${name}:]`;
          j = close + 2;
          continue;
        }
      }
      let lo: number | undefined;
      if (c === '\\') {
        const save = i;
        i = j;
        const r = escape(true);
        i = save;
        if (typeof r === 'string') return r;
        const e = p[j + 1];
        lo = r === j + 2 && !/[dDsSwWpP]/.test(e) ? (e.charCodeAt(0) < 0x80 && !/[A-Za-z0-9]/.test(e) ? e.codePointAt(0) : undefined) : undefined;
        j = r;
      } else {
        lo = c.codePointAt(0);
        j += 1;
      }
      if (p[j] === '-' && p[j + 1] !== ']' && p[j + 1] !== undefined) {
        let hi: number | undefined;
        if (p[j + 1] === '\\') {
          const save = i;
          i = j + 1;
          const r = escape(true);
          i = save;
          if (typeof r === 'string') return r;
          const e = p[j + 2];
          hi = e.charCodeAt(0) < 0x80 && !/[A-Za-z0-9]/.test(e) ? e.codePointAt(0) : undefined;
          if (/[dDsSwWpP]/.test(e)) return `invalid character class range: ${p.slice(i, r).join('')}`;
          j = r;
        } else {
          hi = p[j + 1].codePointAt(0);
          j += 2;
        }
        if (lo !== undefined && hi !== undefined && hi < lo) return `invalid character class range: ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`;
      }
    }
  };

  while (i < p.length) {
    const c = p[i];
    if (c === '(') {
      if (p[i + 1] === '?') {
        const rest = p.slice(i + 2).join('');
        const named = /^P<([^>]*)>/.exec(rest);
        if (rest.startsWith(':')) {
          i += 3;
        } else if (named) {
          if (!/^[A-Za-z0-9_]+$/.test(named[1])) return `invalid named capture: (?P<${named[1]}>`;
          i += 2 + Array.from(named[0]).length;
        } else {
          const flags = /^([^):]*)([):])/.exec(rest);
          if (!flags || (flags[1] === '' && flags[2] === ':') || !FLAGS.test(flags[1])) {
            const hint = rest.startsWith('<') && !rest.startsWith('<=') && !rest.startsWith('<!') ? ' (a named group is (?P<name>…) in the RE2 Prometheus 2 uses)' : ' (look-arounds and atomic groups are not RE2)';
            return `invalid or unsupported Perl syntax: (?${rest.slice(0, 2)}${hint}`;
          }
          i += 2 + Array.from(flags[0]).length;
          if (flags[2] === ')') {
            // (?i) sets flags for what follows and is no operand of its own.
            operand = false;
            repeated = false;
            continue;
          }
        }
      } else {
        i += 1;
      }
      depth += 1;
      if (depth > 1000) return 'expression nests too deeply';
      operand = false;
      repeated = false;
      continue;
    }
    if (c === ')') {
      if (depth === 0) return 'unexpected )';
      depth -= 1;
      i += 1;
      operand = true;
      repeated = false;
      continue;
    }
    if (c === '|') {
      i += 1;
      operand = false;
      repeated = false;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(p.slice(i, i + 12).join('')))) {
      let op = c;
      let next = i + 1;
      if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i).join(''))!;
        const lo = Number(m[1]);
        const hi = m[2] === undefined ? lo : m[3] === '' ? undefined : Number(m[3]);
        if (lo > 1000 || (hi !== undefined && (hi > 1000 || hi < lo))) return `invalid repeat count: ${m[0]}`;
        op = m[0];
        next = i + m[0].length;
      }
      if (repeated) return `invalid nested repetition operator: ${op}`;
      if (!operand) return `missing argument to repetition operator: ${op}`;
      i = next;
      if (p[i] === '?') i += 1;
      repeated = true;
      continue;
    }
    if (c === '[') {
      const r = charClass();
      if (typeof r === 'string') return r;
      i = r;
    } else if (c === '\\') {
      const r = escape(false);
      if (typeof r === 'string') return r;
      i = r;
    } else {
      i += 1;
    }
    operand = true;
    repeated = false;
  }
  return depth > 0 ? 'missing closing )' : undefined;
}
