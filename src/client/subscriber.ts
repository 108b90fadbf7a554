// Subscriptions: a subscribed Redis connection only takes (P)(UN)SUBSCRIBE and pushes messages
// whenever they are published, so it gets its own connection and hands messages out as an async
// iterable instead of resolving one reply slot per command. Channels and patterns are bytes
// throughout; the reader never stops reading, so confirmations are matched behind any number of
// unread messages, and a bounded buffer with a stated overflow policy stands in for back-pressure.

import { type Reply, ReplyError, ReplyParser } from "../resp/reply_parser.ts";
import { RespWriter } from "../resp/writer.ts";
import { formatAddr } from "../net/listen.ts";
import { writeAll } from "../net/io.ts";
import {
  type Arg,
  ConnectionError,
  type ConnectOptions,
  nonFinite,
  normalize,
  openConnection,
  reason,
  RedisError,
  type SubscriptionLimits,
} from "./conn.ts";
import { Fifo } from "./fifo.ts";
import { Message, MessageBuffer } from "./message.ts";

export { Message };

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const READ_BUFFER = 64 * 1024;
/** Default limits of the buffer of unread messages. */
const MAX_MESSAGES = 10_000;
const MAX_BYTES = 64 * 1024 * 1024;

type Kind = "subscribe" | "psubscribe" | "unsubscribe" | "punsubscribe";

/** A (P)(UN)SUBSCRIBE waiting for its confirmations (one per channel or pattern). */
interface Pending {
  kind: Kind;
  left: number;
  counts: number[];
  resolve: (counts: number[]) => void;
  reject: (err: Error) => void;
}

/**
 * A channel or pattern as a map key that stands for its exact bytes: one char per byte, so
 * `0xff` and `0xfe` are two keys (decoding them as UTF-8 would make both U+FFFD).
 */
function keyOf(name: Arg): string {
  const b = name instanceof Uint8Array ? name : encoder.encode(String(name));
  let k = "";
  for (let i = 0; i < b.length; i += 8192) {
    k += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 8192)));
  }
  return k;
}

/**
 * A connection in subscribed mode. Iterate it for {@linkcode Message}s:
 *
 * ```ts
 * import { connect } from "./client.ts";
 *
 * const client = await connect();
 * const sub = await client.subscribe("news");
 * for await (const msg of sub) {
 *   console.log(msg.channelText, msg.text);
 *   if (msg.text === "bye") break; // leaving the loop closes the subscription
 * }
 * await client.close();
 * ```
 *
 * The iteration ends when `unsubscribe`/`punsubscribe` leave no subscription, on
 * {@linkcode Subscriber.close}, or when the loop is left; a lost connection makes it throw
 * {@linkcode ConnectionError}.
 *
 * Messages wait in a bounded buffer until they are read; (un)subscribe calls are confirmed
 * however full it is. Past its limits the oldest messages are dropped and counted in
 * {@linkcode Subscriber.dropped}, or, with `overflow: "close"`, the subscription ends with an
 * error: see {@linkcode SubscriptionLimits}.
 */
export class Subscriber implements AsyncIterable<Message>, AsyncDisposable {
  readonly #conn: Deno.TcpConn;
  readonly #address: string;
  readonly #writer = new RespWriter();
  readonly #parser = new ReplyParser();
  /** Write turns, one after the other. */
  #writing: Promise<void> = Promise.resolve();
  /** Whether a write turn is queued that will take what the writer holds. */
  #flushQueued = false;
  /** Commands waiting for confirmations, oldest first. */
  readonly #pending = new Fifo<Pending>();
  /** Channels and patterns (keys of their bytes) as the server will see them once it has read what was sent. */
  readonly #channels = new Set<string>();
  readonly #patterns = new Set<string>();
  /** Unread messages. */
  readonly #messages = new MessageBuffer();
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #overflow: "drop-oldest" | "close";
  /** The consumer waiting in `next()`. */
  #waiter: (() => void) | undefined;
  /** Subscriptions as last confirmed by the server. */
  #count = 0;
  #ended = false;
  #failure: Error | undefined;
  readonly #reader: Promise<void>;

