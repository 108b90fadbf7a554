// What a command is: its entry in the command table (name, arity, flags, key positions, docs) and
// what its handler may use (the client that sent it and the server state). Every command family
// file exports a list of these; mod.ts builds the table from them.

import { type Db, keyOf } from "../store/db.ts";
import type { RespWriter } from "../../resp/frame.ts";
import type { PubSub, Subscriber } from "../store/pubsub.ts";
import type { RedisOptions } from "../server/options.ts";
import type { Transaction } from "./transactions.ts";
import type { Persistence } from "../aof/aof.ts";

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
  /** Allowed while a RESP2 connection is subscribed (Redis checks this by handler). */
  | "pubsub_context";

/** One argument in COMMAND DOCS. */
export interface ArgDoc {
  readonly name: string;
  type:
    | "string"
    | "integer"
    | "double"
    | "key"
    | "pattern"
    | "unix-time"
    | "pure-token"
    | "oneof"
    | "block";
  token?: string;
  optional?: boolean;
  multiple?: boolean;
  arguments?: readonly ArgDoc[];
}

/** The state of a connected client that commands read and change. */
export interface Client extends Subscriber {
  /** Unique id (CLIENT ID). */
  readonly id: number;
  /** Where replies go. */
  readonly out: RespWriter;
  /** The server this client is connected to. */
  readonly server: Server;
  /** The peer address, `host:port`. */
  readonly addr: string;
  /** CLIENT SETNAME's name (binary string), or "". */
  name: string;
  /** CLIENT SETINFO's values. */
  libName: string;
  libVer: string;
  /** Selected database index. */
  db: number;
  /** RESP version spoken (2; HELLO 3 is refused). */
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
  /** Bytes of output not yet written to the socket. */
  readonly pendingOutput: number;
  /** Bytes of input not yet parsed. */
  readonly pendingInput: number;
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
  readonly db: Db;
  readonly pubsub: PubSub;
  /** Connected clients by id. */
  readonly clients: Map<number, Client>;
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
  kill(client: Client): void;
  /** The append-only file, rewrites and SHUTDOWN (aof.ts). */
  readonly persistence: Persistence;
}

/**
 * Runs a command: reads `args` (args[0] is the name as sent), writes its reply to `c.out`. The
 * arguments are views into the connection's read buffer, valid during the call only: a handler
 * copies what it stores (`arg.slice()`, or `keyOf(arg)` for keys).
 */
export type Handler = (c: Client, args: Uint8Array[]) => void;

/** An entry of the command table. */
export interface Command {
  /** Lowercase name; subcommands are `container|sub`, e.g. `client|setname`. */
  name: string;
  /** Redis's convention: N means exactly N arguments (name included), -N at least N. */
  arity: number;
  flags: readonly CommandFlag[];
  /** Key positions for COMMAND: first, last (-1: last argument), step; 0 0 0 without keys. */
  keys?: [first: number, last: number, step: number];
  /** ACL categories, e.g. `@read`, `@string`, `@fast`. */
  acl?: readonly string[];
  /** For COMMAND DOCS. */
  summary: string;
  since: string;
  group: string;
  complexity?: string;
  args?: readonly ArgDoc[];
  /** The handler; a container command (CLIENT, CONFIG, COMMAND) has subcommands instead. */
  handler?: Handler;
  subcommands?: readonly Command[];
}

const encoder = new TextEncoder();

/**
 * A C string view of an argument as Redis prints it with `%.Ns`: up to the first NUL byte, at
 * most `max` bytes, as a binary string.
 */
export function cString(b: Uint8Array, max = 128): string {
  let n = b.indexOf(0);
  if (n === -1) n = b.length;
  return keyOf(b.subarray(0, Math.min(n, max)));
}

/** Bytes of an ASCII/UTF-8 string (for replies built from literals). */
export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** ASCII-lowercases a command name or option as a JS string (bytes over 127 kept as chars). */
export function lowerName(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    s += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return s;
}

/** Whether `b` equals the lowercase ASCII `word`, ignoring case. */
export function isWord(b: Uint8Array, word: string): boolean {
  const n = word.length;
  if (b.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Parses a signed 64-bit integer argument as Redis's string2ll (no spaces, no '+', no leading
 * zeros); undefined if invalid. Values beyond 2^53 are approximated.
 */
export function parseLong(b: Uint8Array): number | undefined {
  const len = b.length;
  if (len === 0 || len >= 21) return undefined;
  if (len === 1 && b[0] === 48) return 0;
  let p = 0, neg = false;
  if (b[0] === 45) {
    neg = true;
    p = 1;
    if (len === 1) return undefined;
  }
  let c = b[p]!;
  if (c < 49 || c > 57) return undefined;
  let v = BigInt(0);
  let small = c - 48;
  p++;
  // Up to 15 digits fit in a double exactly; past that, switch to BigInt for the range check.
  if (len - p <= 14) {
    for (; p < len; p++) {
      c = b[p]!;
      if (c < 48 || c > 57) return undefined;
      small = small * 10 + (c - 48);
    }
    return neg ? -small : small;
  }
  v = BigInt(small);
  for (; p < len; p++) {
    c = b[p]!;
    if (c < 48 || c > 57) return undefined;
    v = v * 10n + BigInt(c - 48);
  }
  if (neg ? v > 9223372036854775808n : v > 9223372036854775807n) return undefined;
  return Number(neg ? -v : v);
}

/** Redis's error texts, in one place. */
export const Err = {
  syntax: "ERR syntax error",
  notInteger: "ERR value is not an integer or out of range",
  wrongType: "WRONGTYPE Operation against a key holding the wrong kind of value",
  arity: (name: string) => `ERR wrong number of arguments for '${name}' command`,
  unknownSubcommand: (sub: string, container: string) =>
    `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`,
} as const;
