// Redis's glob-style pattern matching (util.c stringmatchlen), shared by KEYS, SCAN MATCH and
// PSUBSCRIBE. Patterns and subjects are binary strings (one char per byte), as the keyspace holds
// keys. The pattern is compiled once into single-character tokens, and the match backtracks only
// to the most recent '*', which gives the same answers as Redis's recursive matcher (with its
// skip-longer-matches rule) without recursion, so a pattern of many stars cannot exhaust the stack.
//
// Redis's quirks are kept on purpose: '*' never matches an empty subject unless the pattern is
// empty, an unclosed '[' runs to the end of the pattern, `[a-]` is a range up to ']' that does not
// close the class, a trailing '\' is a literal backslash, range ends compare as signed chars, and
// a pattern with more than 1000 stars followed by something matches nothing.

/** Redis's stringmatchlen gives up below this many nested '*' (its guard against abuse). */
const MAX_NESTED_STARS = 1000;

const STAR = 42, QUESTION = 63, OPEN = 91, CLOSE = 93, BACKSLASH = 92, CARET = 94, DASH = 45;

/** One pattern position: matches exactly one subject byte, or is a run of stars. */
type Token =
  | { kind: "star" }
  | { kind: "any" }
  | { kind: "byte"; b: number }
  | { kind: "class"; not: boolean; bytes: number[]; ranges: number[] };

/** A compiled pattern: call `match(subject)`. */
export interface Glob {
  /** Whether the binary string `subject` matches. */
  match(subject: string): boolean;
  /** True when the pattern is "*" alone (callers may skip matching altogether). */
  readonly all: boolean;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** A byte as C's signed char. */
function signed(c: number): number {
  return c >= 128 ? c - 256 : c;
}

function tokenize(p: string): Token[] {
  const tokens: Token[] = [];
  const n = p.length;
  let i = 0;
  while (i < n) {
    const c = p.charCodeAt(i);
    if (c === STAR) {
      while (i + 1 < n && p.charCodeAt(i + 1) === STAR) i++;
      tokens.push({ kind: "star" });
      i++;
    } else if (c === QUESTION) {
      tokens.push({ kind: "any" });
      i++;
    } else if (c === OPEN) {
      i++;
      const not = i < n && p.charCodeAt(i) === CARET;
      if (not) i++;
      const bytes: number[] = [], ranges: number[] = [];
      while (true) {
        const left = n - i;
        if (left === 0) break; // an unclosed class ends with the pattern
        const d = p.charCodeAt(i);
        if (d === BACKSLASH && left >= 2) {
          i++;
          bytes.push(p.charCodeAt(i));
        } else if (d === CLOSE) {
          i++;
          break;
        } else if (left >= 3 && p.charCodeAt(i + 1) === DASH) {
          let start = signed(d), end = signed(p.charCodeAt(i + 2));
          if (start > end) [start, end] = [end, start];
          ranges.push(start, end);
          i += 2;
        } else {
          bytes.push(d);
        }
        i++;
      }
      tokens.push({ kind: "class", not, bytes, ranges });
    } else if (c === BACKSLASH && n - i >= 2) {
      tokens.push({ kind: "byte", b: p.charCodeAt(i + 1) });
      i += 2;
    } else {
      tokens.push({ kind: "byte", b: c });
      i++;
    }
  }
  return tokens;
}

function tokenMatches(t: Token, c: number, nocase: boolean): boolean {
  switch (t.kind) {
    case "any":
      return true;
    case "byte":
      return nocase ? lower(t.b) === lower(c) : t.b === c;
    case "class": {
      let match = false;
      // Escaped and plain members compare exactly as Redis does: escaped ones ignore nocase.
      for (const b of t.bytes) {
        if (b === c || (nocase && lower(b) === lower(c))) {
          match = true;
          break;
        }
      }
      if (!match) {
        const sc = nocase ? lower(signed(c)) : signed(c);
        for (let k = 0; k < t.ranges.length; k += 2) {
          const start = nocase ? lower(t.ranges[k]!) : t.ranges[k]!;
          const end = nocase ? lower(t.ranges[k + 1]!) : t.ranges[k + 1]!;
          if (sc >= start && sc <= end) {
            match = true;
            break;
          }
        }
      }
      return t.not ? !match : match;
    }
    case "star":
      return false;
  }
}

/**
 * Compiles a glob pattern (a binary string). `nocase` folds ASCII case as Redis's nocase mode.
 */
export function compileGlob(pattern: string, nocase = false): Glob {
  if (pattern === "*") return { all: true, match: (s) => s.length > 0 };
  // Plain literals (the common case for SCAN MATCH prefixes) need no token walk.
  const simple = /^[^*?[\\]*(\*)?$/.exec(pattern);
  if (simple && !nocase) {
    const prefix = simple[1] ? pattern.slice(0, -1) : pattern;
    return simple[1]
      ? { all: false, match: (s) => s.startsWith(prefix) }
      : { all: false, match: (s) => s === prefix };
  }
  const tokens = tokenize(pattern);
  const nt = tokens.length;
  // Redis stops recursing past 1000 nested stars and answers "no match"; every match must pass
  // each star that is followed by something, so such a pattern matches nothing.
  let stars = 0;
  for (let i = 0; i < nt - 1; i++) if (tokens[i]!.kind === "star") stars++;
  if (stars > MAX_NESTED_STARS) return { all: false, match: () => false };
  return {
    all: false,
    match(s: string): boolean {
      const ns = s.length;
      if (ns === 0) return nt === 0;
      let t = 0, i = 0;
      let starT = -1, starI = 0;
      while (i < ns) {
        const tok = tokens[t];
        if (tok !== undefined && tok.kind === "star") {
          if (t === nt - 1) return true;
          starT = ++t;
          starI = i;
          continue;
        }
        if (tok !== undefined && tokenMatches(tok, s.charCodeAt(i), nocase)) {
          t++;
          i++;
          continue;
        }
        if (starT === -1) return false;
        // Let the last star swallow one more byte and retry the rest from there.
        t = starT;
        i = ++starI;
      }
      while (t < nt && tokens[t]!.kind === "star") t++;
      return t === nt;
    },
  };
}

/** Whether binary string `subject` matches glob `pattern` (both one char per byte). */
export function globMatch(pattern: string, subject: string, nocase = false): boolean {
  return compileGlob(pattern, nocase).match(subject);
}
