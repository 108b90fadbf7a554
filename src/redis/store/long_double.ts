// INCRBYFLOAT works in C's `long double`, which on x86-64 Linux (where Redis runs) is the x87
// 80-bit format: a 64-bit significand and a 15-bit exponent. Its results differ from a JS double's
// in the last digits ("0.1" prints as 0.1, 1e400 is finite), so matching Redis byte for byte
// means doing that arithmetic exactly: parse as glibc's strtold (decimal, hex, inf; correctly
// rounded, ties to even), add with one rounding, print as "%.17Lf" with the trailing zeros removed.
// BigInt does the exact work; INCRBYFLOAT is not a hot path.

/** A finite long double: (-1)^neg * m * 2^e, with m < 2^64. */
interface Finite {
  kind: "finite";
  neg: boolean;
  m: bigint;
  e: number;
}

/** A long double value: finite, infinite or not a number. */
export type LongDouble = Finite | { kind: "inf"; neg: boolean } | { kind: "nan" };

const MANT_BITS = 64;
const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;
/** Smallest exponent of m * 2^e (subnormals): the x87 minimum 2^-16382 less 63 fraction bits. */
const E_MIN = -16382 - 63;
/** Largest exponent of m * 2^e: the x87 maximum 2^16383 less 63 fraction bits. */
const E_MAX = 16383 - 63;
/** Redis refuses float strings of this many bytes or more (MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;

const ZERO: Finite = { kind: "finite", neg: false, m: 0n, e: 0 };

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * The long double nearest to num/den * 2^shift (ties to even), for num >= 0 and den > 0. Returns
 * "overflow" past the largest finite value and "underflow" when a nonzero value rounds to zero.
 */
function round(
  neg: boolean,
  num: bigint,
  den: bigint,
  shift: number,
): Finite | "overflow" | "underflow" {
  if (num === 0n) return { ...ZERO, neg };
  const k = bitLength(num) - bitLength(den) + shift;
  let e = k - MANT_BITS;
  const quotient = (exp: number): [bigint, bigint, bigint] => {
    let n = num, d = den;
    const s = shift - exp;
    if (s >= 0) n <<= BigInt(s);
    else d <<= BigInt(-s);
    return [n / d, n % d, d];
  };
  if (e < E_MIN) e = E_MIN;
  let [q, r, d] = quotient(e);
  if (q >= TWO64) {
    e++;
    [q, r, d] = quotient(e);
  }
  const twice = r * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  if (q === TWO64) {
    q = TWO63;
    e++;
  }
  if (e > E_MAX) return "overflow";
  if (q === 0n) return "underflow";
  return { kind: "finite", neg, m: q, e };
}

const DECIMAL = /^([+-]?)(?:(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?)$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF = /^([+-]?)(?:inf|infinity)$/i;

/** Caps a decimal exponent string: beyond ±100000 only its sign matters. */
function exponent(s: string | undefined): number {
  if (s === undefined) return 0;
  const n = Number(s);
  return Math.max(-100000, Math.min(100000, n));
}

/**
 * Parses a float argument as Redis's string2ld does (strtold on the whole string, no leading
 * space, no NaN, no overflow, no underflow to zero); undefined when Redis would say "value is
 * not a valid float".
 */
export function parseLongDouble(b: Uint8Array): LongDouble | undefined {
  if (b.length === 0 || b.length >= MAX_CHARS) return undefined;
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c > 127) return undefined;
    s += String.fromCharCode(c);
  }
  let m = INF.exec(s);
  if (m) return { kind: "inf", neg: m[1] === "-" };
  m = HEX.exec(s);
  if (m) {
    const int = m[2]!, frac = m[3] ?? "";
    if (int.length + frac.length === 0) return undefined;
    const num = BigInt("0x" + (int + frac || "0"));
    const r = round(m[1] === "-", num, 1n, exponent(m[4]) - 4 * frac.length);
    return typeof r === "string" ? undefined : r;
  }
  m = DECIMAL.exec(s);
  if (!m) return undefined;
  const int = m[2]!, frac = m[3] ?? "";
  if (int.length + frac.length === 0) return undefined;
  const digits = (int + frac).replace(/^0+/, "");
  const neg = m[1] === "-";
  if (digits === "") return { ...ZERO, neg };
  const e10 = exponent(m[4]) - frac.length;
  // Far outside the range, decide without building huge powers of ten.
  const magnitude = digits.length + e10;
  if (magnitude > 5000) return undefined;
  if (magnitude < -5000) return undefined;
  const n = BigInt(digits);
  const r = e10 >= 0
    ? round(neg, n * 10n ** BigInt(e10), 1n, 0)
    : round(neg, n, 10n ** BigInt(-e10), 0);
  return typeof r === "string" ? undefined : r;
}

