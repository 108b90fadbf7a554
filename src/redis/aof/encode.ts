// The bytes of the append-only file: commands as RESP arrays of bulk strings, exactly what Redis
// writes, encoded into one growable buffer (digits written straight in, no string round trip),
// and the loops that write a buffer out whole, since a file write may be partial.

const CR = 13, LF = 10, STAR = 42, DOLLAR = 36;

/** Above this capacity an emptied buffer is given back rather than kept. */
const KEEP = 1024 * 1024;

/** A growable buffer of encoded commands. */
export class LogBuffer {
  #buf: Uint8Array;
  #len = 0;

  constructor(initial = 4096) {
    this.#buf = new Uint8Array(initial);
  }

  /** Bytes encoded and not yet taken. */
  get length(): number {
    return this.#len;
  }

  /** The encoded bytes (a view, valid until the next change). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  /** Forgets everything encoded; a large buffer is released. */
  reset(): void {
    this.#len = 0;
    if (this.#buf.length > KEEP) this.#buf = new Uint8Array(4096);
  }

  #ensure(n: number): void {
    const need = this.#len + n;
    if (need <= this.#buf.length) return;
    let size = Math.max(this.#buf.length * 2, 4096);
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  #header(prefix: number, n: number): void {
    this.#ensure(24);
    const buf = this.#buf;
    buf[this.#len++] = prefix;
    if (n < 10) {
      buf[this.#len++] = 48 + n;
    } else {
      let digits = 0;
      for (let m = n; m >= 1; m = Math.floor(m / 10)) digits++;
      let p = this.#len + digits;
      this.#len = p;
      while (n >= 1) {
        const q = Math.floor(n / 10);
        buf[--p] = 48 + (n - q * 10);
        n = q;
      }
    }
    buf[this.#len++] = CR;
    buf[this.#len++] = LF;
  }

  /** `*n\r\n`: the start of a command of `n` arguments. */
  arrayHeader(n: number): void {
    this.#header(STAR, n);
  }

  /** One argument from bytes. */
  bulk(b: Uint8Array): void {
    this.#header(DOLLAR, b.length);
    this.#ensure(b.length + 2);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    this.#buf[this.#len++] = CR;
    this.#buf[this.#len++] = LF;
  }

  /** One argument from a binary string (one char per byte, as keys are held). */
  binary(s: string): void {
    const n = s.length;
    this.#header(DOLLAR, n);
    this.#ensure(n + 2);
    const buf = this.#buf;
    let p = this.#len;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    buf[p++] = CR;
    buf[p++] = LF;
    this.#len = p;
  }

  /** One argument from a stored value: bytes, or bytes held as a binary string. */
  value(v: Uint8Array | string): void {
    if (typeof v === "string") this.binary(v);
    else this.bulk(v);
  }

  /** A whole command from its arguments. */
  command(args: readonly Uint8Array[]): void {
    this.#header(STAR, args.length);
    for (let i = 0; i < args.length; i++) this.bulk(args[i]!);
  }
}
