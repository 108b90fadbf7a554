// Decimal integers as Redis reads them (string2ll): optional '-', no '+', no leading zeros, no
// spaces, at most 20 bytes, within the signed 64-bit range. One parser serves request headers,
// reply headers and command arguments; it answers a number while the value is exact as one, and
// parseInt64 a BigInt beyond 2^53 for the few places (expiry times) that need every digit.

const MINUS = 45;
const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

/**
 * Parses `buf[start..end)` exactly: a number when |v| < 2^53, a BigInt beyond; undefined when it
 * is not a string2ll integer.
 *
 * @example
 * ```ts
 * import { parseInt64 } from "./integer.ts";
 * const b = new TextEncoder().encode("9223372036854775807");
 * parseInt64(b); // 9223372036854775807n
 * ```
 */
export function parseInt64(
  buf: Uint8Array,
  start = 0,
  end: number = buf.length,
): number | bigint | undefined {
  const len = end - start;
  if (len <= 0 || len >= 21) return undefined;
  let p = start;
  if (len === 1 && buf[p] === 48) return 0;
  let negative = false;
  if (buf[p] === MINUS) {
    negative = true;
    p++;
    if (p === end) return undefined;
  }
  let c = buf[p]!;
  if (c < 49 || c > 57) return undefined;
  let v = c - 48;
  p++;
  // Up to 15 digits are exact in a double; longer ones continue in BigInt for the range check.
  const fast = Math.min(end, p + 14);
  for (; p < fast; p++) {
    c = buf[p]!;
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  if (p === end) return negative ? -v : v;
  let big = BigInt(v);
  for (; p < end; p++) {
    c = buf[p]!;
    if (c < 48 || c > 57) return undefined;
    big = big * 10n + BigInt(c - 48);
  }
  if (negative) big = -big;
  if (big > LLONG_MAX || big < LLONG_MIN) return undefined;
  const n = Number(big);
  return Number.isSafeInteger(n) ? n : big;
}

/**
 * Parses like {@linkcode parseInt64} and answers a number (values beyond 2^53 rounded): for
 * lengths, counts, indexes and increments, whose range checks are made on the exact value.
 *
 * @example
 * ```ts
 * import { parseInteger } from "./integer.ts";
 * parseInteger(new TextEncoder().encode("-42")); // -42
 * parseInteger(new TextEncoder().encode("042")); // undefined
 * ```
 */
export function parseInteger(
  buf: Uint8Array,
  start = 0,
  end: number = buf.length,
): number | undefined {
  const v = parseInt64(buf, start, end);
  return typeof v === "bigint" ? Number(v) : v;
}
