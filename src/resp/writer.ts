// Encodes RESP into one growable buffer: a connection's pending replies, a client's pending
// commands, the append-only file's log. Numbers and lengths are written as ASCII digits straight
// into the buffer. Buffers of writers whose output has all left go back to an OutputPool, so an
// idle connection holds none and a busy one does not allocate per round trip.

import { EMPTY, SHRINK_OVER } from "./input_buffer.ts";

const CR = 13, LF = 10, STAR = 42, DOLLAR = 36, MINUS = 45;
const PERCENT = 37, TILDE = 126, GREATER = 62, COMMA = 44, PAREN = 40, EQUALS = 61, COLON = 58;
const encoder = new TextEncoder();

/**
 * A double as C's `%.17g` formats it (what Redis's addReplyDouble sends), with `inf`, `-inf`
 * and `nan` spelled as Redis spells them.
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return "inf";
  if (d === -Infinity) return "-inf";
  if (Number.isNaN(d)) return "nan";
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const sign = d < 0 ? "-" : "";
  const [mant, exp] = Math.abs(d).toExponential(16).split("e") as [string, string];
  const digits = mant.replace(".", "");
  const x = Number(exp);
  if (x < -4 || x >= 17) {
    const m = trimZeros(digits[0] + "." + digits.slice(1));
    return `${sign}${m}e${x < 0 ? "-" : "+"}${String(Math.abs(x)).padStart(2, "0")}`;
  }
  if (x < 0) return sign + trimZeros("0." + "0".repeat(-x - 1) + digits);
  return sign + trimZeros(digits.slice(0, x + 1) + "." + digits.slice(x + 1));
}

/** A decimal text without the trailing zeros of its fraction (and without a bare "."). */
export function trimZeros(s: string): string {
  if (s.indexOf(".") === -1) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}

/**
 * Output buffers kept for the next writer that needs room; a server owns one for its
 * connections.
 *
 * @example
 * ```ts
 * import { OutputPool, RespWriter } from "./writer.ts";
 * const pool = new OutputPool();
 * const out = new RespWriter(0, pool);
 * out.simple("OK");
 * out.take();
 * out.release(); // the buffers go back to the pool
 * ```
 */
export class OutputPool {
  readonly #buffers: Uint8Array[] = [];
  readonly #max: number;
  readonly #largest: number;
  // Large buffers too (replies of big values), so such a reply does not allocate (and zero) a
  // fresh buffer of its size each time: at most BIG_BYTES in all, none over BIG_LARGEST. Fifty
  // clients reading 64 KiB values at once keep fifty 128 KiB buffers in flight.
  readonly #big: Uint8Array[] = [];
  #bigBytes = 0;

  /** Keeps at most `max` buffers of at most `largest` bytes each, and a few large ones. */
  constructor(max = 128, largest = 16 * 1024) {
    this.#max = max;
    this.#largest = largest;
  }

  /** A pooled buffer of at least `need` bytes, or undefined. */
  take(need: number): Uint8Array | undefined {
    if (need <= this.#largest) {
      const b = this.#buffers;
      return b.length > 0 && need <= b[b.length - 1]!.length ? b.pop() : undefined;
    }
    const big = this.#big;
    for (let i = big.length - 1; i >= 0; i--) {
      const b = big[i]!;
      if (b.length < need) continue;
      big[i] = big[big.length - 1]!;
      big.pop();
      this.#bigBytes -= b.length;
      return b;
    }
    return undefined;
  }

  /** Lets go of every buffer kept (a server whose last client has left). */
  clear(): void {
    this.#buffers.length = 0;
    this.#big.length = 0;
    this.#bigBytes = 0;
  }

