// The message-passing core of the client: many tasks want one connection, and a mutex would
// serialise them, so one manager owns the connection. Callers put commands on a queue, each with
// its own reply slot; the manager writes everything queued in one write per turn; a reader
// resolves the slots in order as replies arrive. Pipelining comes for free. The typed commands
// and subscriptions are built on it in client.ts.

import {
  flatten,
  type Reply,
  ReplyError,
  ReplyParser,
  type TypedReply,
} from "../resp/reply_parser.ts";
import { RespWriter } from "../resp/writer.ts";
import { formatAddr } from "../net/listen.ts";
import { writeAll } from "../net/io.ts";
import { settleWithin } from "../net/deadline.ts";
import {
  type Arg,
  ArgBytes,
  ConnectionError,
  nonFinite,
  openConnection,
  reason,
  RedisError,
  type SubscriptionLimits,
} from "./conn.ts";
import { modeChange, ModeError } from "./modes.ts";

/** A command waiting to be written (`args` set) or waiting for its reply (`args` null). */
interface Slot {
  args: Arg[] | null;
  /** The reply keeps its RESP3 types (sendTyped). */
  typed: boolean;
  resolve: (reply: TypedReply) => void;
  reject: (err: Error) => void;
}

const decoder = new TextDecoder();
const SELECT = new TextEncoder().encode("SELECT");
const HELLO = new TextEncoder().encode("HELLO");
/** Drop consumed slots from the front of the queue once this many have piled up. */
const COMPACT_AT = 4096;
const READ_BUFFER = 64 * 1024;

/**
 * One connection, one manager, any number of callers: {@linkcode Multiplexer.send} from
 * anywhere, concurrently; replies arrive in the order the calls were made.
 *
 * @example
 * ```ts ignore
 * const mux = new Multiplexer(await openConnection("127.0.0.1", 6379), "127.0.0.1", 6379);
 * const [a, b] = await Promise.all([mux.send("PING"), mux.send("ECHO", "hi")]);
 * await mux.close();
 * ```
 */
export class Multiplexer implements AsyncDisposable {
  /** The server's host. */
  readonly hostname: string;
  /** The server's port. */
  readonly port: number;
  readonly #conn: Deno.TcpConn;
  readonly #writer = new RespWriter();
  readonly #argBytes = new ArgBytes();
  readonly #parser = new ReplyParser();
  /**
   * Receives what a RESP3 server pushes outside any reply (CLIENT TRACKING's `invalidate`
   * messages, pub/sub messages on this connection), decoded like a reply; unset, pushes are
   * dropped.
   */
  onPush: ((push: Reply[]) => void) | undefined;
  /**
   * The queue: slots before #head are done (emptied, so no settled reply stays reachable),
   * #head..#sent await replies, #sent.. await writing.
   */
  #slots: Array<Slot | undefined> = [];
  #head = 0;
  #sent = 0;
  /** Wakes the manager when it sleeps with nothing to write. */
  #wake: (() => void) | undefined;
  /** Set once the connection is unusable; later calls reject with it. */
  #failure: ConnectionError | undefined;
  #closing = false;
  /** Resolves `close()` once nothing is in flight. */
  #drained: (() => void) | undefined;
  readonly #manager: Promise<void>;
  readonly #reader: Promise<void>;
  /** Limits for the subscriptions this client opens. */
  protected readonly limits: SubscriptionLimits | undefined;
  /** The database SELECTed through {@linkcode Multiplexer.send}, for {@linkcode Multiplexer.blocking}. */
  #db: Arg = 0;
  /** Connections of {@linkcode Multiplexer.blocking} calls still waiting; `close()` closes them. */
  readonly #own = new Set<Multiplexer>();
  /** Calls queued or in flight whose reply keeps its RESP3 types (sendTyped). */
  #typedPending = 0;
  /** The protocol the connection speaks: 3 once `HELLO 3` succeeded on connecting. */
  protected protover: 2 | 3 = 2;

  /** Wraps an open connection; most code wants {@linkcode connect}. */
  constructor(
    conn: Deno.TcpConn,
    hostname: string,
    port: number,
    subscriptions?: SubscriptionLimits,
  ) {
    this.#conn = conn;
    this.hostname = hostname;
    this.port = port;
    this.limits = subscriptions;
    this.#manager = this.#manage();
    this.#reader = this.#read();
  }

  /** `host:port` of the server. */
  get address(): string {
    return formatAddr(this.hostname, this.port);
  }

  /** Calls queued or awaiting their reply. */
  get pending(): number {
    return this.#slots.length - this.#head;
  }

