// The pieces the packed encodings (listpack.ts for hashes, zset_listpack.ts for sorted sets)
// share: binary strings of one char per byte, varint lengths read from them, and a scratch
// buffer that a change is built in before it becomes one flat string.
//
// Varints: 7 bits per char, low bits first, the high bit set on all but the last.

/** Where the last {@linkcode readVar} (or {@linkcode setAt}) stopped. */
export let at = 0;

/** Sets {@linkcode at}, for a reader that skips bytes of its own. */
export function setAt(p: number): void {
  at = p;
}

/** The varint at offset `p` of `s`; {@linkcode at} is then the offset after it. */
export function readVar(s: string, p: number): number {
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

/** Appends the varint `n` to the scratch buffer. */
export function putVar(n: number): void {
  while (n >= 0x80) {
    buf[len++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[len++] = n;
}

/** Appends one byte to the scratch buffer. */
export function putByte(b: number): void {
  buf[len++] = b;
}

/** Appends the chars `from` to `to` of the binary string `s` to the scratch buffer. */
export function putStr(s: string, from = 0, to = s.length): void {
  const b = buf;
  let p = len;
  for (let i = from; i < to; i++) b[p++] = s.charCodeAt(i);
  len = p;
}

/** The scratch buffer as one flat string; the buffer is empty again. */
export function finish(): string {
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
