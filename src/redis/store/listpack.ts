// A compact hash as one binary string (one char per byte), in the spirit of Redis's listpack: a
// variable-length entry count, then for each entry the field's length, the field, the value's
// length and the value. A string of a few dozen bytes costs far less than a JS array of field
// and value strings (each string has its own header), which matters for the many small hashes
// a dataset holds. Lookups walk the entries (O(n), as Redis's listpack); a change rebuilds the
// string in a shared scratch buffer, so the stored string is always flat.
//
// Lengths are varints (byte_string.ts).

import { at, finish, putStr, putVar, readVar } from "./byte_string.ts";

/** The listpack of no entries. */
export const EMPTY_LP = "\x00";

/** Where the entry the last successful {@linkcode lpFind} found starts. */
let entryStart = 0;

/** Entries in `lp`. */
export function lpCount(lp: string): number {
  return readVar(lp, 0);
}

/**
 * The offset of the value length of `field`'s entry in `lp`, or -1. The value starts at the
 * offset after its length: {@linkcode lpValueAt} reads it.
 */
export function lpFind(lp: string, field: string): number {
  readVar(lp, 0);
  let p = at;
  const fl = field.length, end = lp.length;
  while (p < end) {
    const start = p;
    const n = readVar(lp, p);
    p = at;
    const hit = n === fl && lp.startsWith(field, p);
    p += n;
    if (hit) {
      entryStart = start;
      return p;
    }
    p = readVar(lp, p) + at;
  }
  return -1;
}

/** The value whose length is at offset `p` (from {@linkcode lpFind}). */
export function lpValueAt(lp: string, p: number): string {
  const n = readVar(lp, p);
  return lp.slice(at, at + n);
}

/** The length of the value whose length is at offset `p`. */
export function lpValueLength(lp: string, p: number): number {
  return readVar(lp, p);
}

/** `lp` with `field` set to `value` (a new entry goes last). */
export function lpSet(lp: string, field: string, value: string): string {
  const p = lpFind(lp, field);
  const count = readVar(lp, 0), head = at;
  if (p >= 0) {
    const vn = readVar(lp, p);
    if (vn === value.length && lp.startsWith(value, at)) return lp;
    const after = at + vn;
    putVar(count);
    putStr(lp, head, p);
    putVar(value.length);
    putStr(value);
    putStr(lp, after);
  } else {
    putVar(count + 1);
    putStr(lp, head);
    putVar(field.length);
    putStr(field);
    putVar(value.length);
    putStr(value);
  }
  return finish();
}

/** `lp` without `field`'s entry; `lp` itself when there is none. */
export function lpDelete(lp: string, field: string): string {
  const p = lpFind(lp, field);
  if (p < 0) return lp;
  const s = entryStart;
  const vn = readVar(lp, p);
  const after = at + vn;
  const count = readVar(lp, 0), head = at;
  putVar(count - 1);
  putStr(lp, head, s);
  putStr(lp, after);
  return finish();
}

/** The entries of `lp` as field, value, field, value ... */
export function lpFlat(lp: string): string[] {
  const out: string[] = [];
  readVar(lp, 0);
  let p = at;
  while (p < lp.length) {
    const n = readVar(lp, p);
    out.push(lp.slice(at, at + n));
    p = at + n;
  }
  return out;
}
