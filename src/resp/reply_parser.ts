// Client side of RESP: an incremental reply parser. It reads RESP2 and maps the RESP3 types onto
// the same values, so the client and redis-cli work against either protocol version.

import { parseInteger } from "./integer.ts";
import { InputBuffer, SHRINK_OVER } from "./input_buffer.ts";

const CR = 13, STAR = 42, DOLLAR = 36, MINUS = 45;
const decoder = new TextDecoder();

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
  readonly #in = new InputBuffer();
  // Arrays being filled, innermost last, with how many elements each still needs.
  #stack: Array<{ items: Reply[]; left: number }> = [];
  #push = false;

  /** Whether the reply last returned by next() came as a RESP3 push (`>`), not a reply. */
  get isPush(): boolean {
    return this.#push;
  }

  /** Bytes buffered and not yet parsed. */
  get buffered(): number {
    return this.#in.end - this.#in.pos;
  }

  /** Appends bytes read from the socket (the chunk may be reused by the caller afterwards). */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    this.#in.reserve(n).set(chunk);
    this.#in.end += n;
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
        this.#in.shrink(SHRINK_OVER);
        return undefined;
      }
      let value: Reply;
      if (this.#stack.length === 0) this.#push = r.array !== undefined && r.push === true;
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
    const cr = this.#in.buf.indexOf(CR, this.#in.pos);
    if (cr === -1 || cr + 1 >= this.#in.end) return -1;
    return cr;
  }

  #text(from: number, to: number): string {
    return decoder.decode(this.#in.buf.subarray(from, to));
  }

  #int(from: number, to: number): number {
    const n = parseInteger(this.#in.buf, from, to);
    if (n === undefined) {
      throw new ReplyProtocolError(`bad integer in reply: ${JSON.stringify(this.#text(from, to))}`);
    }
    return n;
  }

  /** One value or array header, consumed; undefined when incomplete. */
  #one(): { value: Reply; array?: undefined } | { array: number; push: boolean } | undefined {
    if (this.#in.pos >= this.#in.end) return undefined;
    const cr = this.#line();
    if (cr === -1) return undefined;
    const buf = this.#in.buf;
    const type = buf[this.#in.pos]!;
    const start = this.#in.pos + 1;
    switch (type) {
      case 43: // + simple
        this.#in.pos = cr + 2;
        return { value: this.#text(start, cr) };
      case MINUS: // - error
      case 33: { // ! blob error
        if (type === 33) {
          const b = this.#blob(start, cr);
          return b === undefined
            ? undefined
            : { value: new ReplyError(decoder.decode(b ?? undefined)) };
        }
        this.#in.pos = cr + 2;
        return { value: new ReplyError(this.#text(start, cr)) };
      }
      case 58: // : integer
        this.#in.pos = cr + 2;
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
        this.#in.pos = cr + 2;
        if (n < 0) return { value: null };
        return { array: type === 37 ? n * 2 : n, push: type === 62 };
      }
      case 95: // _ null
        this.#in.pos = cr + 2;
        return { value: null };
      case 35: // # boolean
        this.#in.pos = cr + 2;
        return { value: buf[start] === 116 ? 1 : 0 };
      case 44: // , double
      case 40: // ( big number
        this.#in.pos = cr + 2;
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
      this.#in.pos = cr + 2;
      return null;
    }
    const from = cr + 2;
    if (this.#in.end - from < n + 2) return undefined;
    this.#in.pos = from + n + 2;
    return this.#in.buf.slice(from, from + n);
  }
}
