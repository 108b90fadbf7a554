// Server side of RESP: an incremental request parser for multibulk and inline commands, with
// Redis 7's exact protocol-error texts. Bulk strings are cut by their announced length, never by
// searching for CRLF inside the data, and a bulk's bytes are only stored once they have arrived.

import { SharedBytes } from "./shared_bytes.ts";
import { parseInteger } from "./integer.ts";
import { InputBuffer } from "./input_buffer.ts";

const CR = 13, LF = 10, STAR = 42, DOLLAR = 36, NUL = 0;

/** Longest inline command, and longest count line, Redis accepts (PROTO_INLINE_MAX_SIZE). */
const INLINE_MAX = 64 * 1024;
/** Redis refuses a multibulk count over INT_MAX. */
const INT_MAX = 2147483647;

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

/** Options of {@linkcode RequestParser}. */
export interface RequestParserOptions {
  /** Longest bulk argument accepted (proto-max-bulk-len). Default 512 MB. */
  maxBulkLen?: number;
  /** Longest inline command or count line without its end. Default 64 KiB. */
  maxInlineLen?: number;
  /** Most unparsed input kept (client-query-buffer-limit). Default 1 GB. */
  maxQueryBuffer?: number;
  /**
   * Both limits in an object read at each check, instead of maxBulkLen and maxQueryBuffer: a
   * server shares one among its connections so that CONFIG SET changes them for all at once.
   */
  limits?: ParserLimits;
}

/** The limits a {@linkcode RequestParser} checks, changeable while it parses. */
export interface ParserLimits {
  maxBulkLen: number;
  maxQueryBuffer: number;
}

/** Multibulk counts up to this get their argument array made at full size at once. */
const PREALLOCATE = 64;

/**
 * Command names as received, shared by every parser: the first argument of a multibulk command,
 * when it is short, is looked up here by its bytes and the stored copy is returned instead of a
 * new view into the read buffer (one object less per command, and the command table's cache then
 * finds it by identity). Direct-mapped by a hash of the bytes; a miss stores a copy.
 */
const NAME_SLOTS = 256;
const MAX_NAME = 24;
const names: (Uint8Array | undefined)[] = new Array(NAME_SLOTS).fill(undefined);

function nameSlot(buf: Uint8Array, start: number, len: number): number {
  let h = len;
  for (let i = start, e = start + len; i < e; i++) h = (h * 31 + buf[i]!) | 0;
  return h & (NAME_SLOTS - 1);
}

/** The shared copy of the command name `buf[start..start+len)` (which must be at most MAX_NAME). */
function internName(buf: Uint8Array, start: number, len: number): Uint8Array {
  const slot = nameSlot(buf, start, len);
  const known = names[slot];
  if (known !== undefined && known.length === len) {
    let i = 0;
    while (i < len && known[i] === buf[start + i]) i++;
    if (i === len) return known;
  }
  return names[slot] = buf.slice(start, start + len);
}

/**
 * Whether `name` is a command name as the parser shares it (never written to, so a cache may keep
 * the object itself and find it again by identity).
 */
export function isSharedName(name: Uint8Array): boolean {
  return name.length <= MAX_NAME && names[nameSlot(name, 0, name.length)] === name;
}

/**
 * Short arguments after the name, shared the same way once seen twice: a key, field or small value
 * that comes back (a hot key, a field name) is handed out as the stored copy, so it costs no new
 * view. A copy is made only on the second sighting of the same bytes' hash in a slot, so a stream
 * of distinct arguments costs a hash each and neither evicts the shared ones nor allocates copies.
 */
const ARG_SLOTS = 1024;
const MAX_ARG = 32;
const sharedArgs: (SharedBytes | undefined)[] = new Array(ARG_SLOTS).fill(undefined);
const argHashes = new Int32Array(ARG_SLOTS);

