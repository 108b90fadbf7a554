// What a command is: its entry in the command table (name, arity, flags, key positions, docs) and
// what its handler may use: the client that sent it (a Session, server/session.ts) and the server
// state, both seen through the interfaces here, so that commands depend on no server module.
// Every command family file exports a list of commands; server/command_table.ts gathers them.

import type { Db } from "../store/db.ts";
import type { Databases } from "../store/databases.ts";
import type { KeyspaceEvents } from "../store/notify.ts";
import type { Watcher } from "../store/watch.ts";
import type { RespWriter } from "../../resp/writer.ts";
import type { PubSub, Subscriber } from "../store/pubsub.ts";
import type { Tracking, TrackingClient, TrackingState } from "../store/tracking.ts";
import type { RedisOptions } from "../options.ts";
import type { Logger } from "../../net/log.ts";
import type { Clock } from "../store/clock.ts";
import type { Random } from "../store/random.ts";
import type { Faults } from "../store/faults.ts";
import type { BlockedKeys, Waiter } from "../store/blocking.ts";

/** Command flags, spelled as Redis's COMMAND reply spells them. */
export type CommandFlag =
  | "write"
  | "readonly"
  | "denyoom"
  | "admin"
  | "pubsub"
  | "noscript"
  | "blocking"
  | "loading"
  | "stale"
  | "skip_monitor"
  | "skip_slowlog"
  | "fast"
  | "no_auth"
  | "may_replicate"
  | "no_mandatory_keys"
  | "no_multi"
  | "allow_busy"
  | "no_async_loading"
  | "movablekeys"
  /** Allowed while a RESP2 connection is subscribed (Redis checks this by handler). */
  | "pubsub_context";

/** The state of a connected client that commands read and change. */
export interface Session extends Subscriber, TrackingClient {
  /** Unique id (CLIENT ID). */
  readonly id: number;
  /** Where replies go. */
  readonly out: RespWriter;
  /** Appends a published or tracking frame to the output (see Subscriber.deliver). */
  deliver(frame: Uint8Array, stable?: boolean): void;
  /** The server this client is connected to. */
  readonly server: Server;
  /** The peer address, `host:port`. */
  readonly addr: string;
  /** CLIENT SETNAME's name (binary string), or "". */
  name: string;
  /** CLIENT SETINFO's values. */
  libName: string;
  libVer: string;
  /** Selected database index (SELECT; 0 <= db < the server's `dbs.count`). */
  db: number;
  /** The selected database. */
  readonly keyspace: Db;
  /** RESP version spoken (HELLO 2 or 3); `out` writes typed replies in its forms. */
  resp: 2 | 3;
  /** Set by QUIT: reply, then close. */
  closeAfterReply: boolean;
  /** `Date.now()` when the connection was accepted. */
  readonly since: number;
  /** `Date.now()` of the last command. */
  lastInteraction: number;
  /** The command being run (for CLIENT LIST's cmd=). */
  lastCommand: string;
  /**
   * For write commands: what to propagate instead of the arguments received, e.g. SET ... EX 10
   * becomes SET ... PXAT <absolute ms>. Reset before each command.
   */
  propagateAs: Uint8Array[] | undefined;
  /** MULTI's queue and WATCHed keys (transactions.ts); undefined until the first MULTI or WATCH. */
  tx: Transaction | undefined;
  /** False while --requirepass is set and AUTH has not succeeded yet (auth.ts). */
  authenticated: boolean;
  /** Whether the client listens to any channel or pattern. */
  readonly subscribed: boolean;
  /** CLIENT TRACKING's options while tracking is on (store/tracking.ts). */
  tracking: TrackingState | undefined;
  /** Bytes of output not yet written to the socket. */
  readonly pendingOutput: number;
  /** Bytes of input not yet parsed. */
  readonly pendingInput: number;
  /** Bytes of the input buffer (CLIENT LIST's rbs). */
  readonly readBufferSize: number;
  /** CLIENT LIST's fd: a number per connection, -1 without one (see server.ts). */
  fd: number;
  /** CLIENT NO-EVICT's setting (tokserver evicts no clients; it is shown as flag e). */
  noEvict: boolean;
  /** What the client waits for while a blocking pop holds it (store/blocking.ts). */
  blockedOn: Waiter | undefined;
  /** Whether it may block (a client on a socket); others get the timeout reply at once. */
  readonly canBlock: boolean;
  /** Runs the commands buffered while it was blocked. */
  resume(): void;
}

/** Counters for INFO stats. */
export interface ServerStats {
  connectionsReceived: number;
  rejectedConnections: number;
  commandsProcessed: number;
  netInputBytes: number;
  netOutputBytes: number;
  errorReplies: number;
  unexpectedErrorReplies: number;
  pubsubClientsDropped: number;
  readsProcessed: number;
  writesProcessed: number;
}

/** Settings that CONFIG SET may change while running. */
export interface ServerConfig {
  /** Close clients idle this many seconds (0: never). */
  timeout: number;
  /** Pub/sub client output limits: hard bytes, soft bytes, seconds over soft. */
  pubsubLimit: { hard: number; soft: number; seconds: number };
  /** proto-max-bulk-len and client-query-buffer-limit, shared by every connection's parser. */
  parserLimits: { maxBulkLen: number; maxQueryBuffer: number };
}

