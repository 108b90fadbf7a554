// The RESP codec shared by the server and the client: an incremental request parser (multibulk and
// inline commands, with Redis 7's exact protocol-error texts), a writer that encodes replies or
// commands into one growable buffer, and an incremental reply parser. Everything works on bytes:
// bulk strings are cut by their announced length, never by searching for CRLF inside the data, and
// a bulk's bytes are only stored once they have arrived.

const CR = 13, LF = 10, STAR = 42, DOLLAR = 36, MINUS = 45, NUL = 0;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Longest inline command, and longest count line, Redis accepts (PROTO_INLINE_MAX_SIZE). */
const INLINE_MAX = 64 * 1024;
/** Redis refuses a multibulk count over INT_MAX. */
const INT_MAX = 2147483647;
/** Buffers larger than this are dropped once empty, so idle connections stay small. */
const SHRINK_OVER = 64 * 1024;
// Output buffers of connections whose output has all left, kept for the next reply of any
// connection: an idle client holds none, and a busy one does not allocate per round trip.
const POOL_MAX = 128;
const POOLED_MAX = 16 * 1024;
const pool: Uint8Array[] = [];
const EMPTY = new Uint8Array(0);

function pooled(b: Uint8Array): void {
  if (b.length > 0 && b.length <= POOLED_MAX && pool.length < POOL_MAX) pool.push(b);
}

/**
 * A client broke the protocol; `message` is Redis's exact error text, e.g.
 * "Protocol error: invalid multibulk length" (the server replies `-ERR <message>` and closes).
 */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  constructor(message: string) {
    // Redis turns CR and LF in error texts into spaces so the reply stays one line.
    super(message.replace(/[\r\n]/g, " "));
  }
}

/**
 * A client's unparsed input passed the query buffer limit. Redis closes such a client without a
 * reply; this is a {@linkcode ProtocolError} so callers that do not care can treat both alike.
 */
export class QueryBufferLimitError extends ProtocolError {
  override name = "QueryBufferLimitError";
}

/**
 * Parses a decimal integer exactly as Redis's string2ll does: optional '-', no '+', no leading
 * zeros, no spaces, at most 20 bytes, within a signed 64-bit range. Returns undefined when
 * invalid. Values beyond 2^53 lose precision, which is harmless for the lengths parsed here.
 */
export function parseInteger(buf: Uint8Array, start: number, end: number): number | undefined {
  const len = end - start;
  if (len <= 0 || len >= 21) return undefined;
  let p = start;
  if (len === 1 && buf[p] === 48) return 0;
  let negative = false;
  if (buf[p] === MINUS) {
    negative = true;
    p++;
    if (p === end) return undefined;
  }
  let c = buf[p]!;
  if (c < 49 || c > 57) return undefined;
  let v = c - 48;
  p++;
  while (p < end) {
    c = buf[p]!;
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
    p++;
  }
  // 20 digits can only overflow a signed 64-bit integer when they start at 9.22e18.
  if (v > 9223372036854775807) return undefined;
  return negative ? -v : v;
}

/** Options of {@linkcode RequestParser}. */
export interface RequestParserOptions {
  /** Longest bulk argument accepted (proto-max-bulk-len). Default 512 MB. */
  maxBulkLen?: number;
  /** Longest inline command or count line without its end. Default 64 KiB. */
  maxInlineLen?: number;
  /** Most unparsed input kept (client-query-buffer-limit). Default 1 GB. */
  maxQueryBuffer?: number;
}

/** C's isspace in the "C" locale. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Splits an inline command line the way Redis's sdssplitargs does: blanks separate arguments,
 * "double quotes" take \n \r \t \b \a \xHH and \<any> escapes, 'single quotes' take \' only, and
 * a closing quote must be followed by a blank or the end. Returns undefined on unbalanced quotes.
 * With `views`, plain arguments are views into `line` rather than copies.
 */