  /** Whether the connection is closed or lost (calls fail at once). */
  get closed(): boolean {
    return this.#failure !== undefined || this.#closing;
  }

  /**
   * Sends any command and resolves with its decoded reply: simple strings as strings, bulk
   * strings as `Uint8Array`, integers as numbers, nil as `null`, arrays as arrays (an error
   * nested in an array stays a {@linkcode ReplyError}). A top-level error reply rejects with
   * {@linkcode RedisError}.
   *
   * Commands that would change the shared connection's mode reject with {@linkcode ModeError}
   * and are never written: subscribe with {@linkcode Client.subscribe} /
   * {@linkcode Client.psubscribe}, run blocking commands with {@linkcode Multiplexer.blocking}.
   * A NaN or infinite number argument rejects with `RangeError`.
   */
  send(...args: Arg[]): Promise<Reply> {
    return this.#send(args, false) as Promise<Reply>;
  }

  /**
   * Like {@linkcode Multiplexer.send}, but the reply keeps the RESP3 types the server sent
   * ({@linkcode TypedReply}: maps, sets, doubles, booleans... as themselves), for tools that
   * show replies as they came (`tokserver redis-cli -3`). Over RESP2 it equals `send()`'s.
   */
  sendTyped(...args: Arg[]): Promise<TypedReply> {
    return this.#send(args, true);
  }

  #send(args: Arg[], typed: boolean): Promise<TypedReply> {
    const refused = modeChange(args, this.protover);
    if (refused !== undefined) return Promise.reject(new ModeError(refused.message));
    const reply = this.#queue(args, typed);
    if (typeof args[0] !== "number" && args.length === 2 && isSelect(args[0]!)) {
      const db = args[1]!;
      reply.then(() => this.#db = db, () => {});
    }
    return reply;
  }

  /**
   * Runs a command that blocks (BLPOP, BRPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, WAIT...) on a
   * connection of its own, opened for the call and closed after its reply, in the database last
   * SELECTed through {@linkcode Multiplexer.send}; the shared connection is never held. Other
   * commands are refused as by `send()`. `close()` ends calls still blocked with
   * {@linkcode ConnectionError}.
   */
  blocking(...args: Arg[]): Promise<Reply> {
    return this.#blocking(args, false) as Promise<Reply>;
  }

  /** {@linkcode Multiplexer.blocking} with the reply's RESP3 types kept, as by `sendTyped()`. */
  blockingTyped(...args: Arg[]): Promise<TypedReply> {
    return this.#blocking(args, true);
  }

  async #blocking(args: Arg[], typed: boolean): Promise<TypedReply> {
    const refused = modeChange(args, this.protover);
    if (refused !== undefined && !refused.blocking) throw new ModeError(refused.message);
    const bad = nonFinite(args);
    if (bad) throw bad;
    if (this.closed) return this.#queue(args, typed);
    const own = new Multiplexer(
      await openConnection(this.hostname, this.port),
      this.hostname,
      this.port,
    );
    this.#own.add(own);
    try {
      if (this.closed) await own.close();
      // The same protocol and database as the shared connection.
      if (this.protover === 3) await own.call([HELLO, 3]);
      if (this.#db !== 0) await own.call([SELECT, this.#db]);
      return await own.#queue(args, typed);
    } finally {
      this.#own.delete(own);
      await own.close();
    }
  }

  /** Queues a command without the mode check of {@linkcode Multiplexer.send} (typed commands). */
  protected call(args: Arg[]): Promise<Reply> {
    return this.#queue(args, false) as Promise<Reply>;
  }

  #queue(args: Arg[], typed: boolean): Promise<TypedReply> {
    if (this.#failure) return Promise.reject(new ConnectionError(this.#failure.message));
    if (this.#closing) {
      return Promise.reject(new ConnectionError(`client for ${this.address} is closed`));
    }
    const bad = nonFinite(args);
    if (bad) return Promise.reject(bad);
    if (typed) this.#typedPending++;
    return new Promise<TypedReply>((resolve, reject) => {
      this.#slots.push({ args, typed, resolve, reject });
      const wake = this.#wake;
      if (wake) {
        this.#wake = undefined;
        wake();
      }
    });
  }

