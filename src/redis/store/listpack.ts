// A compact hash as one binary string (one char per byte), in the spirit of Redis's listpack: a
// variable-length entry count, then for each entry the field's length, the field, the value's
// length and the value. A string of a few dozen bytes costs far less than a JS array of field
// and value strings (each string has its own header), which matters for the many small hashes
// a dataset holds. Lookups walk the entries (O(n), as Redis's listpack); a change rebuilds the
// string in a shared scratch buffer, so the stored string is always flat.
//
// Lengths are varints: 7 bits per char, low bits first, the high bit set on all but the last.

/** The listpack of no entries. */
export const EMPTY_LP = "\x00";

/** Where the last {@linkcode readVar} stopped. */
let at = 0;
/** Where the entry the last successful {@linkcode lpFind} found starts. */
let entryStart = 0;

function readVar(s: string, p: number): number {
  let c = s.charCodeAt(p++);
  let n = c & 0x7f, shift = 7;
  while (c >= 0x80) {
    c = s.charCodeAt(p++);
    n += (c & 0x7f) * 2 ** shift;
    shift += 7;
  }
  at = p;
  return n;
}

// The scratch buffer: a plain array of byte values, which String.fromCharCode.apply reads
// faster than a typed array.
const buf: number[] = [];
let len = 0;

function putVar(n: number): void {
  while (n >= 0x80) {
    buf[len++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[len++] = n;
}

function putStr(s: string, from = 0, to = s.length): void {
  const b = buf;
  let p = len;
  for (let i = from; i < to; i++) b[p++] = s.charCodeAt(i);
  len = p;
}

function finish(): string {
  const n = len;
  len = 0;
  buf.length = n;
  if (n <= 8192) return String.fromCharCode.apply(null, buf);
  let s = "";
  for (let i = 0; i < n; i += 8192) {
    s += String.fromCharCode.apply(null, buf.slice(i, Math.min(n, i + 8192)));
  }
  return s;
}

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
