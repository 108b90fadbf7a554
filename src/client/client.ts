// The message-passing Redis client. Many tasks want one connection; a mutex would serialise them,
// so one manager owns the connection: callers put commands on a queue, each with its own reply
// slot, the manager writes everything queued in one write per turn, and a reader resolves the
// slots in order as replies arrive. Pipelining comes for free.

/**
 * A Redis client on one TCP connection that any number of callers share.
 *
 * ```ts
 * import { connect } from "./client.ts";
 *
 * const client = await connect({ hostname: "127.0.0.1", port: 6379 });
 * await client.set("hello", "world");
 * console.log(await client.getString("hello")); // "world"
 * // Concurrent calls are pipelined over the same connection:
 * const n = await Promise.all([client.incr("hits"), client.incr("hits")]);
 * await client.close();
 * ```
 *
 * Values go in as `Uint8Array`, string (sent as UTF-8) or number (sent in decimal). Values come
 * back as bytes (`Uint8Array`) so binary data is never altered; the `...String` twins
 * ({@linkcode Client.getString}, {@linkcode Client.mgetString}) decode UTF-8 for text. Error
 * replies reject with {@linkcode RedisError}; a lost connection rejects every pending call with
 * {@linkcode ConnectionError}, and every later call fails at once with it.
 *
 * Commands that would change what the shared connection is (SUBSCRIBE and the rest of pub/sub,
 * MONITOR, blocking commands such as BLPOP or XREAD BLOCK, WAIT, RESET, QUIT, CLIENT REPLY) are
 * refused by {@linkcode Client.send} with a {@linkcode ModeError} naming the API to use:
 * {@linkcode Client.subscribe}, {@linkcode Client.psubscribe} and {@linkcode Client.blocking} run
 * them on a connection of their own. Once a caller has its reply the client keeps no reference
 * to it.
 *
 * @module
 */

import { type Reply, ReplyError, ReplyParser } from "../resp/reply_parser.ts";
import { RespWriter } from "../resp/writer.ts";
import { formatAddr } from "../net/listen.ts";
import { writeAll } from "../net/io.ts";
import {
  type Arg,
  ArgBytes,
  ConnectionError,
  type ConnectOptions,
  nonFinite,
  openConnection,
  reason,
  type SubscriptionLimits,
} from "./conn.ts";
import { Subscriber } from "./subscriber.ts";
import { modeChange, ModeError } from "./modes.ts";

export type { Reply };
export { ReplyError };
export {
  type Arg,
  ConnectionError,
  type ConnectOptions,
  RedisError,
  type SubscriptionLimits,
} from "./conn.ts";
export { Message, Subscriber } from "./subscriber.ts";
export { ModeError } from "./modes.ts";
import { RedisError } from "./conn.ts";

/** Options of {@linkcode Client.set}. */
export interface SetOptions {
  /** Expire after this many seconds. */
  ex?: number;
  /** Expire after this many milliseconds. */
  px?: number;
  /** Only set if the key does not exist. */
  nx?: boolean;
  /** Only set if the key exists. */
  xx?: boolean;
  /** Keep the key's time to live. */
  keepttl?: boolean;
}

