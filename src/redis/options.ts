// The `tokserver redis` command line: its flags, in one table that also writes the --help text.

import type { FlagSpec } from "../cli/flags.ts";

/** Everything `tokserver redis` is started with. */
export interface RedisOptions {
  host: string;
  port: number;
  verbose: boolean;
  quiet: boolean;
  requirepass?: string;
  protectedMode: boolean;
  appendonly: boolean;
  dir: string;
  appendfilename: string;
  appendfsync: "always" | "everysec" | "no";
  maxclients: number;
  timeout: number;
  clientQueryBufferLimit: number;
  protoMaxBulkLen: number;
}

const yesNo = ["yes", "no"] as const;

/** The flags of `tokserver redis`. */
export const REDIS_FLAGS: readonly FlagSpec[] = [
  { name: "host", arg: "HOST", type: "string", default: "127.0.0.1", help: "address to listen on" },
  { name: "port", arg: "PORT", type: "int", min: 0, max: 65535, default: 6379, help: "TCP port" },
  { name: "verbose", type: "bool", help: "log every frame received" },
  { name: "quiet", type: "bool", help: "do not log each client's connect and disconnect" },
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
  {
    name: "maxclients",
    arg: "N",
    type: "int",
    min: 1,
    max: 1_000_000,
    default: 10000,
    help: "clients served at once",
  },
  {
    name: "timeout",
    arg: "SECONDS",
    type: "int",
    min: 0,
    max: 100_000_000,
    default: 0,
    help: "close clients idle this long (0: never)",
  },
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
  };
}
