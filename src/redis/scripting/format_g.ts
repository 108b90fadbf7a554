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

const SPEC = /^%([-+ #0]*)(\d*)(?:\.(\d*))?([eEgGxXo])$/;

/**
 * One numeric conversion of string.format (`%e %E %g %G %x %X %o` with flags, width and
 * precision) as Lua 5.1 on glibc prints it: `%g` and `%e` of doubles, `%x` of the 64-bit value
 * (5.1 casts to a C long). Undefined for what it does not handle (the `#` flag of `%g`/`%e`).
 */
export function formatSpec(spec: string, v: number): string | undefined {
  const m = SPEC.exec(spec);
  if (m === null) return undefined;
  const flags = m[1]!, width = Number(m[2] || 0), c = m[4]!;
  const prec = m[3] === undefined ? undefined : Number(m[3] || 0);
  let sign = "", body: string, prefix = "", zeroPad = flags.includes("0");
  if (c === "x" || c === "X" || c === "o") {
    const t = Number.isFinite(v) ? Math.trunc(v) : 0;
    const u = t < 0 ? BigInt.asUintN(64, BigInt(t)) : BigInt(Math.min(t, 2 ** 64 - 1));
    body = u.toString(c === "o" ? 8 : 16);
    if (c === "X") body = body.toUpperCase();
    if (prec !== undefined) {
      zeroPad = false;
      if (prec === 0 && u === 0n) body = "";
      body = body.padStart(prec, "0");
    }
    if (flags.includes("#") && u !== 0n) {
      if (c === "o") body = body.startsWith("0") ? body : "0" + body;
      else prefix = c === "x" ? "0x" : "0X";
    }
  } else {
    if (flags.includes("#")) return undefined;
    if (v < 0 || Object.is(v, -0) || (Number.isNaN(v) && signBit(v))) sign = "-";
    else if (flags.includes("+")) sign = "+";
    else if (flags.includes(" ")) sign = " ";
    const a = Math.abs(v);
    if (!Number.isFinite(a)) {
      body = Number.isNaN(a) ? "nan" : "inf";
      zeroPad = false;
    } else if (c === "e" || c === "E") {
      const s = a.toExponential(prec ?? 6);
      const e = s.indexOf("e");
      const x = s.slice(e + 2);
      body = `${s.slice(0, e)}e${s[e + 1]}${x.length < 2 ? "0" + x : x}`;
    } else body = formatG(a, prec === 0 ? 1 : prec ?? 6);
    if (c === "E" || c === "G") body = body.toUpperCase();
  }
  const text = prefix + body;
  const pad = width - sign.length - text.length;
  if (pad <= 0) return sign + text;
  if (flags.includes("-")) return sign + text + " ".repeat(pad);
  if (zeroPad) return sign + prefix + "0".repeat(pad) + body;
  return " ".repeat(pad) + sign + text;
}