/** The server state commands use. */
export interface Server {
  readonly options: RedisOptions;
  readonly config: ServerConfig;
  /** tokserver's version. */
  readonly version: string;
  /** Random id of this run (INFO run_id). */
  readonly runId: string;
  /** Highest memory use seen (INFO used_memory_peak). */
  memoryPeak: number;
  /** Commands per second over the last second or so. */
  readonly opsPerSec: number;
  /** Zeroes the INFO stats (CONFIG RESETSTAT). */
  resetStats(): void;
  /** The numbered databases. */
  readonly dbs: Databases;
  /** Clients blocked on list keys; told when a key may serve them (undefined: none can block). */
  readonly blocked: BlockedKeys;
  /** Keyspace notifications (`notify-keyspace-events`). */
  readonly events: KeyspaceEvents;
  readonly pubsub: PubSub;
  /** Client-side caching's tables (CLIENT TRACKING). */
  readonly tracking: Tracking;
  /** Connected clients by id. */
  readonly clients: Map<number, Session>;
  readonly stats: ServerStats;
  /** `Date.now()` at start. */
  readonly startTime: number;
  /** The bound TCP port. */
  readonly port: number;
  /** The command table. */
  readonly commands: Map<string, Command>;
  /**
   * The one hook every dataset change passes through (the append-only file and replication
   * subscribe here): the command's arguments, possibly rewritten, and the database index. The
   * arguments may be views into a read buffer: a hook copies what it keeps.
   */
  propagate(args: Uint8Array[], db: number): void;
  /**
   * While set, propagate() appends its changes here instead of passing them to the hooks: EXEC
   * collects its commands' changes to send them wrapped in MULTI ... EXEC.
   */
  propagateBatch: [args: Uint8Array[], db: number][] | undefined;
  /** Closes a client at once (CLIENT KILL, output limits). */
  kill(client: Session): void;
  /** The append-only file, rewrites and SHUTDOWN (aof/). */
  readonly persistence: Persistence;
  /** Where the server's log lines go. */
  readonly log: Logger;
  /** Finds a command by its name as sent (any case). */
  readonly lookup: CommandFinder;
  /** Adds a hook that receives every change of the dataset (the append-only file uses it). */
  onPropagate(hook: (args: Uint8Array[], db: number) => void): void;
  /** The clock expiry, TTL and TIME read; tests may freeze and move it (store/clock.ts). */
  readonly clock: Clock;
  /** The seeded source of random picks (RANDOMKEY, SPOP, ...). */
  readonly random: Random;
  /** Faults armed by a test and the log of commands received (store/faults.ts). */
  readonly faults: Faults;
}

/** A command queued by MULTI: its table entry and a copy of its arguments. */
export interface QueuedCommand {
  readonly cmd: Command;
  readonly args: Uint8Array[];
}

/** A client's transaction state; created on its first MULTI or WATCH (transactions.ts). */
export interface Transaction extends Watcher {
  /** Commands queued since MULTI; undefined outside MULTI. */
  queue: QueuedCommand[] | undefined;
  /** A command was rejected while queuing (Redis's CLIENT_DIRTY_EXEC): EXEC answers EXECABORT. */
  failed: boolean;
}

/** Output that waits for an fsync before it may leave (appendfsync always). */
export interface HeldOutput {
  /** The log offset that must be on disk first. */
  readonly syncNeed: number;
  /** Lets the output leave. */
  flush(): void;
}

/** What a connection asks before its output may leave (appendfsync always). */
export interface SyncGate {
  /** Bytes of log produced so far (a logical offset that only grows). */
  readonly fed: number;
  /** Bytes of log known to be on disk. */
  readonly synced: number;
  /** Holds `client` until `synced` reaches its `syncNeed`, then calls its flush(). True. */
  hold(client: HeldOutput): boolean;
  /** Resolves once `synced` reaches `offset` or the file is closed. */
  until(offset: number): Promise<void>;
}

/** What commands and connections see of the server's persistence (aof/persistence.ts). */
export interface Persistence {
  /** The append-only file's health, with --appendonly yes. */
  readonly aof: { readonly lastWriteOk: boolean; readonly lastWriteError: string } | undefined;
  /** Set with appendfsync always. */
  readonly gate: SyncGate | undefined;
  /** INFO persistence's lines. */
  info(): string[];
  /** SHUTDOWN's last write of the file; false when it failed and the server must stay up. */
  shutdown(force: boolean): boolean;
  /** BGREWRITEAOF: starts a rewrite; false when one is already running. */
  startRewrite(): boolean;
}

/**
 * Runs a command: reads `args` (args[0] is the name as sent), writes its reply to `c.out`. The
 * arguments are views into the connection's read buffer, valid during the call only: a handler
 * copies what it stores (`arg.slice()`, or `keyOf(arg)` for keys).
 */
export type Handler = (c: Session, args: Uint8Array[]) => void;

/** Finds a command by its name as sent, in any case (server/dispatch.ts's CommandLookup). */
export interface CommandFinder {
  find(name: Uint8Array): Command | undefined;
}

/** An entry of the command table. */
export interface Command {
  /** Lowercase name; subcommands are `container|sub`, e.g. `client|setname`. */
  name: string;
  /** Redis's convention: N means exactly N arguments (name included), -N at least N. */
  arity: number;
  flags: readonly CommandFlag[];
  /** Key positions for COMMAND: first, last (-1: last argument), step; 0 0 0 without keys. */
  keys?: [first: number, last: number, step: number];
  /** ACL categories, e.g. `@read`, `@string`, `@fast`. (COMMAND DOCS's texts: docs.ts.) */
  acl?: readonly string[];
  /** The handler; a container command (CLIENT, CONFIG, COMMAND) has subcommands instead. */
  handler?: Handler;
  subcommands?: readonly Command[];
}