/** a + b, rounded once to long double (overflow gives infinity, inf - inf gives NaN). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === "nan" || b.kind === "nan") return { kind: "nan" };
  if (a.kind === "inf") return b.kind === "inf" && b.neg !== a.neg ? { kind: "nan" } : a;
  if (b.kind === "inf") return b;
  if (a.m === 0n) return b.m === 0n ? { ...ZERO, neg: a.neg && b.neg } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const sa = a.m << BigInt(a.e - e), sb = b.m << BigInt(b.e - e);
  const sum = (a.neg ? -sa : sa) + (b.neg ? -sb : sb);
  const neg = sum < 0n;
  const r = round(neg, neg ? -sum : sum, 1n, e);
  if (r === "overflow") return { kind: "inf", neg };
  if (r === "underflow") return { ...ZERO, neg };
  return r;
}

const TEN17 = 10n ** 17n;

/**
 * Formats as Redis's ld2string in LD_STR_HUMAN mode: "%.17Lf" (exact, ties to even), trailing
 * zeros and a trailing '.' removed, "-0" written as "0", infinities as "inf" / "-inf".
 */
export function formatLongDouble(x: LongDouble): string {
  if (x.kind === "nan") return "nan";
  if (x.kind === "inf") return x.neg ? "-inf" : "inf";
  let n: bigint;
  if (x.e >= 0) n = (x.m << BigInt(x.e)) * TEN17;
  else {
    const s = BigInt(-x.e);
    const num = x.m * TEN17;
    n = num >> s;
    const r = num - (n << s);
    const half = 1n << (s - 1n);
    if (r > half || (r === half && (n & 1n) === 1n)) n++;
  }
  const digits = n.toString().padStart(18, "0");
  const int = digits.slice(0, -17);
  const frac = digits.slice(-17).replace(/0+$/, "");
  const text = (x.neg ? "-" : "") + (frac === "" ? int : `${int}.${frac}`);
  return text === "-0" ? "0" : text;
}

const INT64_MIN = -(1n << 63n);

/**
 * `(long long) ceill(x * 1000.0)`, as Redis 7.0 turns a timeout in seconds into milliseconds:
 * the product rounded once to long double, rounded up to a whole number, and x86's conversion of
 * anything out of the 64-bit range (infinities included) to INT64_MIN.
 */
export function ceilMillis(x: LongDouble): bigint {
  if (x.kind !== "finite") return INT64_MIN;
  const p = round(x.neg, x.m * 1000n, 1n, x.e);
  if (p === "overflow") return INT64_MIN;
  if (p === "underflow") return 0n;
  let n: bigint;
  if (p.e >= 0) n = p.m << BigInt(p.e);
  else {
    const s = BigInt(-p.e);
    n = p.m >> s;
    // Towards +inf: up for a positive value with a fraction, down (towards 0) for a negative one.
    if (!p.neg && n << s !== p.m) n++;
  }
  if (p.neg) n = -n;
  return n < INT64_MIN || n >= -INT64_MIN ? INT64_MIN : n;
}
