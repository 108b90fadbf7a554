// The `tokserver redis` command line: its flags, in one table that also writes the --help text.

import { type FlagSpec, HOST_FLAG, portFlag, SERVER_LIMIT_FLAGS } from "../flags/flags.ts";

/** Everything `tokserver redis` is started with. */
export interface RedisOptions {
  /** Address to listen on (`--host`, default 127.0.0.1). */
  host: string;
  /** TCP port (`--port`; 0 picks a free one). */
  port: number;
  /** Log every command received (`--verbose`). */
  verbose: boolean;
  /** Drop the per-client log lines (`--quiet`). */
  quiet: boolean;
  /** Require AUTH with this password (`--requirepass`). */
  requirepass?: string;
  /** Refuse a non-loopback host without a password (`--protected-mode`, default on). */
  protectedMode: boolean;
  /** Log writes to an append-only file (`--appendonly`). */
  appendonly: boolean;
  /** Folder of the append-only file (`--dir`). */
  dir: string;
  /** Append-only file name (`--appendfilename`). */
  appendfilename: string;
  /** When to fsync the append-only file (`--appendfsync`). */
  appendfsync: "always" | "everysec" | "no";
  /** Clients served at once (`--maxclients`). */
  maxclients: number;
  /** Close clients idle this many seconds; 0 never (`--timeout`). */
  timeout: number;
  /** Largest unparsed input kept per client, bytes (`--client-query-buffer-limit`). */
  clientQueryBufferLimit: number;
  /** Largest bulk string accepted, bytes (`--proto-max-bulk-len`). */
  protoMaxBulkLen: number;
  /** Output limits by client class, as Redis writes them: `pubsub 32mb 8mb 60`. */
  clientOutputBufferLimit: string;
  /** How many databases SELECT may choose from. */
  databases: number;
  /** Keyspace notification classes, as Redis's letters (`KEA`); "" for none. */
  notifyKeyspaceEvents: string;
  /** Serve TOKSERVER (clock, faults, seed: docs/testing.md); off unless a test asks. */
  enableTestCommands?: boolean;
  /** Seed of the server's random picks (RANDOMKEY); random when unset. */
  randomSeed?: number;
  /** Microseconds the event loop keeps polling after a read before it sleeps; 0 never. */
  busyPoll: number;
}

/** Pub/sub output limits: hard bytes, soft bytes, seconds over the soft limit. */
export interface OutputLimit {
  hard: number;
  soft: number;
  seconds: number;
}

