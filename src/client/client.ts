// The Redis client library's front door: connect(), a typed method per common command, and
// subscriptions. Underneath, every call goes through one shared connection by message passing
// (multiplexer.ts): a queue of commands, each with its own reply slot, one manager that writes
// and one reader that resolves the slots in order. Pipelining comes for free.

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

import { type Reply, ReplyError } from "../resp/reply_parser.ts";
import { StreamCommands } from "./stream_commands.ts";
import { type Arg, type ConnectOptions, openConnection } from "./conn.ts";
import { Subscriber } from "./subscriber.ts";

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
export {
  entryText,
  StreamCommands,
  type StreamEntry,
  type StreamIds,
  type StreamRead,
  type XAddOptions,
  type XReadOptions,
} from "./stream_commands.ts";

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
const SET = name("SET");
const STRLEN = name("STRLEN");
const TTL = name("TTL");
const XX = name("XX");

/** Connects to a Redis server (default 127.0.0.1:6379). */
export async function connect(opts: ConnectOptions = {}): Promise<Client> {
  const hostname = opts.hostname ?? "127.0.0.1";
  const port = opts.port ?? 6379;
  const client = new Client(
    await openConnection(hostname, port),
    hostname,
    port,
    opts.subscriptions,
  );
  if (opts.resp === 3) {
    try {
      await Client.handshake(client, 3);
    } catch (err) {
      await client.close();
      throw err;
    }
  }
  return client;
}

/**
 * The client: the shared connection (multiplexer.ts) with a typed method per common
 * command (the stream ones from {@linkcode StreamCommands}), and subscriptions on connections of
 * their own. Create it with {@linkcode connect}.
 */
export class Client extends StreamCommands {
  /**
   * Says `HELLO protover` on a new connection, before any other command (what
   * `connect({ resp: 3 })` does; `send()` refuses HELLO 3 later, when callers share the
   * connection).
   */
  static async handshake(client: Client, protover: 2 | 3): Promise<void> {
    await client.call(["HELLO", String(protover)]);
    client.protover = protover;
  }

  // ---- typed commands ----

  /** PING: `PONG`. */
  ping(): Promise<string> {
    return this.call([PING]) as Promise<string>;
  }

  /** ECHO: the message back, as bytes. */
  echo(message: Arg): Promise<Uint8Array> {
    return this.call([ECHO, message]) as Promise<Uint8Array>;
  }

  /** GET: the value as bytes, or `null` when the key does not exist. */
  get(key: Arg): Promise<Uint8Array | null> {
    return this.call([GET, key]) as Promise<Uint8Array | null>;
  }

  /** GET, decoding the value as UTF-8 text. */
  getString(key: Arg): Promise<string | null> {
    return this.call([GET, key]).then(toStringOrNull);
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
    return this.call(args).then((r) => r !== null);
  }

  /** GETDEL: the value (bytes) and deletes the key, or `null`. */
  getdel(key: Arg): Promise<Uint8Array | null> {
    return this.call([GETDEL, key]) as Promise<Uint8Array | null>;
  }

  /** MGET: each key's value as bytes, `null` for missing keys. */
  mget(...keys: Arg[]): Promise<Array<Uint8Array | null>> {
    return this.call([MGET, ...keys]) as Promise<Array<Uint8Array | null>>;
  }

  /** MGET, decoding each value as UTF-8 text. */
  mgetString(...keys: Arg[]): Promise<Array<string | null>> {
    return this.call([MGET, ...keys]).then((r) => (r as Reply[]).map(toStringOrNull));
  }

  /** MSET from an object's entries or `[key, value]` pairs. */
  async mset(entries: Record<string, Arg> | Array<[Arg, Arg]>): Promise<void> {
    const pairs = Array.isArray(entries) ? entries : Object.entries(entries);
    await this.call([MSET, ...pairs.flat()]);
  }

  /** DEL: how many of the keys existed. */
  del(...keys: Arg[]): Promise<number> {
    return this.call([DEL, ...keys]) as Promise<number>;
  }

  /** EXISTS: how many of the keys exist (a key named twice counts twice). */
  exists(...keys: Arg[]): Promise<number> {
    return this.call([EXISTS, ...keys]) as Promise<number>;
  }

  /** INCR: the new value. */
  incr(key: Arg): Promise<number> {
    return this.call([INCR, key]) as Promise<number>;
  }

  /** INCRBY: the new value. */
  incrby(key: Arg, by: number): Promise<number> {
    return this.call([INCRBY, key, by]) as Promise<number>;
  }

  /** DECR: the new value. */
  decr(key: Arg): Promise<number> {
    return this.call([DECR, key]) as Promise<number>;
  }

  /** DECRBY: the new value. */
  decrby(key: Arg, by: number): Promise<number> {
    return this.call([DECRBY, key, by]) as Promise<number>;
  }

  /** APPEND: the value's new length. */
  append(key: Arg, value: Arg): Promise<number> {
    return this.call([APPEND, key, value]) as Promise<number>;
  }

  /** STRLEN: the value's length in bytes (0 for a missing key). */
  strlen(key: Arg): Promise<number> {
    return this.call([STRLEN, key]) as Promise<number>;
  }

  /** EXPIRE: whether the timeout was set. */
  expire(key: Arg, seconds: number): Promise<boolean> {
    return this.call([EXPIRE, key, seconds]).then((r) => r === 1);
  }

  /** PEXPIRE: whether the timeout was set. */
  pexpire(key: Arg, ms: number): Promise<boolean> {
    return this.call([PEXPIRE, key, ms]).then((r) => r === 1);
  }

  /** PERSIST: whether a timeout was removed. */
  persist(key: Arg): Promise<boolean> {
    return this.call([PERSIST, key]).then((r) => r === 1);
  }

  /** TTL in seconds; -1 without a timeout, -2 for a missing key. */
  ttl(key: Arg): Promise<number> {
    return this.call([TTL, key]) as Promise<number>;
  }

  /** PTTL in milliseconds; -1 without a timeout, -2 for a missing key. */
  pttl(key: Arg): Promise<number> {
    return this.call([PTTL, key]) as Promise<number>;
  }

  /** KEYS matching a glob pattern, as bytes. */
  keys(pattern: Arg): Promise<Uint8Array[]> {
    return this.call([KEYS, pattern]) as Promise<Uint8Array[]>;
  }

  /** DBSIZE: the number of keys. */
  dbsize(): Promise<number> {
    return this.call([DBSIZE]) as Promise<number>;
  }

  /** FLUSHDB: removes every key of the current database. */
  async flushdb(): Promise<void> {
    await this.call([FLUSHDB]);
  }

  /** PUBLISH: how many subscribers received the message. */
  publish(channel: Arg, message: Arg): Promise<number> {
    return this.call([PUBLISH, channel, message]) as Promise<number>;
  }

  /** INFO, as text. */
  info(section?: string): Promise<string> {
    const args: Arg[] = section === undefined ? [INFO] : [INFO, section];
    return this.call(args).then(toStringOrNull) as Promise<string>;
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
      subscriptions: this.limits,
    });
  }
}

/** Bulk bytes to UTF-8 text; simple strings stay, nil stays null. */
function toStringOrNull(r: Reply): string | null {
  if (r === null) return null;
  if (r instanceof Uint8Array) return decoder.decode(r);
  return String(r);
}
