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