/** `buf[start..start+len)` (at most MAX_ARG bytes) as a shared copy, or as a view. */
function shortArg(buf: Uint8Array, start: number, len: number): Uint8Array {
  let h = len;
  for (let i = start, e = start + len; i < e; i++) h = (h * 31 + buf[i]!) | 0;
  const slot = h & (ARG_SLOTS - 1);
  const known = sharedArgs[slot];
  if (known !== undefined && known.length === len) {
    let i = 0;
    while (i < len && known[i] === buf[start + i]) i++;
    if (i === len) return known;
  }
  if (argHashes[slot] === h) return sharedArgs[slot] = SharedBytes.copyOf(buf, start, len);
  argHashes[slot] = h;
  return buf.subarray(start, start + len);
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
  readonly #limits: ParserLimits;
  readonly #maxInlineLen: number;
  readonly #in = new InputBuffer();
  // A multibulk command in progress: arguments so far (#got of them), arguments left, the current
  // bulk's length.
  #args: Uint8Array[] | undefined;
  #got = 0;
  /** How many of #args are copies (not views into the buffer). */
  #owned = 0;
  #argBytes = 0;
  #left = 0;
  #bulkLen = -1;

  constructor(opts: RequestParserOptions = {}) {
    this.#limits = opts.limits ?? {
      maxBulkLen: opts.maxBulkLen ?? 512 * 1024 * 1024,
      maxQueryBuffer: opts.maxQueryBuffer ?? 1024 * 1024 * 1024,
    };
    this.#maxInlineLen = opts.maxInlineLen ?? INLINE_MAX;
  }

  /** Bytes buffered and not yet parsed. */
  get buffered(): number {
    return this.#in.end - this.#in.pos;
  }

  /** Bytes held for the command being received (parsed arguments plus unparsed input). */
  get pending(): number {
    return this.#in.end - this.#in.pos + this.#argBytes;
  }

  /** Capacity of the internal buffer (for memory reports). */
  get capacity(): number {
    return this.#in.buf.length;
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
      for (let i = this.#owned; i < this.#got; i++) partial[i] = partial[i]!.slice();
      this.#owned = this.#got;
    }
    return this.#in.reserve(min);
  }

  /** Marks `n` bytes written into the view from {@linkcode reserve} as received. */
  commit(n: number): void {
    this.#in.end += n;
    if (this.pending > this.#limits.maxQueryBuffer) {
      throw new QueryBufferLimitError("closing client that reached max query buffer length");
    }
  }

  /** Drops the buffer when it is empty and larger than `over` bytes (an idle connection). */
  shrink(over = 0): void {
    this.#in.shrink(over);
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
        if (this.#in.pos >= this.#in.end) return undefined;
        if (this.#in.buf[this.#in.pos] !== STAR) {
          const args = this.#inline();
          if (args === undefined) return undefined;
          if (args.length === 0) continue;
          return args;
        }
        const count = this.#header("mbulk count");
        if (count === undefined) return undefined;
        if (count <= 0) continue;
        // Made at full size at once when small (an announced count is not trusted beyond that).
        this.#args = count <= PREALLOCATE ? new Array(count) : [];
        this.#got = 0;
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
    const buf = this.#in.buf, end = this.#in.end;
    const cr = buf.indexOf(CR, this.#in.pos);
    if (cr === -1 || cr >= end) return -1;
    for (let i = this.#in.pos; i < cr; i++) if (buf[i] === NUL) return -1;
    return cr;
  }

  /** Parses a `*N` or `$N` line; undefined when incomplete (or throws). */
  #header(what: "mbulk count" | "bulk count"): number | undefined {
    const buf = this.#in.buf, start = this.#in.pos, end = this.#in.end;
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
      if (n === undefined || n < 0 || n > this.#limits.maxBulkLen) {
        throw new ProtocolError("Protocol error: invalid bulk length");
      }
      if (n > 16384 && this.unauthenticated) {
        throw new ProtocolError("Protocol error: unauthenticated bulk length");
      }
    }
    this.#in.pos = cr + 2;
    return n;
  }

  /** Reads the bulks of the multibulk in progress; the arguments when all are here. */
  #bulks(): Uint8Array[] | undefined {
    const args = this.#args!;
    while (this.#left > 0) {
      if (this.#bulkLen === -1) {
        if (this.#in.pos >= this.#in.end) return undefined;
        const n = this.#header("bulk count");
        if (n === undefined) return undefined;
        this.#bulkLen = n;
      }
      const len = this.#bulkLen;
      // The two bytes after the data are skipped unchecked, as Redis does.
      if (this.#in.end - this.#in.pos < len + 2) return undefined;
      const pos = this.#in.pos, i = this.#got++;
      const buf = this.#in.buf;
      args[i] = i === 0
        ? (len <= MAX_NAME ? internName(buf, pos, len) : buf.subarray(pos, pos + len))
        : (len <= MAX_ARG ? shortArg(buf, pos, len) : buf.subarray(pos, pos + len));
      this.#argBytes += len;
      this.#in.pos += len + 2;
      this.#bulkLen = -1;
      this.#left--;
    }
    return args;
  }

  /** Parses one inline line; undefined when incomplete, [] for an empty line. */
  #inline(): Uint8Array[] | undefined {
    const buf = this.#in.buf, start = this.#in.pos, end = this.#in.end;
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
    this.#in.pos = nl + 1;
    return args;
  }
}
