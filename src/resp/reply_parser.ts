// Client side of RESP: an incremental reply parser. It reads RESP2 and maps the RESP3 types onto
// the same values, so the client and redis-cli work against either protocol version; on request
// (nextTyped) it keeps the RESP3 types instead, for a tool that shows replies as sent (redis-cli).

import { parseInteger } from "./integer.ts";
import { InputBuffer, SHRINK_OVER } from "./input_buffer.ts";

const CR = 13, STAR = 42, DOLLAR = 36, MINUS = 45, PUSH = 62;
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

/**
 * A RESP3 value that {@linkcode Reply} flattens, with its type kept ({@linkcode ReplyParser.nextTyped}):
 * `map` (`%`, keys and values alternating in `items`), `set` (`~`), `push` (`>`), `double` (`,`,
 * its text as sent), `bignum` (`(`), `boolean` (`#`), `verbatim` (`=`, its 3-letter format apart).
 */
export type Resp3Value =
  | { readonly resp3: "map" | "set" | "push"; readonly items: TypedReply[] }
  | { readonly resp3: "double" | "bignum"; readonly text: string }
  | { readonly resp3: "boolean"; readonly value: boolean }
  | { readonly resp3: "verbatim"; readonly format: string; readonly bytes: Uint8Array };

/** A reply with its RESP3 types kept: {@linkcode Reply}'s values, and {@linkcode Resp3Value}s. */
export type TypedReply =
  | string
  | number
  | Uint8Array
  | null
  | ReplyError
  | TypedReply[]
  | Resp3Value;

/** A typed reply as {@linkcode ReplyParser.next} would have decoded it. */
export function flatten(r: TypedReply): Reply {
  if (r === null || typeof r !== "object" || r instanceof Uint8Array || r instanceof ReplyError) {
    return r;
  }
  if (Array.isArray(r)) return r.map(flatten);
  switch (r.resp3) {
    case "map":
    case "set":
    case "push":
      return r.items.map(flatten);
    case "double":
    case "bignum":
      return r.text;
    case "boolean":
      return r.value ? 1 : 0;
    case "verbatim":
      return r.bytes;
  }
}

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
  // Arrays being filled, innermost last, with how many elements each still needs and (typed
  // replies) their RESP3 type byte, 0 for a plain array.
  #stack: Array<{ items: TypedReply[]; left: number; kind: number }> = [];
  #push = false;
  /** Whether the reply being decoded keeps its RESP3 types (nextTyped) or not (next). */
  #typed = false;

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
    this.#typed = false;
    return this.#next() as Reply | undefined;
  }

  /**
   * Like {@linkcode ReplyParser.next}, but the RESP3 types are kept ({@linkcode TypedReply}).
   * A reply is decoded by one of the two: call the same one until it returns the reply.
   */
  nextTyped(): TypedReply | undefined {
    this.#typed = true;
    return this.#next();
  }

  #next(): TypedReply | undefined {
    while (true) {
      const r = this.#one();
      if (r === undefined) {
        // Everything read is parsed: let go of a buffer that a large reply grew.
        this.#in.shrink(SHRINK_OVER);
        return undefined;
      }
      let value: TypedReply;
      if (this.#stack.length === 0) this.#push = r.array !== undefined && r.kind === PUSH;
      if (r.array !== undefined) {
        const kind = this.#typed && r.kind !== STAR ? r.kind : 0;
        if (r.array > 0) {
          this.#stack.push({ items: [], left: r.array, kind });
          continue;
        }
        value = kind === 0 ? [] : aggregate(kind, []);
      } else value = r.value;
      // Fold the finished value into the arrays waiting for it.
      while (true) {
        const top = this.#stack[this.#stack.length - 1];
        if (top === undefined) return value;
        top.items.push(value);
        if (--top.left > 0) break;
        this.#stack.pop();
        value = top.kind === 0 ? top.items : aggregate(top.kind, top.items);
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
  #one(): { value: TypedReply; array?: undefined } | { array: number; kind: number } | undefined {
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
        if (type === DOLLAR) return { value: b };
        if (!this.#typed) return { value: b.subarray(4) };
        return {
          value: {
            resp3: "verbatim",
            format: decoder.decode(b.subarray(0, 3)),
            bytes: b.subarray(4),
          },
        };
      }
      case STAR: // * array
      case 126: // ~ set
      case 62: // > push
      case 37: { // % map
        const n = this.#int(start, cr);
        this.#in.pos = cr + 2;
        if (n < 0) return { value: null };
        return { array: type === 37 ? n * 2 : n, kind: type };
      }
      case 95: // _ null
        this.#in.pos = cr + 2;
        return { value: null };
      case 35: // # boolean
        this.#in.pos = cr + 2;
        if (this.#typed) return { value: { resp3: "boolean", value: buf[start] === 116 } };
        return { value: buf[start] === 116 ? 1 : 0 };
      case 44: // , double
      case 40: { // ( big number
        this.#in.pos = cr + 2;
        const text = this.#text(start, cr);
        if (!this.#typed) return { value: text };
        return { value: { resp3: type === 44 ? "double" : "bignum", text } };
      }
      default:
        // hiredis's words, which redis-cli shows: `Protocol error, got "|" as reply type byte`.
        throw new ReplyProtocolError(
          `Protocol error, got ${JSON.stringify(String.fromCharCode(type))} as reply type byte`,
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

/** A finished map, set or push of a typed reply. */
function aggregate(kind: number, items: TypedReply[]): Resp3Value {
  return { resp3: kind === 37 ? "map" : kind === 126 ? "set" : "push", items };
}