/** A command waiting to be written (`args` set) or waiting for its reply (`args` null). */
interface Slot {
  args: Arg[] | null;
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Command names and options encoded once, so each call encodes only its own arguments. */
function name(s: string): Uint8Array {
  return encoder.encode(s);
}
const APPEND = name("APPEND");
const DBSIZE = name("DBSIZE");
const DECR = name("DECR");
const DECRBY = name("DECRBY");
const DEL = name("DEL");
const ECHO = name("ECHO");
const EX = name("EX");
const EXISTS = name("EXISTS");
const EXPIRE = name("EXPIRE");
const FLUSHDB = name("FLUSHDB");
const GET = name("GET");
const GETDEL = name("GETDEL");
const INCR = name("INCR");
const INCRBY = name("INCRBY");
const INFO = name("INFO");
const KEEPTTL = name("KEEPTTL");
const KEYS = name("KEYS");
const MGET = name("MGET");
const MSET = name("MSET");
const NX = name("NX");
const PERSIST = name("PERSIST");
const PEXPIRE = name("PEXPIRE");
const PING = name("PING");
const PTTL = name("PTTL");
const PUBLISH = name("PUBLISH");
const PX = name("PX");
const SELECT = name("SELECT");
const SET = name("SET");
const STRLEN = name("STRLEN");
const TTL = name("TTL");
const XX = name("XX");
/** Drop consumed slots from the front of the queue once this many have piled up. */
const COMPACT_AT = 4096;
const READ_BUFFER = 64 * 1024;

/** Connects to a Redis server (default 127.0.0.1:6379). */
export async function connect(opts: ConnectOptions = {}): Promise<Client> {
  const hostname = opts.hostname ?? "127.0.0.1";
  const port = opts.port ?? 6379;
  return new Client(await openConnection(hostname, port), hostname, port, opts.subscriptions);
}

/**
 * One connection, one manager, any number of callers. Create it with {@linkcode connect}.
 * Calls may be made concurrently; their replies arrive in the order the calls were made.
 */
export class Client implements AsyncDisposable {
  /** The server's host, as given to {@linkcode connect}. */
  readonly hostname: string;
  /** The server's port. */
  readonly port: number;
  readonly #conn: Deno.TcpConn;
  readonly #writer = new RespWriter();
  readonly #argBytes = new ArgBytes();
  readonly #parser = new ReplyParser();
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
  readonly #limits: SubscriptionLimits | undefined;
  /** The database SELECTed through {@linkcode Client.send}, for {@linkcode Client.blocking}. */
  #db: Arg = 0;
  /** Connections of {@linkcode Client.blocking} calls still waiting; `close()` closes them. */
  readonly #own = new Set<Client>();

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
    this.#limits = subscriptions;
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
   * {@linkcode Client.psubscribe}, run blocking commands with {@linkcode Client.blocking}.
   * A NaN or infinite number argument rejects with `RangeError`.
   */
  send(...args: Arg[]): Promise<Reply> {
    const refused = modeChange(args);
    if (refused !== undefined) return Promise.reject(new ModeError(refused.message));
    const reply = this.#call(args);
    if (typeof args[0] !== "number" && args.length === 2 && isSelect(args[0]!)) {
      const db = args[1]!;
      reply.then(() => this.#db = db, () => {});
    }
    return reply;
  }

  /**
   * Runs a command that blocks (BLPOP, BRPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, WAIT...) on a
   * connection of its own, opened for the call and closed after its reply, in the database last
   * SELECTed through {@linkcode Client.send}; the shared connection is never held. Other
   * commands are refused as by `send()`. `close()` ends calls still blocked with
   * {@linkcode ConnectionError}.
   */
  async blocking(...args: Arg[]): Promise<Reply> {
    const refused = modeChange(args);
    if (refused !== undefined && !refused.blocking) throw new ModeError(refused.message);
    const bad = nonFinite(args);
    if (bad) throw bad;
    if (this.closed) return this.#call(args);
    const own = await connect({ hostname: this.hostname, port: this.port });
    this.#own.add(own);
    try {
      if (this.closed) await own.close();
      if (this.#db !== 0) await own.#call([SELECT, this.#db]);
      return await own.#call(args);
    } finally {
      this.#own.delete(own);
      await own.close();
    }
  }

  #call(args: Arg[]): Promise<Reply> {
    if (this.#failure) return Promise.reject(new ConnectionError(this.#failure.message));
    if (this.#closing) {
      return Promise.reject(new ConnectionError(`client for ${this.address} is closed`));
    }
    const bad = nonFinite(args);
    if (bad) return Promise.reject(bad);
    return new Promise<Reply>((resolve, reject) => {
      this.#slots.push({ args, resolve, reject });
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
        let reply: Reply | undefined;
        while ((reply = parser.next()) !== undefined) {
          if (this.#head === this.#sent) {
            why = "server sent a reply to no command";
            this.#fail(`connection to ${this.address} lost: ${why}`);
            return;
          }
          const slot = this.#slots[this.#head]!;
          this.#slots[this.#head++] = undefined;
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
        let timer: ReturnType<typeof setTimeout> | undefined;
        const drained = new Promise<void>((r) => this.#drained = r);
        const timedOut = opts.timeoutMs === undefined
          ? drained
          : new Promise<void>((r) => timer = setTimeout(r, opts.timeoutMs));
        await Promise.race([drained, timedOut]);
        clearTimeout(timer);
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

  /** Same as {@linkcode Client.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- typed commands ----

  /** PING: `PONG`. */
  ping(): Promise<string> {
    return this.#call([PING]) as Promise<string>;
  }

  /** ECHO: the message back, as bytes. */
  echo(message: Arg): Promise<Uint8Array> {
    return this.#call([ECHO, message]) as Promise<Uint8Array>;
  }

  /** GET: the value as bytes, or `null` when the key does not exist. */
  get(key: Arg): Promise<Uint8Array | null> {
    return this.#call([GET, key]) as Promise<Uint8Array | null>;
  }

  /** GET, decoding the value as UTF-8 text. */
  getString(key: Arg): Promise<string | null> {
    return this.#call([GET, key]).then(toStringOrNull);
  }

  /**
   * SET with EX/PX/NX/XX/KEEPTTL: `true` when the value was stored, `false` when NX or XX
   * prevented it.
   */
  set(key: Arg, value: Arg, opts: SetOptions = {}): Promise<boolean> {
    const args: Arg[] = [SET, key, value];
    if (opts.ex !== undefined) args.push(EX, opts.ex);
    if (opts.px !== undefined) args.push(PX, opts.px);
    if (opts.nx) args.push(NX);
    if (opts.xx) args.push(XX);
    if (opts.keepttl) args.push(KEEPTTL);
    return this.#call(args).then((r) => r !== null);
  }

  /** GETDEL: the value (bytes) and deletes the key, or `null`. */
  getdel(key: Arg): Promise<Uint8Array | null> {
    return this.#call([GETDEL, key]) as Promise<Uint8Array | null>;
  }

  /** MGET: each key's value as bytes, `null` for missing keys. */
  mget(...keys: Arg[]): Promise<Array<Uint8Array | null>> {
    return this.#call([MGET, ...keys]) as Promise<Array<Uint8Array | null>>;
  }

  /** MGET, decoding each value as UTF-8 text. */
  mgetString(...keys: Arg[]): Promise<Array<string | null>> {
    return this.#call([MGET, ...keys]).then((r) => (r as Reply[]).map(toStringOrNull));
  }

  /** MSET from an object's entries or `[key, value]` pairs. */
  async mset(entries: Record<string, Arg> | Array<[Arg, Arg]>): Promise<void> {
    const pairs = Array.isArray(entries) ? entries : Object.entries(entries);
    await this.#call([MSET, ...pairs.flat()]);
  }

  /** DEL: how many of the keys existed. */
  del(...keys: Arg[]): Promise<number> {
    return this.#call([DEL, ...keys]) as Promise<number>;
  }

  /** EXISTS: how many of the keys exist (a key named twice counts twice). */
  exists(...keys: Arg[]): Promise<number> {
    return this.#call([EXISTS, ...keys]) as Promise<number>;
  }

  /** INCR: the new value. */
  incr(key: Arg): Promise<number> {
    return this.#call([INCR, key]) as Promise<number>;
  }

  /** INCRBY: the new value. */
  incrby(key: Arg, by: number): Promise<number> {
    return this.#call([INCRBY, key, by]) as Promise<number>;
  }

  /** DECR: the new value. */
  decr(key: Arg): Promise<number> {
    return this.#call([DECR, key]) as Promise<number>;
  }

  /** DECRBY: the new value. */
  decrby(key: Arg, by: number): Promise<number> {
    return this.#call([DECRBY, key, by]) as Promise<number>;
  }

  /** APPEND: the value's new length. */
  append(key: Arg, value: Arg): Promise<number> {
    return this.#call([APPEND, key, value]) as Promise<number>;
  }

  /** STRLEN: the value's length in bytes (0 for a missing key). */
  strlen(key: Arg): Promise<number> {
    return this.#call([STRLEN, key]) as Promise<number>;
  }

  /** EXPIRE: whether the timeout was set. */
  expire(key: Arg, seconds: number): Promise<boolean> {
    return this.#call([EXPIRE, key, seconds]).then((r) => r === 1);
  }

  /** PEXPIRE: whether the timeout was set. */
  pexpire(key: Arg, ms: number): Promise<boolean> {
    return this.#call([PEXPIRE, key, ms]).then((r) => r === 1);
  }

  /** PERSIST: whether a timeout was removed. */
  persist(key: Arg): Promise<boolean> {
    return this.#call([PERSIST, key]).then((r) => r === 1);
  }

  /** TTL in seconds; -1 without a timeout, -2 for a missing key. */
  ttl(key: Arg): Promise<number> {
    return this.#call([TTL, key]) as Promise<number>;
  }

  /** PTTL in milliseconds; -1 without a timeout, -2 for a missing key. */
  pttl(key: Arg): Promise<number> {
    return this.#call([PTTL, key]) as Promise<number>;
  }

  /** KEYS matching a glob pattern, as bytes. */
  keys(pattern: Arg): Promise<Uint8Array[]> {
    return this.#call([KEYS, pattern]) as Promise<Uint8Array[]>;
  }

  /** DBSIZE: the number of keys. */
  dbsize(): Promise<number> {
    return this.#call([DBSIZE]) as Promise<number>;
  }

  /** FLUSHDB: removes every key of the current database. */
  async flushdb(): Promise<void> {
    await this.#call([FLUSHDB]);
  }

  /** PUBLISH: how many subscribers received the message. */
  publish(channel: Arg, message: Arg): Promise<number> {
    return this.#call([PUBLISH, channel, message]) as Promise<number>;
  }

  /** INFO, as text. */
  info(section?: string): Promise<string> {
    const args: Arg[] = section === undefined ? [INFO] : [INFO, section];
    return this.#call(args).then(toStringOrNull) as Promise<string>;
  }

  /**
   * Subscribes to channels on a new, dedicated connection (a subscribed connection can run no
   * other commands). Iterate the result for messages; see {@linkcode Subscriber}.
   */
  async subscribe(...channels: Arg[]): Promise<Subscriber> {
    const sub = await this.#subscriber();
    try {
      await sub.subscribe(...channels);
    } catch (err) {
      await sub.close();
      throw err;
    }
    return sub;
  }

  /** Subscribes to glob patterns on a new, dedicated connection; see {@linkcode Subscriber}. */
  async psubscribe(...patterns: Arg[]): Promise<Subscriber> {
    const sub = await this.#subscriber();
    try {
      await sub.psubscribe(...patterns);
    } catch (err) {
      await sub.close();
      throw err;
    }
    return sub;
  }

  #subscriber(): Promise<Subscriber> {
    return Subscriber.connect({
      hostname: this.hostname,
      port: this.port,
      subscriptions: this.#limits,
    });
  }
}

/** Whether a command name is SELECT, in any case. */
function isSelect(cmd: Uint8Array | string): boolean {
  if (cmd.length !== 6) return false;
  return (typeof cmd === "string" ? cmd : decoder.decode(cmd)).toUpperCase() === "SELECT";
}

/** Bulk bytes to UTF-8 text; simple strings stay, nil stays null. */
function toStringOrNull(r: Reply): string | null {
  if (r === null) return null;
  if (r instanceof Uint8Array) return decoder.decode(r);
  return String(r);
}
