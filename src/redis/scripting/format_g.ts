// C's "%.<precision>g" for doubles, as glibc prints them: Lua 5.1 writes numbers with "%.14g"
// (tostring, `..`) and lua-cjson does too, so both format through this one function.

import { trimZeros } from "../../resp/writer.ts";

const bits = new Float64Array(1);
const bitBytes = new Uint8Array(bits.buffer);

/** Whether `n`'s sign bit is set (it tells glibc's "-nan" from "nan"). */
export function signBit(n: number): boolean {
  bits[0] = n;
  return (bitBytes[7]! & 0x80) !== 0;
}

/** C's "%.<precision>g" of `n`: "1e+20", "0.1", "-0", "inf", "-nan" (glibc's texts). */
export function formatG(n: number, precision = 14): string {
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  if (!Number.isFinite(n)) {
    if (Number.isNaN(n)) return signBit(n) ? "-nan" : "nan";
    return n > 0 ? "inf" : "-inf";
  }
  // An integer of fewer digits than the precision prints as itself (the common case).
  if (Number.isInteger(n) && n < 10 ** precision && n > -(10 ** precision)) return String(n);
  const [digits, x] = significant(Math.abs(n), precision);
  const sign = n < 0 ? "-" : "";
  if (x < -4 || x >= precision) {
    const m = trimZeros(digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits);
    return `${sign}${m}e${x < 0 ? "-" : "+"}${String(Math.abs(x)).padStart(2, "0")}`;
  }
  let text: string;
  if (x < 0) text = `0.${"0".repeat(-x - 1)}${digits}`;
  else if (x + 1 >= digits.length) text = digits + "0".repeat(x + 1 - digits.length);
  else text = `${digits.slice(0, x + 1)}.${digits.slice(x + 1)}`;
  return sign + trimZeros(text);
}

/**
 * The first `p` significant digits of `n` (> 0) and its decimal exponent, rounded as glibc rounds:
 * to nearest, and an exact tie to even (JavaScript's toExponential rounds a tie up).
 */
function significant(n: number, p: number): [string, number] {
  const wide = n.toExponential(p);
  const e = wide.indexOf("e");
  if (wide.charCodeAt(e - 1) === 53 && isExact(n, wide, e, p)) {
    const x = Number(wide.slice(e + 1));
    const kept = wide.slice(0, 1) + wide.slice(2, e - 1);
    if ((kept.charCodeAt(kept.length - 1) & 1) === 0) return [kept, x];
    const up = String(BigInt(kept) + 1n);
    return up.length > p ? [up.slice(0, p), x + 1] : [up, x];
  }
  const exp = n.toExponential(p - 1);
  const i = exp.indexOf("e");
  return [exp.slice(0, 1) + exp.slice(2, i), Number(exp.slice(i + 1))];
}

/** Whether `n` equals the decimal `wide` (toExponential's text, its "e" at `e`) exactly. */
function isExact(n: number, wide: string, e: number, p: number): boolean {
  const d = BigInt(wide.slice(0, 1) + wide.slice(2, e));
  const k = Number(wide.slice(e + 1)) - p;
  if (k >= 0) return Number.isInteger(n) && BigInt(n) === d * 10n ** BigInt(k);
  let m = n, twos = 0;
  while (!Number.isInteger(m)) (m *= 2, twos++);
  return BigInt(m) * 10n ** BigInt(-k) === d << BigInt(twos);
}
