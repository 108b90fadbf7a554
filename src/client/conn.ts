// What the client's two connection kinds (commands, subscriptions) share: opening a TCP
// connection with one clear error, and the client's error classes.

import { formatAddr } from "../net/listen.ts";

/**
 * An argument of a command: bytes as they are, strings as UTF-8, numbers in decimal (integers
 * always in plain digits, `1e21` as `1000000000000000000000`). NaN and the infinities are
 * refused with a `RangeError`: Redis has no way to read them.
 */
export type Arg = Uint8Array | string | number;

/**
 * What a subscription does with messages its consumer has not read yet. The reader never stops
 * reading the connection (confirmations of (P)(UN)SUBSCRIBE are read and matched behind any
 * number of messages); it buffers at most `maxMessages` messages and `maxBytes` bytes of
 * channel and payload, and past either limit it applies `overflow`:
 * - `"drop-oldest"` (default): the oldest buffered messages are dropped and counted in
 *   `Subscriber.dropped`; the newest stay.
 * - `"close"`: the subscription ends with a {@linkcode ConnectionError} saying how many
 *   messages were left unread; pending (un)subscribe calls reject with it.
 */
export interface SubscriptionLimits {
  /** Messages buffered at most. Default 10,000. */
  maxMessages?: number;
  /** Bytes (channel + payload) buffered at most. Default 64 MiB. */
  maxBytes?: number;
  /** What to do past a limit. Default `"drop-oldest"`. */
  overflow?: "drop-oldest" | "close";
}

/** Where a client connects. */
export interface ConnectOptions {
  /** Host name or address. Default `127.0.0.1`. */
  hostname?: string;
  /** TCP port. Default `6379`. */
  port?: number;
  /** Buffering of the subscriptions opened through this client; see {@linkcode SubscriptionLimits}. */
  subscriptions?: SubscriptionLimits;
  /** The protocol: 3 says HELLO 3 on connecting (typed replies, pushes). Default 2. */
  resp?: 2 | 3;
}

/**
 * The server answered a command with an error reply. `message` is Redis's text after the `-`,
 * e.g. `ERR value is not an integer or out of range`; only the caller of that command sees it.
 */
export class RedisError extends Error {
  override name = "RedisError";
  /** The first word of the message, e.g. `ERR`, `WRONGTYPE`, `NOAUTH`. */
  readonly code: string;

  constructor(message: string) {
    super(message);
    const space = message.indexOf(" ");
    this.code = space === -1 ? message : message.slice(0, space);
  }
}

/**
 * The connection could not be opened, was lost, or the client was closed. Every call pending
 * when the connection goes away rejects with it, and so does every later call.
 */
export class ConnectionError extends Error {
  override name = "ConnectionError";
}

/** The OS's reason without Deno's decorations: `Connection refused`, `Name or service not known`. */
export function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .replace(/^failed to lookup address information: /, "")
    .replace(/ \(os error \d+\)$/, "");
}

/**
 * Opens a TCP connection with Nagle off. Failure is one {@linkcode ConnectionError} worded like
 * redis-cli's: `Could not connect to Redis at 127.0.0.1:1: Connection refused`.
 */
export async function openConnection(hostname: string, port: number): Promise<Deno.TcpConn> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname, port, transport: "tcp" });
  } catch (err) {
    throw new ConnectionError(
      `Could not connect to Redis at ${formatAddr(hostname, port)}: ${reason(err)}`,
      { cause: err },
    );
  }
  try {
    conn.setNoDelay(true);
  } catch {
    // the peer may already be gone; the first read or write will say so.
  }
  return conn;
}

const encoder = new TextEncoder();

/**
 * Prepares one command's arguments for the codec: strings are encoded to UTF-8 into a scratch
 * buffer that is reused for every command, numbers are written in decimal. The views it hands
 * out are valid until the next {@linkcode ArgBytes.prepare}, which is long enough for
 * `RespWriter.command()` to copy them; this spares a fresh `Uint8Array` per argument, the largest
 * per-call cost on the hot path.
 */
export class ArgBytes {
  #scratch = new Uint8Array(16 * 1024);
  #off = 0;

  /** Replaces the string and number arguments in `args` by views of UTF-8 bytes. */
  prepare(args: Arg[]): Array<Uint8Array | string> {
    this.#off = 0;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (typeof a === "string") args[i] = this.#encode(a);
      else if (typeof a === "number") args[i] = this.#encode(decimal(a));
    }
    return args as Array<Uint8Array | string>;
  }

  #encode(s: string): Uint8Array | string {
    const scratch = this.#scratch;
    const off = this.#off;
    const n = s.length;
    // Too long for what is left: let the codec encode it (one allocation, as without us).
    if (off + n * 3 > scratch.length) return s;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      scratch[off + i] = c;
    }
    let end = off + n;
    if (i < n) end = off + i + encoder.encodeInto(s.slice(i), scratch.subarray(off + i)).written;
    this.#off = end;
    return scratch.subarray(off, end);
  }
}

/** Turns numbers into decimal strings in place, so the codec sees only bytes and strings. */
export function normalize(args: Arg[]): Array<Uint8Array | string> {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a === "number") args[i] = decimal(a);
  }
  return args as Array<Uint8Array | string>;
}

/**
 * A number as Redis reads it: integers in plain decimal digits (`String(1e21)` would be
 * `1e+21`, which no integer parser of Redis takes), other finite numbers as JavaScript writes
 * them (Redis's float parser takes `1.5` and `1e-7`). Callers check finiteness first
 * ({@linkcode nonFinite}).
 */
export function decimal(n: number): string {
  if (Number.isSafeInteger(n) || !Number.isInteger(n)) return String(n);
  return BigInt(n).toString();
}

/**
 * A `RangeError` naming the first argument that is NaN or infinite, or undefined when every
 * number can be sent. Checked when a call is made, so the caller's promise rejects and nothing
 * is written.
 */
export function nonFinite(args: readonly Arg[]): RangeError | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a === "number" && !Number.isFinite(a)) {
      const cmd = args[0];
      const name = typeof cmd === "string"
        ? cmd
        : cmd instanceof Uint8Array
        ? new TextDecoder().decode(cmd)
        : String(cmd);
      return new RangeError(
        `argument ${i + 1} of ${name.toUpperCase()} is ${a}: Redis takes only finite numbers`,
      );
    }
  }
  return undefined;
}
