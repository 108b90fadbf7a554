// `tokserver redis`: the mini-redis server. One RedisServer holds what every connection shares
// (the keyspace, pub/sub, the command table, stats, the propagation hook) and runs the background
// jobs: the active expiry sweep every 100 ms, and once a second the ops/s sample and idle
// timeouts. The accept loop, client limit and graceful shutdown come from src/net.

import denoJson from "../../../deno.json" with { type: "json" };
import { type Logger, stderrLogger } from "../../net/log.ts";
import { runServer } from "../../net/run.ts";
import {
  closeQuietly,
  type Connection,
  type ServerOptions,
  type TcpServer,
} from "../../net/server.ts";
import { Persistence } from "../aof/persistence.ts";
import { OutputPool } from "../../resp/writer.ts";
import type { Command, Server, ServerConfig, ServerStats } from "../commands/types.ts";
import { buildCommandTable, FAMILIES } from "./command_table.ts";
import { CommandLookup } from "./dispatch.ts";
import { RedisConnection } from "./socket_loop.ts";
import { type Db, keyBytes } from "../store/db.ts";
import { Databases } from "../store/databases.ts";
import { KeyspaceEvents } from "../store/notify.ts";
import { parseEventClasses } from "../store/notify_classes.ts";
import { type OutputLimit, parseOutputLimit, type RedisOptions } from "../options.ts";
import { PubSub } from "../store/pubsub.ts";
import { Tracking } from "../store/tracking.ts";
import { protectedModeRefusal } from "./protected_mode.ts";
import { discardTransaction } from "../commands/transactions.ts";
import { Clock } from "../store/clock.ts";
import { BlockedKeys } from "../store/blocking.ts";
import { Random } from "../store/random.ts";
import { Faults } from "../store/faults.ts";
import { TEST_COMMANDS } from "../commands/testing.ts";
import { busyScript } from "../scripting/busy.ts";
import { BusyPoll } from "../../net/busy_poll.ts";

const DEL = new TextEncoder().encode("DEL");

function freshStats(): ServerStats {
  return {
    connectionsReceived: 0,
    rejectedConnections: 0,
    commandsProcessed: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
    errorReplies: 0,
    unexpectedErrorReplies: 0,
    pubsubClientsDropped: 0,
    readsProcessed: 0,
    writesProcessed: 0,
  };
}

/** Receives every dataset change: the arguments to replay and the database index. */
export type PropagateHook = (args: Uint8Array[], db: number) => void;

/** The state every connection of one server shares. */
export class RedisServer implements Server {
  readonly options: RedisOptions;
  readonly config: ServerConfig;
  readonly version: string = denoJson.version;
  readonly runId: string;
  readonly dbs: Databases;
  /** Clients blocked on list keys. */
  readonly blocked: BlockedKeys;
  readonly pubsub: PubSub = new PubSub();
  readonly events: KeyspaceEvents;
  readonly tracking: Tracking = new Tracking((id) => this.clients.get(id));
  readonly clients: Map<number, RedisConnection> = new Map();
  readonly clock: Clock;
  readonly random: Random;
  readonly faults: Faults = new Faults();
  stats: ServerStats = freshStats();
  readonly startTime: number = Date.now();
  port = 0;
  readonly commands: Map<string, Command>;
  /** Output buffers lent to connections while they write. */
  readonly outputPool: OutputPool = new OutputPool();
  /** Polls the sockets a little longer after each read (--busy-poll). */
  readonly busyPoll: BusyPoll;
  readonly lookup: CommandLookup;
  readonly log: Logger;
  readonly verbose: boolean;
  readonly persistence: Persistence;
  memoryPeak = 0;
  opsPerSec = 0;
  propagateBatch: [args: Uint8Array[], db: number][] | undefined;
  readonly #propagateHooks: PropagateHook[] = [];
  #flushQueue: RedisConnection[] = [];
  #timers: ReturnType<typeof setInterval>[] = [];
  #lastOps = 0;
  #nextFd = 8;
  readonly #freeFds: number[] = [];