  private constructor(conn: Deno.TcpConn, address: string, limits: SubscriptionLimits = {}) {
    this.#conn = conn;
    this.#address = address;
    this.#maxMessages = Math.max(1, limits.maxMessages ?? MAX_MESSAGES);
    this.#maxBytes = Math.max(1, limits.maxBytes ?? MAX_BYTES);
    this.#overflow = limits.overflow ?? "drop-oldest";
    this.#reader = this.#read();
  }

  /** Opens a dedicated connection for subscriptions (default 127.0.0.1:6379). */
  static async connect(opts: ConnectOptions = {}): Promise<Subscriber> {
    const hostname = opts.hostname ?? "127.0.0.1";
    const port = opts.port ?? 6379;
    const conn = await openConnection(hostname, port);
    return new Subscriber(conn, formatAddr(hostname, port), opts.subscriptions);
  }

  /** Subscriptions (channels and patterns) the server last confirmed. */
  get count(): number {
    return this.#count;
  }

  /** Messages dropped unread because the buffer was full (the `"drop-oldest"` policy). */
  get dropped(): number {
    return this.#messages.dropped;
  }

  /** Messages received and not read yet. */
  get buffered(): number {
    return this.#messages.length;
  }

  /**
   * SUBSCRIBE to channels; resolves when the server has confirmed each, with the subscription
   * count after each confirmation (what redis-cli shows as the third item).
   */
  subscribe(...channels: Arg[]): Promise<number[]> {
    return this.#command("subscribe", channels);
  }

  /** PSUBSCRIBE to glob patterns; resolves with the count after each confirmation. */
  psubscribe(...patterns: Arg[]): Promise<number[]> {
    return this.#command("psubscribe", patterns);
  }

  /** UNSUBSCRIBE from channels (all when none are named). */
  unsubscribe(...channels: Arg[]): Promise<number[]> {
    return this.#command("unsubscribe", channels);
  }

  /** PUNSUBSCRIBE from patterns (all when none are named). */
  punsubscribe(...patterns: Arg[]): Promise<number[]> {
    return this.#command("punsubscribe", patterns);
  }