  /** The manager: encodes everything queued into one buffer and writes it in one write. */
  async #manage(): Promise<void> {
    while (this.#failure === undefined) {
      if (this.#sent === this.#slots.length) {
        // Sleep until a call arrives; the wake-up runs as a microtask, after the calls made in
        // the same turn, so they all go out together. Nothing of the queue is held meanwhile.
        await new Promise<void>((r) => this.#wake = r);
        continue;
      }
      try {
        await writeAll(this.#conn, this.#encodeQueued());
      } catch (err) {
        this.#fail(`connection to ${this.address} lost: ${reason(err)}`);
      }
    }
  }

  /** Encodes the calls not yet written into the writer's buffer and hands it out. */
  #encodeQueued(): Uint8Array {
    const writer = this.#writer;
    const argBytes = this.#argBytes;
    const slots = this.#slots;
    const end = slots.length;
    for (let i = this.#sent; i < end; i++) {
      const slot = slots[i]!;
      writer.command(argBytes.prepare(slot.args!));
      slot.args = null;
    }
    this.#sent = end;
    return writer.take();
  }

  /** The reader: parses replies and settles the oldest slots in order. */
  async #read(): Promise<void> {
    const buf = new Uint8Array(READ_BUFFER);
    const parser = this.#parser;
    let why = "server closed the connection";
    try {
      while (this.#failure === undefined) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        parser.push(buf.subarray(0, n));
        let reply: TypedReply | undefined;
        while (
          (reply = this.#typedPending === 0 ? parser.next() : this.#nextMixed()) !== undefined
        ) {
          if (parser.isPush) {
            this.onPush?.((this.#typedPending === 0 ? reply : flatten(reply)) as Reply[]);
            continue;
          }
          if (this.#head === this.#sent) {
            why = "server sent a reply to no command";
            this.#fail(`connection to ${this.address} lost: ${why}`);
            return;
          }
          const slot = this.#slots[this.#head]!;
          this.#slots[this.#head++] = undefined;
          if (slot.typed) this.#typedPending--;
          if (reply instanceof ReplyError) slot.reject(new RedisError(reply.message));
          else slot.resolve(reply);
        }
        this.#settled();
      }
    } catch (err) {
      why = reason(err);
    }
    this.#fail(`connection to ${this.address} lost: ${why}`);
  }

  /** The next reply while typed calls are pending: typed when the oldest call wants it so. */
  #nextMixed(): TypedReply | undefined {
    const head = this.#head < this.#sent ? this.#slots[this.#head] : undefined;
    return head?.typed ? this.#parser.nextTyped() : this.#parser.next();
  }

  /** Drops finished slots from the front now and then, and tells `close()` when all are done. */
  #settled(): void {
    const head = this.#head;
    if (head === this.#slots.length) {
      this.#slots = [];
      this.#head = 0;
      this.#sent = 0;
      const drained = this.#drained;
      if (drained) {
        this.#drained = undefined;
        drained();
      }
    } else if (head >= COMPACT_AT && head * 2 >= this.#slots.length) {
      this.#slots = this.#slots.slice(head);
      this.#sent -= head;
      this.#head = 0;
    }
  }

  /** The connection is gone: reject everything in flight at once and stop both loops. */
  #fail(message: string): void {
    if (this.#failure) return;
    const err = new ConnectionError(message);
    this.#failure = err;
    const slots = this.#slots;
    const head = this.#head;
    this.#slots = [];
    this.#head = 0;
    this.#sent = 0;
    this.#typedPending = 0;
    for (let i = head; i < slots.length; i++) slots[i]!.reject(err);
    for (const own of this.#own) own.#fail(message);
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
    const drained = this.#drained;
    this.#drained = undefined;
    drained?.();
  }

  /**
   * Closes the connection after every call already made has its reply. Calls made after
   * `close()` reject with {@linkcode ConnectionError}. Safe to call more than once.
   *
   * With `timeoutMs`, waits at most that long for the replies: calls still without one then
   * reject with {@linkcode ConnectionError} and the connection is closed (a server that stopped
   * answering cannot hold `close()` forever).
   */
  async close(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      if (this.#failure === undefined && this.pending > 0) {
        const drained = new Promise<void>((r) => this.#drained = r);
        if (opts.timeoutMs === undefined) await drained;
        else await settleWithin(drained, opts.timeoutMs);
        if (this.#failure === undefined && this.pending > 0) {
          this.#fail(
            `client for ${this.address} closed after ${opts.timeoutMs} ms without every reply`,
          );
        }
      }
      this.#fail(`client for ${this.address} is closed`);
    }
    await Promise.all([this.#manager, this.#reader]);
  }

  /** Same as {@linkcode Multiplexer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Whether a command name is SELECT, in any case. */
function isSelect(cmd: Uint8Array | string): boolean {
  if (cmd.length !== 6) return false;
  return (typeof cmd === "string" ? cmd : decoder.decode(cmd)).toUpperCase() === "SELECT";
}
