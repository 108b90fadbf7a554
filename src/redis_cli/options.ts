// The `tokserver redis-cli` command line: its flags, in one table that also writes the --help text.

import type { FlagSpec } from "../flags/flags.ts";

/** Everything `tokserver redis-cli` is started with. */
export interface CliOptions {
  host: string;
  port: number;
  /** The command to run once; empty for the interactive prompt. */
  command: string[];
}

/** The flags of `tokserver redis-cli` (-h is the host, as in redis-cli; help is --help). */
export const CLI_FLAGS: readonly FlagSpec[] = [
  { name: "host", short: "h", arg: "HOST", type: "string", default: "127.0.0.1", help: "server" },
  {
    name: "port",
    short: "p",
    arg: "PORT",
    type: "int",
    min: 1,
    max: 65535,
    default: 6379,
    help: "port",
  },
];

/** Turns parsed flags and the rest of the line into {@linkcode CliOptions}. */
export function cliOptions(flags: Record<string, unknown>, rest: string[]): CliOptions {
  return { host: flags.host as string, port: flags.port as number, command: rest };
}