  #command(kind: Kind, names: Arg[]): Promise<number[]> {
    if (this.#failure) return Promise.reject(new ConnectionError(this.#failure.message));
    if (this.#ended) {
      return Promise.reject(new ConnectionError(`subscriber for ${this.#address} is closed`));
    }
    const bad = nonFinite([kind, ...names]);
    if (bad) return Promise.reject(bad);
    const set = kind === "subscribe" || kind === "unsubscribe" ? this.#channels : this.#patterns;
    // The server confirms each name once; a bare UNSUBSCRIBE confirms each current
    // subscription, or once (with a nil name) when there is none.
    let expected = names.length;
    if (kind === "subscribe" || kind === "psubscribe") {
      if (names.length === 0) {
        return Promise.reject(
          new RedisError(`ERR wrong number of arguments for '${kind}' command`),
        );
      }
      for (const n of names) set.add(keyOf(n));
    } else if (names.length === 0) {
      expected = Math.max(1, set.size);
      set.clear();
    } else {
      for (const n of names) set.delete(keyOf(n));
    }
    return new Promise<number[]>((resolve, reject) => {
      this.#pending.push({ kind, left: expected, counts: [], resolve, reject });
      this.#writer.command(normalize([kind.toUpperCase(), ...names]));
      if (!this.#flushQueued) {
        // Commands made in the same turn go out in one write, after the writes before them.
        this.#flushQueued = true;
        this.#writing = this.#writing.then(() => this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#flushQueued = false;
    if (this.#ended) return;
    try {
      await writeAll(this.#conn, this.#writer.take());
    } catch (err) {
      this.#fail(`connection to ${this.#address} lost: ${reason(err)}`);
    }
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(READ_BUFFER);
    let why = "server closed the connection";
    try {
      while (!this.#ended && !this.#failure) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        this.#parser.push(buf.subarray(0, n));
        let reply: Reply | undefined;
        while (!this.#ended && (reply = this.#parser.next()) !== undefined) this.#dispatch(reply);
        this.#bound();
        this.#wakeConsumer();
      }
    } catch (err) {
      why = reason(err);
    }
    if (!this.#ended) this.#fail(`connection to ${this.#address} lost: ${why}`);
  }

  /** Applies the overflow policy once the unread messages are over a limit. */
  #bound(): void {
    const messages = this.#messages;
    if (messages.length <= this.#maxMessages && messages.bytes <= this.#maxBytes) return;
    if (this.#overflow === "close") {
      this.#fail(
        `subscriber for ${this.#address} closed: ${messages.length} messages ` +
          `(${messages.bytes} bytes) were left unread, over its limit of ` +
          `${this.#maxMessages} messages or ${this.#maxBytes} bytes`,
      );
      return;
    }
    messages.dropOldest(this.#maxMessages, this.#maxBytes);
  }

  #dispatch(reply: Reply): void {
    if (reply instanceof ReplyError) {
      this.#pending.shift()?.reject(new RedisError(reply.message));
      return;
    }
    if (!Array.isArray(reply) || reply.length < 3) return;
    const kind = text(reply[0]);
    if (kind === "message") {
      const channel = reply[1], payload = reply[2];
      if (channel instanceof Uint8Array && payload instanceof Uint8Array) {
        this.#messages.push(new Message(channel, payload));
      }
    } else if (kind === "pmessage") {
      const pattern = reply[1], channel = reply[2], payload = reply[3];
      if (
        pattern instanceof Uint8Array && channel instanceof Uint8Array &&
        payload instanceof Uint8Array
      ) {
        this.#messages.push(new Message(channel, payload, pattern));
      }
    } else if (
      kind === "subscribe" || kind === "psubscribe" || kind === "unsubscribe" ||
      kind === "punsubscribe"
    ) {
      const count = typeof reply[2] === "number" ? reply[2] : 0;
      this.#count = count;
      const p = this.#pending.peek();
      if (p) {
        if (p.kind !== kind) {
          // Never hand a confirmation to a call that did not ask for it.
          this.#fail(
            `connection to ${this.#address} lost: a ${kind} confirmation arrived while a ` +
              `${p.kind} was waiting`,
          );
          return;
        }
        p.counts.push(count);
        if (--p.left <= 0) {
          this.#pending.shift();
          p.resolve(p.counts);
        }
      }
      // No subscription left and nothing asked for: the connection has left subscribed mode.
      if (
        count === 0 && this.#pending.length === 0 && kind.endsWith("unsubscribe")
      ) {
        this.#finish();
      }
    }
    // Anything else (a PING's ["pong", ""]) carries nothing for the consumer.
  }

  #rejectPending(err: Error): void {
    for (const p of this.#pending.drain()) p.reject(err);
  }

  #wakeConsumer(): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w();
    }
  }

  /** Ends the iteration normally: buffered messages are still handed out. */
  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closeConn();
    this.#rejectPending(new ConnectionError(`subscriber for ${this.#address} is closed`));
    this.#wakeConsumer();
  }

  #fail(message: string): void {
    if (this.#failure || this.#ended) return;
    const err = new ConnectionError(message);
    this.#failure = err;
    this.#ended = true;
    this.#closeConn();
    this.#rejectPending(err);
    this.#wakeConsumer();
  }

  #closeConn(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  /** The next message, or `undefined` once the subscription has ended. */
  async next(): Promise<Message | undefined> {
    while (true) {
      const m = this.#messages.shift();
      if (m !== undefined) return m;
      if (this.#failure) throw this.#failure;
      if (this.#ended) return undefined;
      await new Promise<void>((r) => this.#waiter = r);
    }
  }

  /** Closes the connection; the iteration ends after the messages already received. */
  async close(): Promise<void> {
    this.#finish();
    await this.#reader;
    await this.#writing;
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return {
      next: async (): Promise<IteratorResult<Message>> => {
        const m = await this.next();
        return m === undefined ? { done: true, value: undefined } : { done: false, value: m };
      },
      return: async (): Promise<IteratorResult<Message>> => {
        this.#messages.clear();
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** Same as {@linkcode Subscriber.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function text(r: Reply | undefined): string {
  if (r instanceof Uint8Array) return decoder.decode(r);
  return r === null || r === undefined ? "" : String(r);
}
