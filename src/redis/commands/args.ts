// Reading command arguments: they arrive as bytes (views into a read buffer), and are compared,
// lowercased and parsed here without a string round trip where it can be avoided.

import { keyOf } from "../store/db.ts";

const encoder = new TextEncoder();

/**
 * A C string view of an argument as Redis prints it with `%.Ns`: up to the first NUL byte, at
 * most `max` bytes, as a binary string.
 */
export function cString(b: Uint8Array, max = 128): string {
  let n = b.indexOf(0);
  if (n === -1) n = b.length;
  return keyOf(b.subarray(0, Math.min(n, max)));
}

/** Bytes of an ASCII/UTF-8 string (for replies built from literals). */
export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** ASCII-lowercases a command name or option as a JS string (bytes over 127 kept as chars). */
export function lowerName(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    s += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return s;
}

/** Whether `b` equals the lowercase ASCII `word`, ignoring case. */
export function isWord(b: Uint8Array, word: string): boolean {
  const n = word.length;
  if (b.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Parses a signed 64-bit integer argument as Redis's string2ll (no spaces, no '+', no leading
 * zeros); undefined if invalid. Values beyond 2^53 are approximated.
 */
export function parseLong(b: Uint8Array): number | undefined {
  const len = b.length;
  if (len === 0 || len >= 21) return undefined;
  if (len === 1 && b[0] === 48) return 0;
  let p = 0, neg = false;
  if (b[0] === 45) {
    neg = true;
    p = 1;
    if (len === 1) return undefined;
  }
  let c = b[p]!;
  if (c < 49 || c > 57) return undefined;
  let v = BigInt(0);
  let small = c - 48;
  p++;
  // Up to 15 digits fit in a double exactly; past that, switch to BigInt for the range check.
  if (len - p <= 14) {
    for (; p < len; p++) {
      c = b[p]!;
      if (c < 48 || c > 57) return undefined;
      small = small * 10 + (c - 48);
    }
    return neg ? -small : small;
  }
  v = BigInt(small);
  for (; p < len; p++) {
    c = b[p]!;
    if (c < 48 || c > 57) return undefined;
    v = v * 10n + BigInt(c - 48);
  }
  if (neg ? v > 9223372036854775808n : v > 9223372036854775807n) return undefined;
  return Number(neg ? -v : v);
}