/** Parses a memory size as Redis's memtoull: 10, 1k, 1kb, 1m, 1mb, 1g, 1gb (case-insensitive). */
export function parseMemory(s: string): number | undefined {
  const m = /^(\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(s);
  if (!m) return undefined;
  const mul: Record<string, number> = {
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 ** 2,
    mb: 1024 ** 2,
    g: 1000 ** 3,
    gb: 1024 ** 3,
  };
  return Number(m[1]) * mul[(m[2] ?? "b").toLowerCase()]!;
}

/** Output limits of each client class Redis has (tokserver applies the pubsub ones). */
export interface OutputLimits {
  normal: OutputLimit;
  slave: OutputLimit;
  pubsub: OutputLimit;
}

/** Redis's default output limits. */
export const DEFAULT_OUTPUT_LIMITS: Readonly<OutputLimits> = {
  normal: { hard: 0, soft: 0, seconds: 0 },
  slave: { hard: 256 * 1024 ** 2, soft: 64 * 1024 ** 2, seconds: 60 },
  pubsub: { hard: 32 * 1024 ** 2, soft: 8 * 1024 ** 2, seconds: 60 },
};

/**
 * Parses a client-output-buffer-limit value (`CLASS HARD SOFT SECONDS`, repeated; `replica` is
 * `slave`) over `current`, or returns an error text as Redis words it.
 */
export function parseOutputLimits(
  value: string,
  current: Readonly<OutputLimits> = DEFAULT_OUTPUT_LIMITS,
): OutputLimits | { error: string } {
  const words = value.split(" ").filter((w) => w !== "");
  if (words.length % 4 !== 0) {
    return { error: "Wrong number of arguments in buffer limit configuration." };
  }
  const out = { ...current };
  for (let i = 0; i < words.length; i += 4) {
    let cls = words[i]!.toLowerCase();
    if (cls === "replica") cls = "slave";
    const hard = parseMemory(words[i + 1]!), soft = parseMemory(words[i + 2]!);
    const seconds = /^\d+$/.test(words[i + 3]!) ? Number(words[i + 3]) : NaN;
    if (cls !== "normal" && cls !== "slave" && cls !== "pubsub") {
      return { error: "Invalid client class specified in buffer limit configuration." };
    }
    if (hard === undefined || soft === undefined || Number.isNaN(seconds)) {
      return {
        error: "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
      };
    }
    out[cls] = { hard, soft, seconds };
  }
  return out;
}

/** The pubsub part of {@linkcode parseOutputLimits} (the limits tokserver applies). */
export function parseOutputLimit(
  value: string,
  current: OutputLimit,
): OutputLimit | { error: string } {
  const r = parseOutputLimits(value, { ...DEFAULT_OUTPUT_LIMITS, pubsub: current });
  return "error" in r ? r : r.pubsub;
}

const yesNo = ["yes", "no"] as const;

/** The flags of `tokserver redis`. */
export const REDIS_FLAGS: readonly FlagSpec[] = [
  HOST_FLAG,
  portFlag(6379),
  { name: "verbose", type: "bool", help: "log every frame received" },
  { name: "requirepass", arg: "PASSWORD", type: "string", help: "require AUTH with this password" },
  {
    name: "protected-mode",
    arg: "yes|no",
    type: "enum",
    values: yesNo,
    default: "yes",
    help: "refuse a non-loopback --host without --requirepass",
  },
  {
    name: "appendonly",
    arg: "yes|no",
    type: "enum",
    values: yesNo,
    default: "no",
    help: "log writes to an append-only file",
  },
  { name: "dir", arg: "DIR", type: "string", default: ".", help: "folder of the append-only file" },
  {
    name: "appendfilename",
    arg: "NAME",
    type: "string",
    default: "tokserver.aof",
    help: "append-only file name",
  },
  {
    name: "appendfsync",
    arg: "POLICY",
    type: "enum",
    values: ["always", "everysec", "no"],
    default: "everysec",
    help: "when to fsync the append-only file",
  },
  ...SERVER_LIMIT_FLAGS,
  {
    name: "client-query-buffer-limit",
    arg: "BYTES",
    type: "int",
    min: 1024,
    max: 2 ** 40,
    default: 1024 ** 3,
    help: "largest unparsed input kept per client",
  },
  {
    name: "proto-max-bulk-len",
    arg: "BYTES",
    type: "int",
    min: 1024,
    max: 2 ** 40,
    default: 512 * 1024 ** 2,
    help: "largest bulk string accepted",
  },
  {
    name: "databases",
    arg: "N",
    type: "int",
    min: 1,
    max: 2147483647,
    default: 16,
    help: "number of databases (SELECT 0 to N-1)",
  },
  {
    name: "notify-keyspace-events",
    arg: "CLASSES",
    type: "string",
    default: "",
    help: "keyspace notifications to publish, as Redis's letters (e.g. KEA)",
  },
  {
    name: "client-output-buffer-limit",
    arg: "LIMITS",
    type: "string",
    default: "pubsub 32mb 8mb 60",
    help: "drop a subscriber whose pending output passes HARD, or SOFT for SECONDS",
  },
  {
    name: "enable-test-commands",
    arg: "yes|no",
    type: "enum",
    values: yesNo,
    default: "no",
    help: "serve TOKSERVER CLOCK/FAULT/SEED (tests only: they move time, break clients)",
  },
  {
    name: "random-seed",
    arg: "N",
    type: "int",
    min: 0,
    max: 4294967295,
    help: "seed RANDOMKEY's picks so runs repeat",
  },
  {
    name: "busy-poll",
    arg: "MICROSECONDS",
    type: "int",
    min: 0,
    max: 1_000_000,
    default: 30,
    help: "keep polling the sockets this long after a read before sleeping (0: never; " +
      "never on one CPU)",
  },
];

/** Turns parsed flags into {@linkcode RedisOptions}. */
export function redisOptions(flags: Record<string, unknown>): RedisOptions {
  return {
    host: flags.host as string,
    port: flags.port as number,
    verbose: flags.verbose === true,
    quiet: flags.quiet === true,
    requirepass: flags.requirepass as string | undefined,
    protectedMode: flags["protected-mode"] === "yes",
    appendonly: flags.appendonly === "yes",
    dir: flags.dir as string,
    appendfilename: flags.appendfilename as string,
    appendfsync: flags.appendfsync as RedisOptions["appendfsync"],
    maxclients: flags.maxclients as number,
    timeout: flags.timeout as number,
    clientQueryBufferLimit: flags["client-query-buffer-limit"] as number,
    protoMaxBulkLen: flags["proto-max-bulk-len"] as number,
    clientOutputBufferLimit: flags["client-output-buffer-limit"] as string,
    databases: flags.databases as number,
    notifyKeyspaceEvents: flags["notify-keyspace-events"] as string,
    enableTestCommands: flags["enable-test-commands"] === "yes",
    randomSeed: flags["random-seed"] as number | undefined,
    busyPoll: flags["busy-poll"] as number,
  };
}
