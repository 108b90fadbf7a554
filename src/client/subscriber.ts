// Subscriptions: a subscribed Redis connection only takes (P)(UN)SUBSCRIBE and pushes messages
// whenever they are published, so it gets its own connection and hands messages out as an async
// iterable instead of resolving one reply slot per command.

import { type Reply, ReplyError, ReplyParser } from "../resp/reply_parser.ts";
import { RespWriter } from "../resp/writer.ts";
import { formatAddr } from "../net/listen.ts";
import { writeAll } from "../net/io.ts";
import {
  type Arg,
  ConnectionError,
  type ConnectOptions,
  normalize,
  openConnection,
  reason,
  RedisError,
} from "./conn.ts";

const decoder = new TextDecoder();
const READ_BUFFER = 64 * 1024;
/** Messages buffered for a slow consumer before the reader stops reading (TCP pushes back). */
const HIGH_WATER = 10_000;

/** A published message. */
export class Message {
  /** The channel it was published to. */
  readonly channel: string;
  /** The payload, as published (bytes, never altered). */
  readonly payload: Uint8Array;
  /** The pattern that matched, for messages received through `psubscribe`. */
  readonly pattern: string | undefined;

  constructor(channel: string, payload: Uint8Array, pattern?: string) {
    this.channel = channel;
    this.payload = payload;
    this.pattern = pattern;
  }

  /** The payload decoded as UTF-8 text. */
  get text(): string {
    return decoder.decode(this.payload);
  }
}

type Kind = "subscribe" | "psubscribe" | "unsubscribe" | "punsubscribe";