  /** Keeps `b` for reuse if there is room for it. */
  give(b: Uint8Array): void {
    const n = b.length;
    if (n === 0) return;
    if (n <= this.#largest) {
      if (this.#buffers.length < this.#max) this.#buffers.push(b);
    } else if (n <= BIG_LARGEST && this.#bigBytes + n <= BIG_BYTES) {
      this.#big.push(b);
      this.#bigBytes += n;
    }
  }
}

/** A writer that must grow past this many bytes looks in the pool first. */
const POOL_GROW_OVER = 16 * 1024;
const BIG_BYTES = 16 * 1024 * 1024;
const BIG_LARGEST = 1024 * 1024;

/**
 * Encodes RESP into one growable buffer (a connection's pending output, or a client's pending
 * commands). Numbers and lengths are written as ASCII digits straight into the buffer.
 */
export class RespWriter {
  #buf: Uint8Array;
  #len = 0;
  // take() hands out one buffer and writes on into the other, so the view it returns stays
  // valid while the caller writes it to a socket.
  #spare: Uint8Array | undefined;
  readonly #initial: number;
  readonly #pool: OutputPool | undefined;
  /**
   * Whether the peer speaks RESP3 (HELLO 3): the typed replies below (null, map, set, push,
   * double, boolean, big number, verbatim) use their RESP3 forms instead of RESP2's.
   */
  resp3 = false;

  /** `initial` bytes are allocated at once (0: on the first write); `pool` lends and takes back buffers. */
  constructor(initial = 0, pool?: OutputPool) {
    this.#initial = initial;
    this.#pool = pool;
    this.#buf = initial === 0 ? EMPTY : new Uint8Array(initial);
  }

  /** Bytes pending. */
  get length(): number {
    return this.#len;
  }

  /** Capacity held (for memory reports). */
  get capacity(): number {
    return this.#buf.length + (this.#spare?.length ?? 0);
  }

  #ensure(n: number): void {
    const need = this.#len + n;
    if (need <= this.#buf.length) return;
    const pool = this.#pool;
    // From the pool when it has room enough: always into an empty writer, and for a large reply
    // (a big value) also with bytes pending, which are copied over.
    const pooled = pool !== undefined && (this.#len === 0 || need > POOL_GROW_OVER)
      ? pool.take(need)
      : undefined;
    let next: Uint8Array;
    if (pooled !== undefined) {
      next = pooled;
    } else {
      let size = Math.max(this.#buf.length * 2, 256);
      while (size < need) size *= 2;
      next = new Uint8Array(size);
    }
    if (this.#len > 0) next.set(this.#buf.subarray(0, this.#len));
    pool?.give(this.#buf);
    this.#buf = next;
  }

  /** Writes a binary string (one byte per char); a string with chars over 0xFF as UTF-8. */
  #ascii(s: string): void {
    const n = s.length;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 255) {
        this.raw(encoder.encode(s));
        return;
      }
    }
    this.#ensure(n);
    const buf = this.#buf;
    let p = this.#len;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.#len = p;
  }

  #digits(n: number): void {
    // n is a non-negative safe integer.
    this.#ensure(17);
    const buf = this.#buf;
    if (n < 10) {
      buf[this.#len++] = 48 + n;
      return;
    }
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

  #crlf(): void {
    this.#ensure(2);
    this.#buf[this.#len++] = CR;
    this.#buf[this.#len++] = LF;
  }

  #prefixed(prefix: number, n: number): void {
    this.#ensure(24);
    this.#buf[this.#len++] = prefix;
    if (n < 0) {
      this.#buf[this.#len++] = MINUS;
      n = -n;
    }
    this.#digits(n);
    this.#crlf();
  }

  /** Appends raw, already encoded bytes. */
  raw(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }

  /**
   * `+OK\r\n`. Like {@linkcode error}, `s` is a binary string: each char up to U+00FF is one
   * byte (so bytes decoded as latin1 pass unchanged); a string with a wider char is sent as UTF-8.
   */
  simple(s: string): void {
    this.#ensure(1);
    this.#buf[this.#len++] = 43;
    this.#ascii(s);
    this.#crlf();
  }

  /** `-ERR ...\r\n` (`s` is the full text, e.g. "ERR unknown command ..."). */
  error(s: string): void {
    this.#ensure(1);
    this.#buf[this.#len++] = MINUS;
    this.#ascii(s);
    this.#crlf();
  }