  /** `clock`: the one every database, TIME and the sweep read (a wall clock by default). */
  constructor(options: RedisOptions, pubsubLimit: OutputLimit, log: Logger, clock = new Clock()) {
    this.options = options;
    this.clock = clock;
    this.random = new Random(options.randomSeed);
    // A jump of the clock runs a full expiry sweep at once, as the 100 ms one would find.
    clock.onJump(() => this.dbs.sweep(Infinity, Infinity));
    this.config = {
      timeout: options.timeout,
      pubsubLimit,
      parserLimits: {
        maxBulkLen: options.protoMaxBulkLen,
        maxQueryBuffer: options.clientQueryBufferLimit,
      },
    };
    this.log = log;
    this.verbose = options.verbose;
    this.busyPoll = new BusyPoll(options.busyPoll);
    // TOKSERVER exists only on a server started for tests: elsewhere it is an unknown command.
    this.commands = buildCommandTable(
      options.enableTestCommands ? [...FAMILIES, TEST_COMMANDS] : FAMILIES,
    );
    this.lookup = new CommandLookup(this.commands);
    const id = new Uint8Array(20);
    crypto.getRandomValues(id);
    this.runId = [...id].map((b) => b.toString(16).padStart(2, "0")).join("");
    this.events = new KeyspaceEvents(
      this.pubsub,
      parseEventClasses(options.notifyKeyspaceEvents) ?? 0,
    );
    this.blocked = new BlockedKeys(clock.now);
    this.dbs = new Databases(options.databases, (db) => {
      this.#trackChanges(db);
      // A key that expires is propagated as a DEL, as Redis does, so a replayed log agrees.
      db.onExpired = (key) => {
        if (this.#propagateHooks.length > 0) this.propagate([DEL, keyBytes(key)], db.index);
      };
    }, clock);
    this.dbs.shared.events = this.events;
    // A list stored where nothing was may serve blocked clients once the command has run.
    this.dbs.shared.listAdded = (db, key) => this.blocked.ready(db, key);
    this.persistence = new Persistence(this);
  }

  /** Feeds client-side caching every change of `db`'s keys (a flush invalidates all). */
  #trackChanges(db: Db): void {
    const previous = db.onModified, tracking = this.tracking, clients = this.clients;
    const blocked = this.blocked;
    db.onModified = (key) => {
      previous?.(key);
      if (key === null) tracking.flushed(clients.values());
      else {
        tracking.invalidate(key);
        // A deleted or replaced stream wakes its XREADGROUP readers (with Redis's error).
        if (blocked.count > 0) blocked.ready(db.index, key);
      }
    };
  }

  /** Adds a hook that receives every change of the dataset (the append-only file uses it). */
  onPropagate(hook: PropagateHook): void {
    this.#propagateHooks.push(hook);
  }

  /** The one path every dataset change takes out of the server. */
  propagate(args: Uint8Array[], db: number): void {
    if (this.propagateBatch !== undefined) this.propagateBatch.push([args, db]);
    else for (const hook of this.#propagateHooks) hook(args, db);
  }

  resetStats(): void {
    this.stats = freshStats();
    const st = this.dbs.shared.stats;
    st.expiredKeys = st.keyspaceHits = st.keyspaceMisses = 0;
  }

  /** Serves one accepted connection. */
  handle(c: Connection): Promise<void> {
    // An injected refusal: the connection is closed before a byte is read.
    if (this.faults.takeRefusal()) return Promise.resolve();
    this.stats.connectionsReceived++;
    const client = new RedisConnection(this, c.id, c.conn, c);
    // Deno does not show a socket's descriptor: CLIENT LIST gets a number that is unique among
    // the clients connected, counted from 8 as Redis's first client's descriptor, reused.
    client.fd = this.#freeFds.pop() ?? this.#nextFd++;
    this.clients.set(client.id, client);
    return client.serve();
  }

  /** Forgets a client whose connection ended. */
  removeClient(client: RedisConnection): void {
    if (this.clients.delete(client.id) && client.fd >= 0) this.#freeFds.push(client.fd);
    this.pubsub.removeAll(client);
    this.tracking.disable(client);
    discardTransaction(client);
    const waiter = client.blockedOn;
    if (waiter !== undefined) {
      client.blockedOn = undefined;
      this.blocked.remove(waiter);
    }
  }

  kill(client: RedisConnection): void {
    client.kill();
  }

  /** Schedules a write for a client that received output outside its own read loop. */
  queueFlush(client: RedisConnection): void {
    client.flushQueued = true;
    if (this.#flushQueue.push(client) === 1) queueMicrotask(() => this.#flushAll());
  }

  #flushAll(): void {
    const queue = this.#flushQueue;
    this.#flushQueue = [];
    for (const client of queue) {
      client.flushQueued = false;
      client.flush();
    }
  }

  /** Starts the background jobs. */
  start(): void {
    // No key expires under a script that runs across turns (busy-reply-threshold), as in Redis.
    const sweep = setInterval(() => busyScript(this) === undefined && this.dbs.sweep(), 100);
    const cron = setInterval(() => this.#cron(), 1000);
    for (const t of [sweep, cron]) Deno.unrefTimer(t);
    this.#timers.push(sweep, cron);
  }

  /** Stops the background jobs. */
  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.busyPoll.stop();
    this.blocked.close();
  }

  #cron(): void {
    const done = this.stats.commandsProcessed;
    this.opsPerSec = Math.max(0, done - this.#lastOps);
    this.#lastOps = done;
    const timeout = this.config.timeout;
    if (timeout > 0) {
      const limit = Date.now() - timeout * 1000;
      for (const client of this.clients.values()) {
        // Like Redis, subscribers are never closed for being idle.
        if (client.subscribed) continue;
        if (client.lastInteraction < limit) {
          this.log.client(`client ${client.addr} closed after ${timeout} s idle`);
          client.kill();
        }
      }
    }
  }

  /** Lets every client's pending output leave (at shutdown). */
  async drainAll(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.drain().catch(() => {})));
  }
}