/** A (P)(UN)SUBSCRIBE waiting for its confirmations (one per channel or pattern). */
interface Pending {
  left: number;
  counts: number[];
  resolve: (counts: number[]) => void;
  reject: (err: Error) => void;
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
 *   console.log(msg.channel, msg.text);
 *   if (msg.text === "bye") break; // leaving the loop closes the subscription
 * }
 * await client.close();
 * ```
 *
 * The iteration ends when `unsubscribe`/`punsubscribe` leave no subscription, on
 * {@linkcode Subscriber.close}, or when the loop is left; a lost connection makes it throw
 * {@linkcode ConnectionError}.
 */
export class Subscriber implements AsyncIterable<Message>, AsyncDisposable {
  readonly #conn: Deno.TcpConn;
  readonly #address: string;
  readonly #writer = new RespWriter();
  readonly #parser = new ReplyParser();
  /** Write turns, one after the other. */
  #writing: Promise<void> = Promise.resolve();
  /** Commands waiting for confirmations, oldest first. */
  #pending: Pending[] = [];
  /** Channels and patterns as the server will see them once it has read what was sent. */
  readonly #channels = new Set<string>();
  readonly #patterns = new Set<string>();
  #messages: Message[] = [];
  #messagesHead = 0;
  /** The consumer waiting in `next()`. */
  #waiter: (() => void) | undefined;
  /** The reader waiting for the consumer to catch up. */
  #room: (() => void) | undefined;
  /** Subscriptions as last confirmed by the server. */
  #count = 0;
  #ended = false;
  #failure: Error | undefined;
  readonly #reader: Promise<void>;

  private constructor(conn: Deno.TcpConn, address: string) {
    this.#conn = conn;
    this.#address = address;
    this.#reader = this.#read();
  }

  /** Opens a dedicated connection for subscriptions (default 127.0.0.1:6379). */
  static async connect(opts: ConnectOptions = {}): Promise<Subscriber> {
    const hostname = opts.hostname ?? "127.0.0.1";
    const port = opts.port ?? 6379;
    const conn = await openConnection(hostname, port);
    return new Subscriber(conn, formatAddr(hostname, port));
  }

  /** Subscriptions (channels and patterns) the server last confirmed. */
  get count(): number {
    return this.#count;
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
    const set = kind === "subscribe" || kind === "unsubscribe" ? this.#channels : this.#patterns;
    const keys = names.map((n) => n instanceof Uint8Array ? decoder.decode(n) : String(n));
    // The server confirms each name once; a bare UNSUBSCRIBE confirms each current
    // subscription, or once (with a nil name) when there is none.
    let expected = names.length;
    if (kind === "subscribe" || kind === "psubscribe") {
      if (names.length === 0) {
        return Promise.reject(
          new RedisError(`ERR wrong number of arguments for '${kind}' command`),
        );
      }
      for (const k of keys) set.add(k);
    } else if (names.length === 0) {
      expected = Math.max(1, set.size);
      set.clear();
    } else {
      for (const k of keys) set.delete(k);
    }
    return new Promise<number[]>((resolve, reject) => {
      this.#pending.push({ left: expected, counts: [], resolve, reject });
      this.#writer.command(normalize([kind.toUpperCase(), ...names]));
      const bytes = this.#writer.take().slice();
      this.#writing = this.#writing.then(() => writeAll(this.#conn, bytes)).catch((err) => {
        this.#fail(`connection to ${this.#address} lost: ${reason(err)}`);
      });
    });
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
        while ((reply = this.#parser.next()) !== undefined) this.#dispatch(reply);
        this.#wakeConsumer();
        if (this.#messages.length - this.#messagesHead >= HIGH_WATER && !this.#ended) {
          await new Promise<void>((r) => this.#room = r);
        }
      }
    } catch (err) {
      why = reason(err);
    }
    if (!this.#ended) this.#fail(`connection to ${this.#address} lost: ${why}`);
  }

  #dispatch(reply: Reply): void {
    if (reply instanceof ReplyError) {
      const p = this.#pending.shift();
      p?.reject(new RedisError(reply.message));
      return;
    }
    if (!Array.isArray(reply) || reply.length < 3) return;
    const kind = text(reply[0]);
    if (kind === "message") {
      const payload = reply[2];
      if (payload instanceof Uint8Array) {
        this.#messages.push(new Message(text(reply[1]), payload));
      }
    } else if (kind === "pmessage") {
      const payload = reply[3];
      if (payload instanceof Uint8Array) {
        this.#messages.push(new Message(text(reply[2]), payload, text(reply[1])));
      }
    } else if (
      kind === "subscribe" || kind === "psubscribe" || kind === "unsubscribe" ||
      kind === "punsubscribe"
    ) {
      const count = typeof reply[2] === "number" ? reply[2] : 0;
      this.#count = count;
      const p = this.#pending[0];
      if (p) {
        p.counts.push(count);
        if (--p.left <= 0) {
          this.#pending.shift();
          p.resolve(p.counts);
        }
      }
      // No subscription left and nothing asked for: the connection has left subscribed mode.
      if (count === 0 && this.#pending.length === 0 && kind.endsWith("unsubscribe")) {
        this.#finish();
      }
    }
    // Anything else (a PING's ["pong", ""]) carries nothing for the consumer.
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
    for (const p of this.#pending.splice(0)) {
      p.reject(new ConnectionError(`subscriber for ${this.#address} is closed`));
    }
    this.#wakeConsumer();
    const room = this.#room;
    this.#room = undefined;
    room?.();
  }

  #fail(message: string): void {
    if (this.#failure || this.#ended) return;
    const err = new ConnectionError(message);
    this.#failure = err;
    this.#ended = true;
    this.#closeConn();
    for (const p of this.#pending.splice(0)) p.reject(err);
    this.#wakeConsumer();
    const room = this.#room;
    this.#room = undefined;
    room?.();
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
      if (this.#messagesHead < this.#messages.length) {
        const m = this.#messages[this.#messagesHead]!;
        this.#messages[this.#messagesHead++] = undefined as unknown as Message;
        if (this.#messagesHead === this.#messages.length) {
          this.#messages = [];
          this.#messagesHead = 0;
          const room = this.#room;
          this.#room = undefined;
          room?.();
        }
        return m;
      }
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
        this.#messages = [];
        this.#messagesHead = 0;
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