  /** `:1\r\n` */
  integer(n: number | bigint): void {
    if (typeof n === "number" && Number.isSafeInteger(n)) {
      this.#prefixed(58, n);
    } else {
      this.#ensure(1);
      this.#buf[this.#len++] = 58;
      this.#ascii(typeof n === "bigint" ? n.toString() : BigInt(Math.trunc(n)).toString());
      this.#crlf();
    }
  }

  /** `$5\r\nhello\r\n` (strings are encoded as UTF-8). */
  bulk(b: Uint8Array | string): void {
    if (typeof b === "string") b = encoder.encode(b);
    this.#prefixed(DOLLAR, b.length);
    this.#ensure(b.length + 2);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    this.#buf[this.#len++] = CR;
    this.#buf[this.#len++] = LF;
  }

  /**
   * A bulk string from a binary string (one char per byte, e.g. bytes kept as a latin1 string),
   * without a UTF-8 round trip.
   */
  binary(s: string): void {
    const n = s.length;
    this.#prefixed(DOLLAR, n);
    this.#ensure(n + 2);
    const buf = this.#buf;
    let p = this.#len;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    buf[p++] = CR;
    buf[p++] = LF;
    this.#len = p;
  }

  /**
   * Bulk strings of the binary strings `items[from..to)` (the elements of a range reply), with
   * room made once for all of them rather than per element.
   */
  binaryItems(items: ArrayLike<string | undefined>, from: number, to: number): void {
    // "$", at most 10 digits (a length is under 2^32), two CRLFs: 15 bytes besides the data.
    let need = 0;
    for (let i = from; i < to; i++) need += items[i]!.length + 15;
    this.#ensure(need);
    const buf = this.#buf;
    let p = this.#len;
    for (let i = from; i < to; i++) {
      const s = items[i]!, n = s.length;
      buf[p++] = DOLLAR;
      if (n < 10) {
        buf[p++] = 48 + n;
      } else {
        let digits = 0;
        for (let m = n; m >= 1; m = Math.floor(m / 10)) digits++;
        let q = p + digits;
        p = q;
        for (let m = n; m >= 1; m = Math.floor(m / 10)) buf[--q] = 48 + (m % 10);
      }
      buf[p++] = CR;
      buf[p++] = LF;
      for (let j = 0; j < n; j++) buf[p++] = s.charCodeAt(j);
      buf[p++] = CR;
      buf[p++] = LF;
    }
    this.#len = p;
  }

  /** `$-1\r\n` (RESP3: `_\r\n`) */
  nullBulk(): void {
    this.#ascii(this.resp3 ? "_\r\n" : "$-1\r\n");
  }

  /** `*-1\r\n` (RESP3: `_\r\n`) */
  nullArray(): void {
    this.#ascii(this.resp3 ? "_\r\n" : "*-1\r\n");
  }

  /** A map of `n` pairs: `%n\r\n` (RESP2: an array of 2n elements). */
  mapHeader(n: number): void {
    if (this.resp3) this.#prefixed(PERCENT, n);
    else this.#prefixed(STAR, 2 * n);
  }

  /** A set of `n` elements: `~n\r\n` (RESP2: an array). */
  setHeader(n: number): void {
    this.#prefixed(this.resp3 ? TILDE : STAR, n);
  }

  /** An out-of-band push of `n` elements: `>n\r\n` (RESP2: an array, as pub/sub messages). */
  pushHeader(n: number): void {
    this.#prefixed(this.resp3 ? GREATER : STAR, n);
  }

  /**
   * A frame encoded once as a RESP2 array (a published message, an invalidation) sent as a push:
   * in RESP3 only its first byte changes, so the bytes are still shared by every receiver.
   */
  pushFrame(frame: Uint8Array): void {
    if (this.resp3 && frame[0] === STAR) {
      this.#ensure(frame.length);
      this.#buf[this.#len] = GREATER;
      this.#buf.set(frame.subarray(1), this.#len + 1);
      this.#len += frame.length;
    } else {
      this.raw(frame);
    }
  }

