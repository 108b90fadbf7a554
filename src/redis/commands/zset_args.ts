// Reading the arguments sorted-set commands share, as Redis 7.0's t_zset.c and util.c read them:
// scores (string2d: C's strtod over the whole argument, NaN and overflow refused), score ranges
// (zslParseRange: strtod up to a NUL, `(` for an exclusive bound, infinities allowed) and lex
// ranges (`[` / `(` / `-` / `+`), and the replies of member-score pairs in RESP2 and RESP3.

import { keyOf } from "../store/db.ts";
import type { Before } from "../store/zset_value.ts";
import type { Session } from "./types.ts";

/** "ERR value is not a valid float" */
export const NOT_FLOAT = "ERR value is not a valid float";
/** zslParseRange's error. */
export const RANGE_NOT_FLOAT = "ERR min or max is not a float";
/** zslParseLexRange's error. */
export const LEX_NOT_VALID = "ERR min or max not valid string range item";
/** What ZADD INCR / ZINCRBY answer when a sum is NaN. */
export const NAN_SCORE = "ERR resulting score is not a number (NaN)";

/** Where the last {@linkcode strtod} stopped, and whether it hit ERANGE. */
let end = 0;
let erange = false;

const SPACE = /[ \t\n\v\f\r]/;

/** C's strtod on the binary string `s` from `from`: the value; {@linkcode end} set. */
function strtod(s: string, from: number): number {
  let p = from;
  erange = false;
  while (p < s.length && SPACE.test(s[p]!)) p++;
  let neg = false;
  if (s[p] === "+" || s[p] === "-") neg = s[p++] === "-";
  const rest = s.slice(p, p + 8).toLowerCase();
  if (rest.startsWith("inf")) {
    end = p + (rest.startsWith("infinity") ? 8 : 3);
    return neg ? -Infinity : Infinity;
  }
  if (rest.startsWith("nan")) {
    end = p + 3;
    if (s[end] === "(") {
      const close = s.indexOf(")", end);
      if (close >= 0 && /^[0-9a-zA-Z_]*$/.test(s.slice(end + 1, close))) end = close + 1;
    }
    return NaN;
  }
  const hex = /^0[xX](?=[0-9a-fA-F]|\.[0-9a-fA-F])/.exec(s.slice(p, p + 4));
  const m = hex
    ? /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?/.exec(s.slice(p))
    : /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?/.exec(s.slice(p));
  if (m === null || (m[1] === "" && (m[2] ?? "") === "")) {
    end = from;
    return 0;
  }
  // An exponent part only counts when it has digits (the regex requires them).
  end = p + m[0].length;
  let v: number;
  const digits = m[1]! + (m[2] ?? "");
  if (hex) {
    let mant = 0;
    for (const ch of digits) mant = mant * 16 + parseInt(ch, 16);
    const exp = Number(m[3] ?? "0") - 4 * (m[2] ?? "").length;
    v = mant * 2 ** exp;
  } else {
    v = Number(m[0].endsWith(".") ? m[0] + "0" : (m[0].startsWith(".") ? "0" + m[0] : m[0]));
  }
  if (!Number.isFinite(v)) erange = true;
  else if (Math.abs(v) < 2.2250738585072014e-308 && /[1-9a-fA-F]/.test(digits)) erange = true;
  return neg ? -v : v;
}

/** A score argument (Redis's string2d), or undefined when it is not a valid float. */
export function parseScore(b: Uint8Array): number | undefined {
  const fast = plainNumber(b);
  if (fast !== undefined) return fast;
  const s = keyOf(b);
  if (s.length === 0 || SPACE.test(s[0]!)) return undefined;
  const v = strtod(s, 0);
  if (end !== s.length || Number.isNaN(v)) return undefined;
  if (erange && (!Number.isFinite(v) || v === 0)) return undefined;
  return v;
}

/**
 * The common case without strtod's corners: digits, sign, point and exponent only, a finite
 * result that is zero only when written as zero and not subnormal; undefined otherwise.
 */