const encoder = new TextEncoder();
const REFUSAL = encoder.encode("-ERR max number of clients reached\r\n");

/**
 * Checks `opts` as `tokserver redis` does and makes the server (not yet listening), or returns
 * the one line that says why not. Every database, TIME and the sweep read `clock`.
 */
export function createRedisServer(
  opts: RedisOptions,
  log: Logger,
  clock?: Clock,
): RedisServer | { error: string } {
  const defaults = { hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, seconds: 60 };
  const limit = parseOutputLimit(opts.clientOutputBufferLimit, defaults);
  if ("error" in limit) {
    return { error: `tokserver redis: --client-output-buffer-limit: ${limit.error}` };
  }
  if (parseEventClasses(opts.notifyKeyspaceEvents) === undefined) {
    return {
      error: "tokserver redis: --notify-keyspace-events: Invalid event class character. " +
        "Use 'Ag$lshzxeKEtmdn'.",
    };
  }
  const refused = protectedModeRefusal(opts);
  if (refused !== undefined) return { error: refused };
  return new RedisServer(opts, limit, log, clock);
}

/** The accept loop's hooks that serve `server`'s clients (runServer's and embed.ts's). */
export function acceptHooks(server: RedisServer): Pick<
  ServerOptions,
  "handle" | "reject" | "goodbye" | "maxClients" | "idle"
> {
  return {
    maxClients: server.options.maxclients,
    reject: async (conn) => {
      server.stats.rejectedConnections++;
      await conn.write(REFUSAL);
    },
    handle: (c) => server.handle(c),
    goodbye: () => {
      server.persistence.flush();
      return server.drainAll();
    },
    // Once the last client has left: the output buffers kept for replies go too (up to 18 MiB).
    idle: () => server.outputPool.clear(),
  };
}

/** Stops `server`'s jobs, closes its clients and its append-only file (after the accept loop). */
export async function stopRedisServer(server: RedisServer): Promise<void> {
  server.stop();
  for (const c of server.clients.values()) closeQuietly({ close: () => c.kill() });
  await server.persistence.close();
}

/** Runs the Redis server until a shutdown signal; returns the exit code. */
export async function runRedis(opts: RedisOptions): Promise<number> {
  const log = stderrLogger(opts.quiet);
  const server = createRedisServer(opts, log);
  if ("error" in server) {
    log.info(server.error);
    return 2;
  }
  // The append-only file is replayed before listening.
  if (!server.persistence.load()) return 1;
  return await runServer({
    host: opts.host,
    port: opts.port,
    label: "redis",
    log,
    ...acceptHooks(server),
    started: (tcp: TcpServer) => {
      server.port = tcp.port;
      server.start();
      server.persistence.start(() => void tcp.shutdown());
    },
    stopped: () => stopRedisServer(server),
  });
}