export function splitInline(
  line: Uint8Array,
  start = 0,
  end = line.length,
  views = false,
): Uint8Array[] | undefined {
  const args: Uint8Array[] = [];
  let p = start;
  let cur: number[] | undefined;
  while (true) {
    while (p < end && isSpace(line[p]!)) p++;
    if (p >= end) return args;
    // Fast path: a plain token without quotes or escapes is one slice.
    const tokenStart = p;
    while (p < end) {
      const c = line[p]!;
      if (c === 32 || c === LF || c === CR || c === 9 || c === 34 || c === 39) break;
      p++;
    }
    if (p >= end || (line[p] !== 34 && line[p] !== 39)) {
      args.push(views ? line.subarray(tokenStart, p) : line.slice(tokenStart, p));
      if (p < end) p++;
      continue;
    }
    // A quote starts inside (or at the start of) this token: byte by byte from here.
    cur = Array.from(line.subarray(tokenStart, p));
    let inq = false, insq = false, done = false;
    while (!done) {
      const c = p < end ? line[p]! : NUL;
      const next = p + 1 < end ? line[p + 1]! : NUL;
      if (inq) {
        if (
          c === 92 && next === 120 && p + 3 < end && hexValue(line[p + 2]!) >= 0 &&
          hexValue(line[p + 3]!) >= 0
        ) {
          cur.push(hexValue(line[p + 2]!) * 16 + hexValue(line[p + 3]!));
          p += 3;
        } else if (c === 92 && next !== NUL) {
          p++;
          switch (next) {
            case 110:
              cur.push(LF);
              break;
            case 114:
              cur.push(CR);
              break;
            case 116:
              cur.push(9);
              break;
            case 98:
              cur.push(8);
              break;
            case 97:
              cur.push(7);
              break;
            default:
              cur.push(next);
          }
        } else if (c === 34) {
          if (next !== NUL && !isSpace(next)) return undefined;
          done = true;
        } else if (c === NUL) {
          return undefined;
        } else {
          cur.push(c);
        }
      } else if (insq) {
        if (c === 92 && next === 39) {
          p++;
          cur.push(39);
        } else if (c === 39) {
          if (next !== NUL && !isSpace(next)) return undefined;
          done = true;
        } else if (c === NUL) {
          return undefined;
        } else {
          cur.push(c);
        }
      } else {
        switch (c) {
          case 32:
          case LF:
          case CR:
          case 9:
          case NUL:
            done = true;
            break;
          case 34:
            inq = true;
            break;
          case 39:
            insq = true;
            break;
          default:
            cur.push(c);
        }
      }
      if (p < end) p++;
    }
    args.push(Uint8Array.from(cur));
  }
}

/**
 * Server side: incremental request parser for RESP multibulk and inline commands, following
 * Redis 7's processMultibulkBuffer / processInlineBuffer byte for byte (error texts included).
 */
export class RequestParser {
  /** When set (a server requiring AUTH), Redis's stricter unauthenticated limits apply. */
  unauthenticated = false;
  readonly #maxBulkLen: number;
  readonly #maxInlineLen: number;
  readonly #maxQueryBuffer: number;
  #buf: Uint8Array = EMPTY;
  #pos = 0;
  #end = 0;
  // A multibulk command in progress: arguments so far, arguments left, the current bulk's length.
  #args: Uint8Array[] | undefined;
  /** How many of #args are copies (not views into the buffer). */
  #owned = 0;
  #argBytes = 0;
  #left = 0;
  #bulkLen = -1;

  constructor(opts: RequestParserOptions = {}) {
    this.#maxBulkLen = opts.maxBulkLen ?? 512 * 1024 * 1024;
    this.#maxInlineLen = opts.maxInlineLen ?? INLINE_MAX;
    this.#maxQueryBuffer = opts.maxQueryBuffer ?? 1024 * 1024 * 1024;
  }

  /** Bytes buffered and not yet parsed. */
  get buffered(): number {
    return this.#end - this.#pos;
  }

  /** Bytes held for the command being received (parsed arguments plus unparsed input). */
  get pending(): number {
    return this.#end - this.#pos + this.#argBytes;
  }