function plainNumber(b: Uint8Array): number | undefined {
  const n = b.length;
  if (n === 0 || n > 32) return undefined;
  let nonzero = false;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c >= 49 && c <= 57) nonzero = true;
    else if (c !== 48 && c !== 46 && c !== 45 && c !== 43 && c !== 101 && c !== 69) {
      return undefined;
    }
  }
  const v = Number(String.fromCharCode.apply(null, b as unknown as number[]));
  if (!Number.isFinite(v) || (v === 0 && nonzero)) return undefined;
  if (v !== 0 && Math.abs(v) < 2.2250738585072014e-308) return undefined;
  return v;
}

/** A score argument, or undefined after replying `err`. */
export function scoreArg(c: Session, b: Uint8Array, err = NOT_FLOAT): number | undefined {
  const v = parseScore(b);
  if (v === undefined) c.out.error(err);
  return v;
}

/** One end of a score range. */
export interface ScoreBound {
  v: number;
  ex: boolean;
}

/** zslParseRange's reading of one bound (strtod up to a NUL; `(` excludes). */
function scoreBound(b: Uint8Array): ScoreBound | undefined {
  let s = keyOf(b);
  const nul = s.indexOf("\0");
  if (nul >= 0) s = s.slice(0, nul);
  const ex = s[0] === "(";
  const v = strtod(s, ex ? 1 : 0);
  if (end !== s.length || Number.isNaN(v)) return undefined;
  return { v, ex };
}

/** A score range, or undefined after replying RANGE_NOT_FLOAT. */
export function scoreRange(
  c: Session,
  min: Uint8Array,
  max: Uint8Array,
): [ScoreBound, ScoreBound] | undefined {
  const lo = scoreBound(min), hi = scoreBound(max);
  if (lo === undefined || hi === undefined) {
    c.out.error(RANGE_NOT_FLOAT);
    return undefined;
  }
  return [lo, hi];
}

/** Before the range's start: the pairs below `min`. */
export function belowMin(b: ScoreBound): Before {
  const v = b.v;
  return b.ex ? (s) => s <= v : (s) => s < v;
}

/** Before the range's end: the pairs not above `max`. */
export function notAboveMax(b: ScoreBound): Before {
  const v = b.v;
  return b.ex ? (s) => s < v : (s) => s <= v;
}

/** One end of a lex range: `-` (min), `+` (max) or a member with its exclusivity. */
export type LexBound = "-" | "+" | { m: string; ex: boolean };

function lexBound(b: Uint8Array): LexBound | undefined {
  const c0 = b[0];
  const alone = b.length === 1 || b[1] === 0;
  if (c0 === 43) return alone ? "+" : undefined;
  if (c0 === 45) return alone ? "-" : undefined;
  if (c0 === 40 || c0 === 91) return { m: keyOf(b.subarray(1)), ex: c0 === 40 };
  return undefined;
}

/** A lex range, or undefined after replying LEX_NOT_VALID. */
export function lexRange(
  c: Session,
  min: Uint8Array,
  max: Uint8Array,
): [LexBound, LexBound] | undefined {
  const lo = lexBound(min), hi = lexBound(max);
  if (lo === undefined || hi === undefined) {
    c.out.error(LEX_NOT_VALID);
    return undefined;
  }
  return [lo, hi];
}

/** Before a lex range's start. */
export function lexBelowMin(b: LexBound): Before {
  if (b === "-") return () => false;
  if (b === "+") return () => true;
  const x = b.m;
  return b.ex ? (_s, m) => m <= x : (_s, m) => m < x;
}

/** Before a lex range's end (the members not above it). */
export function lexNotAboveMax(b: LexBound): Before {
  if (b === "-") return () => false;
  if (b === "+") return () => true;
  const x = b.m;
  return b.ex ? (_s, m) => m < x : (_s, m) => m <= x;
}

/**
 * Replies members (with scores when `s` is given): RESP2 a flat array; RESP3 with scores an
 * array of [member, double] pairs, as Redis's zrange handlers.
 */
export function replyPairs(c: Session, m: readonly string[], s?: readonly number[]): void {
  const out = c.out;
  if (s === undefined) {
    out.arrayHeader(m.length);
    for (const e of m) out.binary(e);
    return;
  }
  const nested = c.resp === 3;
  out.arrayHeader(nested ? m.length : 2 * m.length);
  for (let i = 0; i < m.length; i++) {
    if (nested) out.arrayHeader(2);
    out.binary(m[i]!);
    out.double(s[i]!);
  }
}
