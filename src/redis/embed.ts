/**
 * tokserver's Redis server as a test dependency (`@tokserver/tokserver/redis`): start one in the
 * same process on a free port in about a millisecond, read and write its data without a socket,
 * move the clock its expiry follows, inject faults, and see the commands it received. Clients
 * (ioredis, node-redis, tokserver's own) connect to {@linkcode RedisHandle.url} as to any Redis.
 * docs/testing.md has the guide, and the TOKSERVER command that does the same from any language.
 *
 * @example Start, use, stop
 * ```ts
 * import { startRedis } from "@tokserver/tokserver/redis";
 *
 * await using redis = await startRedis();
 * redis.db(0).set("greeting", "hello");
 * console.log(redis.url, redis.db(0).get("greeting")); // redis://127.0.0.1:PORT hello
 * ```
 *
 * @module
 */

import { stderrLogger } from "../net/log.ts";
import { listen } from "../net/listen.ts";
import { serveUntilClosed, TcpServer } from "../net/server.ts";
import { parseFlags } from "../flags/flags.ts";
import { REDIS_FLAGS, type RedisOptions, redisOptions } from "./options.ts";
import { acceptHooks, createRedisServer, stopRedisServer } from "./server/server.ts";
import { Clock } from "./store/clock.ts";
import type { ReceivedCommand } from "./store/faults.ts";
import { type Db, keyOf, toStored } from "./store/db.ts";
import { globMatch } from "./store/glob.ts";
import { typeName } from "./commands/keys.ts";