  /** Capacity of the internal buffer (for memory reports). */
  get capacity(): number {
    return this.#buf.length;
  }

  /** Appends bytes read from the socket (the chunk may be reused by the caller afterwards). */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    this.reserve(n).set(chunk);
    this.commit(n);
  }

  /**
   * A writable view of at least `min` free bytes at the end of the buffer, so a socket can be
   * read straight into it; call {@linkcode commit} with the count read. The view is valid until
   * the next call of any other method.
   */
  reserve(min: number): Uint8Array {
    // The arguments of a command still arriving point into the buffer about to be reused.
    const partial = this.#args;
    if (partial !== undefined) {
      for (let i = this.#owned; i < partial.length; i++) partial[i] = partial[i]!.slice();
      this.#owned = partial.length;
    }
    let buf = this.#buf;
    if (this.#pos === this.#end) {
      this.#pos = this.#end = 0;
      if (buf.length > SHRINK_OVER && min <= SHRINK_OVER) buf = this.#buf = new Uint8Array(min);
    }
    if (buf.length - this.#end < min) {
      const live = this.#end - this.#pos;
      if (this.#pos > 0 && buf.length - live >= min && live <= buf.length >> 1) {
        buf.copyWithin(0, this.#pos, this.#end);
      } else {
        // Grow for the bytes that are here, never for a length merely announced.
        let size = buf.length === 0 ? min : Math.max(buf.length * 2, 256);
        while (size - live < min) size *= 2;
        const next = new Uint8Array(size);
        next.set(buf.subarray(this.#pos, this.#end));
        buf = this.#buf = next;
      }
      this.#pos = 0;
      this.#end = live;
    }
    // An empty buffer is read into whole: no view object held by an idle connection's read.
    return this.#end === 0 ? buf : buf.subarray(this.#end);
  }

  /** Marks `n` bytes written into the view from {@linkcode reserve} as received. */
  commit(n: number): void {
    this.#end += n;
    if (this.pending > this.#maxQueryBuffer) {
      throw new QueryBufferLimitError("closing client that reached max query buffer length");
    }
  }

  /** Drops the buffer when it is empty and larger than `keep` bytes (an idle connection). */
  shrink(keep = 0): void {
    if (this.#pos === this.#end && this.#buf.length > keep) {
      this.#buf = keep === 0 ? EMPTY : new Uint8Array(keep);
      this.#pos = this.#end = 0;
    }
  }

  /**
   * The next complete command's arguments, or undefined when more bytes are needed. Throws
   * ProtocolError on bad input. Empty inline lines and empty or negative multibulk counts are
   * skipped, as Redis does.
   *
   * The arguments are views into the parser's buffer (no copy, no allocation per byte): they stay
   * valid until the next push(), reserve() or shrink(). Copy what must live longer (a stored
   * value); run the commands of one read before reading again.
   */
  next(): Uint8Array[] | undefined {
    while (true) {
      if (this.#args === undefined) {
        if (this.#pos >= this.#end) return undefined;
        if (this.#buf[this.#pos] !== STAR) {
          const args = this.#inline();
          if (args === undefined) return undefined;
          if (args.length === 0) continue;
          return args;
        }
        const count = this.#header("mbulk count");
        if (count === undefined) return undefined;
        if (count <= 0) continue;
        this.#args = [];
        this.#owned = 0;
        this.#argBytes = 0;
        this.#left = count;
      }
      const args = this.#bulks();
      if (args === undefined) return undefined;
      this.#args = undefined;
      this.#argBytes = 0;
      this.#bulkLen = -1;
      return args;
    }
  }

  /** Index of the header's CR like strchr does (not past a NUL), or -1. */
  #findCr(): number {
    const buf = this.#buf, end = this.#end;
    const cr = buf.indexOf(CR, this.#pos);
    if (cr === -1 || cr >= end) return -1;
    for (let i = this.#pos; i < cr; i++) if (buf[i] === NUL) return -1;
    return cr;
  }

  /** Parses a `*N` or `$N` line; undefined when incomplete (or throws). */
  #header(what: "mbulk count" | "bulk count"): number | undefined {
    const buf = this.#buf, start = this.#pos, end = this.#end;
    const bulk = what === "bulk count";
    let n: number | undefined;
    let cr = -1;
    // Fast path: '*' or '$', 1 to 15 digits without a leading zero, CR, one more byte.
    let p = start + 1;
    let c = p < end ? buf[p]! : 0;
    if (c >= 49 && c <= 57 && (!bulk || buf[start] === DOLLAR)) {
      let v = c - 48;
      while (++p < end) {
        c = buf[p]!;
        if (c < 48 || c > 57) break;
        v = v * 10 + (c - 48);
      }
      if (c === CR && p + 1 < end && p - start <= 16) {
        cr = p;
        n = v;
      }
    }
    if (cr === -1) {
      cr = this.#findCr();
      if (cr === -1) {
        if (end - start > this.#maxInlineLen) {
          throw new ProtocolError(`Protocol error: too big ${what} string`);
        }
        return undefined;
      }
      // Redis wants one byte after the CR (and takes it to be the LF).
      if (cr + 1 >= end) return undefined;
      if (bulk && buf[start] !== DOLLAR) {
        const got = String.fromCharCode(buf[start]!);
        throw new ProtocolError(`Protocol error: expected '$', got '${got}'`);
      }
      n = parseInteger(buf, start + 1, cr);
    }
    if (!bulk) {
      if (n === undefined || n > INT_MAX) {
        throw new ProtocolError("Protocol error: invalid multibulk length");
      }
      if (n > 10 && this.unauthenticated) {
        throw new ProtocolError("Protocol error: unauthenticated multibulk length");
      }
    } else {
      if (n === undefined || n < 0 || n > this.#maxBulkLen) {
        throw new ProtocolError("Protocol error: invalid bulk length");
      }
      if (n > 16384 && this.unauthenticated) {
        throw new ProtocolError("Protocol error: unauthenticated bulk length");
      }
    }
    this.#pos = cr + 2;
    return n;
  }

  /** Reads the bulks of the multibulk in progress; the arguments when all are here. */
  #bulks(): Uint8Array[] | undefined {
    const args = this.#args!;
    while (this.#left > 0) {
      if (this.#bulkLen === -1) {
        if (this.#pos >= this.#end) return undefined;
        const n = this.#header("bulk count");
        if (n === undefined) return undefined;
        this.#bulkLen = n;
      }
      const len = this.#bulkLen;
      // The two bytes after the data are skipped unchecked, as Redis does.
      if (this.#end - this.#pos < len + 2) return undefined;
      args.push(this.#buf.subarray(this.#pos, this.#pos + len));
      this.#argBytes += len;
      this.#pos += len + 2;
      this.#bulkLen = -1;
      this.#left--;
    }
    return args;
  }

  /** Parses one inline line; undefined when incomplete, [] for an empty line. */
  #inline(): Uint8Array[] | undefined {
    const buf = this.#buf, start = this.#pos, end = this.#end;
    let nl = buf.indexOf(LF, start);
    if (nl >= end) nl = -1;
    if (nl !== -1) {
      for (let i = start; i < nl; i++) {
        if (buf[i] === NUL) {
          nl = -1; // strchr stops at a NUL byte: Redis keeps waiting for a newline.
          break;
        }
      }
    }
    if (nl === -1) {
      if (end - start > this.#maxInlineLen) {
        throw new ProtocolError("Protocol error: too big inline request");
      }
      return undefined;
    }
    const lineEnd = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    // Like bulk arguments, inline ones are views into the buffer (valid until the next read).
    const args = splitInline(buf, start, lineEnd, true);
    if (args === undefined) {
      throw new ProtocolError("Protocol error: unbalanced quotes in request");
    }
    this.#pos = nl + 1;
    return args;
  }
}

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

  constructor(initial = 0) {
    this.#initial = initial;
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
    if (this.#len === 0 && pool.length > 0 && need <= pool[pool.length - 1]!.length) {
      this.#buf = pool.pop()!;
      return;
    }
    let size = Math.max(this.#buf.length * 2, 256);
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
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

  /** `$-1\r\n` */
  nullBulk(): void {
    this.#ascii("$-1\r\n");
  }

  /** `*-1\r\n` */
  nullArray(): void {
    this.#ascii("*-1\r\n");
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
    // Large buffers are not kept around once they have been handed out.
    if (spare === undefined || spare.length > SHRINK_OVER) {
      spare = this.#initial === 0 ? EMPTY : new Uint8Array(this.#initial);
    }
    this.#spare = this.#buf.length > SHRINK_OVER ? undefined : this.#buf;
    this.#buf = spare;
    this.#len = 0;
    return out;
  }

  /** Drops both buffers when nothing is pending (an idle connection). */
  shrink(): void {
    if (this.#len === 0) {
      this.#buf = this.#initial === 0 ? EMPTY : new Uint8Array(this.#initial);
      this.#spare = undefined;
    }
  }

  /**
   * Like {@linkcode shrink}, but hands both buffers to a pool shared by every writer, which the
   * next writer to need room takes from. Only when nothing is pending and no view returned by
   * {@linkcode take} is still in use (its write has finished).
   */
  release(): void {
    if (this.#len !== 0 || this.#initial !== 0) return;
    pooled(this.#buf);
    if (this.#spare !== undefined) pooled(this.#spare);
    this.#buf = EMPTY;
    this.#spare = undefined;
  }
}

/** An error reply (-ERR ...); `message` is the text after the '-'. Not thrown by the parser. */
export class ReplyError {
  constructor(readonly message: string) {}

  /** The error's first word, e.g. `ERR`, `WRONGTYPE`, `NOPROTO`. */
  get code(): string {
    const sp = this.message.indexOf(" ");
    return sp === -1 ? this.message : this.message.slice(0, sp);
  }

  toString(): string {
    return `(error) ${this.message}`;
  }
}

/** Client side: a decoded reply. Simple strings are JS strings; bulk strings are bytes. */
export type Reply = string | number | Uint8Array | null | ReplyError | Reply[];

/** A server sent bytes that are not RESP; the connection cannot be used any more. */
export class ReplyProtocolError extends Error {
  override name = "ReplyProtocolError";
}

/**
 * Client side: incremental reply parser. Understands RESP2 and maps the RESP3 types onto
 * {@linkcode Reply}: `_` null, `#` 1/0, `,` and `(` strings, `=` bytes (without the format),
 * `%` a flat key/value array, `~` and `>` arrays, `!` an error.
 */
export class ReplyParser {
  #buf: Uint8Array = new Uint8Array(0);
  #pos = 0;
  #end = 0;
  // Arrays being filled, innermost last, with how many elements each still needs.
  #stack: Array<{ items: Reply[]; left: number }> = [];

  /** Bytes buffered and not yet parsed. */
  get buffered(): number {
    return this.#end - this.#pos;
  }

  /** Appends bytes read from the socket (the chunk may be reused by the caller afterwards). */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    let buf = this.#buf;
    if (this.#pos === this.#end) {
      this.#pos = this.#end = 0;
      if (buf.length > SHRINK_OVER && n <= SHRINK_OVER) buf = this.#buf = new Uint8Array(n);
    }
    if (buf.length - this.#end < n) {
      const live = this.#end - this.#pos;
      if (this.#pos > 0 && buf.length - live >= n && live <= buf.length >> 1) {
        buf.copyWithin(0, this.#pos, this.#end);
      } else {
        let size = Math.max(buf.length * 2, 256);
        while (size - live < n) size *= 2;
        const next = new Uint8Array(size);
        next.set(buf.subarray(this.#pos, this.#end));
        buf = this.#buf = next;
      }
      this.#pos = 0;
      this.#end = live;
    }
    buf.set(chunk, this.#end);
    this.#end += n;
  }

  /**
   * The next complete reply, or undefined when more bytes are needed (null is a real reply).
   * Throws ReplyProtocolError on bytes that are not RESP.
   */
  next(): Reply | undefined {
    while (true) {
      const r = this.#one();
      if (r === undefined) {
        // Everything read is parsed: let go of a buffer that a large reply grew.
        if (this.#pos === this.#end && this.#buf.length > SHRINK_OVER) {
          this.#buf = EMPTY;
          this.#pos = this.#end = 0;
        }
        return undefined;
      }
      let value: Reply;
      if (r.array !== undefined) {
        if (r.array === 0) value = [];
        else {
          this.#stack.push({ items: [], left: r.array });
          continue;
        }
      } else value = r.value;
      // Fold the finished value into the arrays waiting for it.
      while (true) {
        const top = this.#stack[this.#stack.length - 1];
        if (top === undefined) return value;
        top.items.push(value);
        if (--top.left > 0) break;
        this.#stack.pop();
        value = top.items;
      }
    }
  }

  #line(): number {
    const cr = this.#buf.indexOf(CR, this.#pos);
    if (cr === -1 || cr + 1 >= this.#end) return -1;
    return cr;
  }

  #text(from: number, to: number): string {
    return decoder.decode(this.#buf.subarray(from, to));
  }

  #int(from: number, to: number): number {
    const n = parseInteger(this.#buf, from, to);
    if (n === undefined) {
      throw new ReplyProtocolError(`bad integer in reply: ${JSON.stringify(this.#text(from, to))}`);
    }
    return n;
  }

  /** One value or array header, consumed; undefined when incomplete. */
  #one(): { value: Reply; array?: undefined } | { array: number } | undefined {
    if (this.#pos >= this.#end) return undefined;
    const cr = this.#line();
    if (cr === -1) return undefined;
    const buf = this.#buf;
    const type = buf[this.#pos]!;
    const start = this.#pos + 1;
    switch (type) {
      case 43: // + simple
        this.#pos = cr + 2;
        return { value: this.#text(start, cr) };
      case MINUS: // - error
      case 33: { // ! blob error
        if (type === 33) {
          const b = this.#blob(start, cr);
          return b === undefined
            ? undefined
            : { value: new ReplyError(decoder.decode(b ?? undefined)) };
        }
        this.#pos = cr + 2;
        return { value: new ReplyError(this.#text(start, cr)) };
      }
      case 58: // : integer
        this.#pos = cr + 2;
        return { value: this.#int(start, cr) };
      case DOLLAR: // $ bulk
      case 61: { // = verbatim
        const b = this.#blob(start, cr);
        if (b === undefined) return undefined;
        if (b === null) return { value: null };
        return { value: type === 61 ? b.subarray(4) : b };
      }
      case STAR: // * array
      case 126: // ~ set
      case 62: // > push
      case 37: { // % map
        const n = this.#int(start, cr);
        this.#pos = cr + 2;
        if (n < 0) return { value: null };
        return { array: type === 37 ? n * 2 : n };
      }
      case 95: // _ null
        this.#pos = cr + 2;
        return { value: null };
      case 35: // # boolean
        this.#pos = cr + 2;
        return { value: buf[start] === 116 ? 1 : 0 };
      case 44: // , double
      case 40: // ( big number
        this.#pos = cr + 2;
        return { value: this.#text(start, cr) };
      default:
        throw new ReplyProtocolError(
          `unexpected reply type byte ${JSON.stringify(String.fromCharCode(type))}`,
        );
    }
  }

  /** A length-prefixed blob whose header ends at `cr`; consumed only when complete. */
  #blob(start: number, cr: number): Uint8Array | null | undefined {
    const n = this.#int(start, cr);
    if (n < 0) {
      this.#pos = cr + 2;
      return null;
    }
    const from = cr + 2;
    if (this.#end - from < n + 2) return undefined;
    this.#pos = from + n + 2;
    return this.#buf.slice(from, from + n);
  }
}