  /** A double as Redis's addReplyDouble: `,1.5\r\n`, `,inf\r\n` (RESP2: a bulk string). */
  double(d: number): void {
    const text = formatDouble(d);
    if (this.resp3) {
      this.#ensure(1);
      this.#buf[this.#len++] = COMMA;
      this.#ascii(text);
      this.#crlf();
    } else {
      this.bulk(text);
    }
  }

  /** `#t\r\n` / `#f\r\n` (RESP2: `:1` / `:0`). */
  boolean(b: boolean): void {
    if (this.resp3) this.#ascii(b ? "#t\r\n" : "#f\r\n");
    else this.#ascii(b ? ":1\r\n" : ":0\r\n");
  }

  /** A big number, `(12345678901234567890\r\n` (RESP2: a bulk string). */
  bigNumber(digits: string): void {
    if (this.resp3) {
      this.#ensure(1);
      this.#buf[this.#len++] = PAREN;
      this.#ascii(digits);
      this.#crlf();
    } else {
      this.bulk(digits);
    }
  }

  /**
   * A verbatim string, `=len\r\ntxt:...\r\n` with a three-letter format (RESP2: a bulk
   * string of the text alone), as INFO and CLIENT LIST/INFO send theirs.
   */
  verbatim(text: Uint8Array | string, format = "txt"): void {
    if (!this.resp3) {
      this.bulk(text);
      return;
    }
    if (typeof text === "string") text = encoder.encode(text);
    this.#prefixed(EQUALS, text.length + 4);
    this.#ascii(format);
    this.#ensure(text.length + 3);
    this.#buf[this.#len++] = COLON;
    this.raw(text);
    this.#crlf();
  }

  /** `*n\r\n` */
  arrayHeader(n: number): void {
    this.#prefixed(STAR, n);
  }

  /** A command: an array of bulks. */
  command(args: ReadonlyArray<Uint8Array | string>): void {
    this.arrayHeader(args.length);
    for (const a of args) this.bulk(a);
  }

  /** The pending bytes, left pending (a view, valid until the next write to the writer). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  /** Forgets bytes written since the length was `len` (e.g. to undo a partly written reply). */
  truncate(len: number): void {
    if (len < this.#len) this.#len = Math.max(0, len);
  }

  /**
   * Returns the pending bytes and empties the buffer. The view stays valid until the next
   * take() (writes after take() go to a second buffer), so it can be written to a socket while
   * new output accumulates.
   */
  take(): Uint8Array {
    const out = this.#buf.subarray(0, this.#len);
    let spare = this.#spare;
    // A large spare is not written into again: its write has finished (the view handed out
    // before is no longer in use), so it goes to the pool, which keeps a few.
    if (spare === undefined || spare.length > SHRINK_OVER) {
      if (spare !== undefined) this.#pool?.give(spare);
      spare = this.#initial === 0 ? EMPTY : new Uint8Array(this.#initial);
    }
    this.#spare = this.#buf;
    this.#buf = spare;
    this.#len = 0;
    return out;
  }

  /** Forgets every pending byte; keeps the buffer unless it has grown past `keep` bytes. */
  clear(keep: number = SHRINK_OVER): void {
    this.#len = 0;
    if (this.capacity > keep) this.shrink();
  }

  /** Drops both buffers when nothing is pending (an idle connection). */
  shrink(): void {
    if (this.#len === 0) {
      this.#buf = this.#initial === 0 ? EMPTY : new Uint8Array(this.#initial);
      this.#spare = undefined;
    }
  }

  /**
   * Like {@linkcode shrink}, but hands both buffers to the writer's pool, which the next writer
   * to need room takes from. Only when nothing is pending and no view returned by
   * {@linkcode take} is still in use (its write has finished).
   */
  release(): void {
    const pool = this.#pool;
    if (this.#len !== 0 || this.#initial !== 0 || pool === undefined) return;
    pool.give(this.#buf);
    if (this.#spare !== undefined) pool.give(this.#spare);
    this.#buf = EMPTY;
    this.#spare = undefined;
  }
}