export type { ReceivedCommand, RedisOptions };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What {@linkcode startRedis} takes: any server option (`tokserver redis`'s flags), and more. */
export interface StartRedisOptions extends Partial<RedisOptions> {
  /** Record the commands received ({@linkcode RedisHandle.commands}). Default true. */
  record?: boolean;
  /** Freeze the clock at this time (a Date or ms since the epoch) before the server starts. */
  frozenAt?: Date | number;
}

/**
 * The clock the server's expiry, TTL/PTTL, TIME, the active expiry sweep and the keyspace
 * `expired` notifications follow. It runs with the wall clock until told otherwise. Moving it
 * (advance, set) removes the keys whose time has passed at once, announcing each `expired`.
 *
 * @example Expiry without sleeping
 * ```ts
 * import { startRedis } from "@tokserver/tokserver/redis";
 *
 * await using redis = await startRedis();
 * redis.clock.freeze();
 * redis.db(0).set("session", "x", { ttlMs: 60_000 });
 * redis.clock.advance(59_999);
 * console.assert(redis.db(0).pttl("session") === 1);
 * redis.clock.advance(1);
 * console.assert(redis.db(0).get("session") === undefined);
 * ```
 */
export interface RedisClock {
  /** The time the server sees, in ms since the epoch. */
  now(): number;
  /** Whether the clock stands still. */
  readonly frozen: boolean;
  /** Stops the clock at the time it shows. */
  freeze(): void;
  /** Lets a frozen clock run again, on from the time it shows. */
  resume(): void;
  /** Goes back to the wall clock (running, not shifted). */
  reset(): void;
  /** Moves the clock `ms` milliseconds forward; expired keys go at once. */
  advance(ms: number): void;
  /** Sets the time shown (a running clock runs on from it); expired keys go at once. */
  set(time: Date | number): void;
}

/** How often an injected fault applies. */
export interface FaultOptions {
  /** Calls it affects; default: every call until {@linkcode RedisFaults.clear}. */
  times?: number;
}

/**
 * Faults the server injects, as a failing or slow Redis would show them to a client.
 * Matching is by command name (`get`, `set`, `client` for every CLIENT subcommand).
 *
 * @example A command that fails
 * ```ts
 * import { startRedis } from "@tokserver/tokserver/redis";
 *
 * await using redis = await startRedis();
 * redis.faults.error("get", "ERR disk on fire", { times: 1 });
 * const conn = await Deno.connect({ port: redis.port });
 * await conn.write(new TextEncoder().encode("GET k\r\n"));
 * const buf = new Uint8Array(64);
 * const n = await conn.read(buf);
 * console.assert(new TextDecoder().decode(buf.subarray(0, n!)) === "-ERR disk on fire\r\n");
 * conn.close();
 * ```
 */
export interface RedisFaults {
  /** Replies to `command` with the error `message` (e.g. `ERR boom`) instead of running it. */
  error(command: string, message: string, opts?: FaultOptions): void;
  /** Runs `command` but holds its reply (and what follows on that connection) `ms` ms. */
  delay(command: string, ms: number, opts?: FaultOptions): void;
  /** Runs `command` but never sends its reply (the client times out). */
  drop(command: string, opts?: FaultOptions): void;
  /** Closes the next `n` connections as soon as they are accepted. */
  refuseConnections(n: number): void;
  /** Closes the connection that gets the `n`th reply from now, right after that reply. */
  closeAfterReplies(n: number): void;
  /** Closes every client connection now (as a server restart would). */
  disconnectAll(): void;
  /** Disarms every fault. */
  clear(): void;
}

/** How {@linkcode RedisDb.set} stores a value. */
export interface SetOptions {
  /** Time to live in ms from the server clock's now; default none. */
  ttlMs?: number;
}

/**
 * One database of the server, read and written directly (no socket, no command). Keys and
 * string values are UTF-8 text. Reads do not count in INFO's hits and misses; an expired key
 * is removed when read, as Redis does. Writes reach WATCH, client-side caching and the
 * append-only file like a SET or DEL would, but publish no keyspace notification.
 *
 * @example
 * ```ts
 * import { startRedis } from "@tokserver/tokserver/redis";
 *
 * await using redis = await startRedis();
 * const db = redis.db(3);
 * db.set("user:1", "ada");
 * console.assert(db.keys("user:*").length === 1 && db.type("user:1") === "string");
 * ```
 */
export interface RedisDb {
  /** The database index (SELECT's number). */
  readonly index: number;
  /** Keys stored (DBSIZE). */
  readonly size: number;
  /** A string value as text; undefined for a missing key; a TypeError for other types. */
  get(key: string): string | undefined;
  /** A string value as bytes; undefined for a missing key; a TypeError for other types. */
  getBytes(key: string): Uint8Array | undefined;
  /** Stores a string value (and clears or sets its time to live). */
  set(key: string, value: string | Uint8Array, opts?: SetOptions): void;
  /** Deletes a key; true if it existed. */
  del(key: string): boolean;
  /** Whether a key exists. */
  exists(key: string): boolean;
  /** The live keys matching a glob `pattern` (KEYS's syntax), default every key. */
  keys(pattern?: string): string[];
  /** TYPE's answer: `string`, ..., or `none`. */
  type(key: string): string;
  /** TTL's answer in seconds: -2 without the key, -1 without a time to live. */
  ttl(key: string): number;
  /** PTTL's answer in ms: -2 without the key, -1 without a time to live. */
  pttl(key: string): number;
  /** Removes every key of this database (FLUSHDB). */
  flush(): void;
}

/**
 * A Redis server running in this process. Stop it with {@linkcode RedisHandle.close}, or let
 * `await using` do it.
 */
export interface RedisHandle extends AsyncDisposable {
  /** The address clients connect to, `redis://host:port`. */
  readonly url: string;
  /** The host it listens on (127.0.0.1 by default). */
  readonly host: string;
  /** The port it listens on (a free one with the default `port: 0`). */
  readonly port: number;
  /** The options it runs with. */
  readonly options: Readonly<RedisOptions>;
  /** The clock its expiry follows. */
  readonly clock: RedisClock;
  /** Fault injection. */
  readonly faults: RedisFaults;
  /** Clients connected now. */
  readonly clientCount: number;
  /** Database `index` (0 by default), for direct reads and writes. */
  db(index?: number): RedisDb;
  /** Removes every key of every database (FLUSHALL). */
  flushAll(): void;
  /** Commands received since the start or the last {@linkcode clearCommands}, oldest first. */
  readonly commands: readonly ReceivedCommand[];
  /** Forgets the commands recorded so far. */
  clearCommands(): void;
  /** Starts the server's random picks (RANDOMKEY) over from `seed`. */
  seed(seed: number): void;
  /** Stops the server: closes every connection and the listener. Safe to call twice. */
  close(): Promise<void>;
}

let defaults: RedisOptions | undefined;

/** `tokserver redis`'s defaults, with port 0 and quiet logs. */
function defaultOptions(): RedisOptions {
  defaults ??= { ...redisOptions(parseFlags([], REDIS_FLAGS).flags), port: 0, quiet: true };
  return defaults;
}

/**
 * Starts a Redis server in this process, listening on `options.port` (default 0: a free port)
 * of `options.host` (default 127.0.0.1), and resolves once it accepts connections. Every
 * `tokserver redis` option may be given (`requirepass`, `databases`, `notifyKeyspaceEvents`,
 * `appendonly`...); TOKSERVER commands are served unless `enableTestCommands: false`, and the
 * event loop does not busy-poll (`busyPoll: 0`) unless given a window.
 *
 * @throws {Error} when an option is refused or the port cannot be bound.
 *
 * @example
 * ```ts
 * import { startRedis } from "@tokserver/tokserver/redis";
 *
 * const redis = await startRedis({ databases: 4, notifyKeyspaceEvents: "Ex" });
 * try {
 *   console.log(`connect to ${redis.url}`);
 * } finally {
 *   await redis.close();
 * }
 * ```
 */
export function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle> {
  try {
    return Promise.resolve(start(options));
  } catch (err) {
    return Promise.reject(err);
  }
}

function start(options: StartRedisOptions): RedisHandle {
  const { record = true, frozenAt, ...given } = options;
  // The server shares this process's event loop with its clients: polling would only delay
  // them (src/net/busy_poll.ts), so it is off unless asked for.
  const opts: RedisOptions = { ...defaultOptions(), enableTestCommands: true, busyPoll: 0 };
  for (const [k, v] of Object.entries(given)) {
    if (v !== undefined) (opts as unknown as Record<string, unknown>)[k] = v;
  }
  const clock = new Clock();
  if (frozenAt !== undefined) {
    clock.freeze();
    clock.set(frozenAt);
  }
  const log = stderrLogger(opts.quiet);
  const server = createRedisServer(opts, log, clock);
  if ("error" in server) throw new Error(server.error);
  server.faults.recording = record;
  if (!server.persistence.load()) throw new Error("tokserver redis: the append-only file failed");
  const listener = listen(opts.host, opts.port);
  const tcp = new TcpServer({ listener, log, ...acceptHooks(server) });
  server.port = tcp.port;
  server.start();
  server.persistence.start(() => void tcp.shutdown());
  const close = serveUntilClosed(tcp, () => stopRedisServer(server));
  const dbs = new Map<number, RedisDb>();
  const propagate = (args: Uint8Array[], db: number) => server.propagate(args, db);
  const faults = server.faults;
  const host = opts.host;
  const handle: RedisHandle = {
    url: `redis://${host.includes(":") ? `[${host}]` : host}:${tcp.port}`,
    host,
    port: tcp.port,
    options: opts,
    clock,
    faults: {
      error: (command, message, o) =>
        faults.add({ command, kind: "error", times: o?.times ?? Infinity, message }),
      delay: (command, ms, o) =>
        faults.add({ command, kind: "delay", times: o?.times ?? Infinity, ms }),
      drop: (command, o) => faults.add({ command, kind: "drop", times: o?.times ?? Infinity }),
      refuseConnections: (n) => faults.refuseConnections(n),
      closeAfterReplies: (n) => faults.closeAfterReplies(n),
      disconnectAll: () => {
        for (const c of server.clients.values()) c.kill();
      },
      clear: () => faults.clear(),
    },
    get clientCount() {
      return server.clients.size;
    },
    db(index = 0) {
      if (!Number.isInteger(index) || index < 0 || index >= server.dbs.count) {
        throw new RangeError(`database ${index} out of range (0..${server.dbs.count - 1})`);
      }
      let d = dbs.get(index);
      if (d === undefined) dbs.set(index, d = dbView(server.dbs.get(index), propagate));
      return d;
    },
    flushAll() {
      server.dbs.flushAll();
      server.propagate([encoder.encode("FLUSHALL")], 0);
    },
    get commands() {
      return faults.received;
    },
    clearCommands: () => faults.clearReceived(),
    seed: (seed) => server.random.seed(seed),
    close,
    [Symbol.asyncDispose]: close,
  };
  return handle;
}

/** Direct access to `db`; writes are propagated (the append-only file) as SET/DEL would be. */
function dbView(db: Db, propagate: (args: Uint8Array[], db: number) => void): RedisDb {
  const k = (key: string) => keyOf(encoder.encode(key));
  const bytes = (s: string) => encoder.encode(s);
  const pttl = (key: string): number => {
    const name = k(key);
    if (!db.has(name)) return -2;
    const at = db.expireAt(name);
    return at === undefined ? -1 : Math.max(0, Number(at) - db.now());
  };
  /**
   * A copy of a string key's bytes (the stored ones may change in place or be released once
   * replaced); a TypeError for a key of another type, as WRONGTYPE would be.
   */
  const stringAt = (key: string): Uint8Array | undefined => {
    const v = db.peek(k(key));
    if (v === undefined) return v;
    if (v instanceof Uint8Array) return v.slice();
    throw new TypeError(`${key} holds a ${typeName(v)}, not a string`);
  };
  return {
    index: db.index,
    get size() {
      return db.size;
    },
    getBytes: (key) => stringAt(key),
    get(key) {
      const v = stringAt(key);
      return v === undefined ? undefined : decoder.decode(v);
    },
    set(key, value, opts) {
      const v = typeof value === "string" ? encoder.encode(value) : value;
      const at = opts?.ttlMs === undefined ? undefined : db.now() + opts.ttlMs;
      db.set(k(key), toStored(v), at);
      const args = [bytes("SET"), bytes(key), v];
      if (at !== undefined) args.push(bytes("PXAT"), bytes(String(at)));
      propagate(args, db.index);
    },
    del(key) {
      const gone = db.delete(k(key));
      if (gone) propagate([bytes("DEL"), bytes(key)], db.index);
      return gone;
    },
    exists: (key) => db.has(k(key)),
    keys(pattern = "*") {
      const out: string[] = [];
      for (const name of db.keys()) {
        const text = decoder.decode(Uint8Array.from(name, (ch) => ch.charCodeAt(0)));
        if (pattern === "*" || globMatch(pattern, text)) out.push(text);
      }
      return out;
    },
    type(key) {
      const v = db.peekStored(k(key));
      return v === undefined ? "none" : typeName(v);
    },
    ttl(key) {
      const ms = pttl(key);
      return ms < 0 ? ms : Math.round(ms / 1000);
    },
    pttl,
    flush() {
      db.flush();
      propagate([bytes("FLUSHDB")], db.index);
    },
  };
}
