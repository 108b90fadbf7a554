// The `tokserver redis-cli` command line: its flags, in one table that also writes the --help text.

import type { FlagSpec } from "../flags/flags.ts";

/** Everything `tokserver redis-cli` is started with. */
export interface CliOptions {
  host: string;
  port: number;
  /** The command to run once; empty for the interactive prompt. */
  command: string[];
  /** How many times to run `command` (`-r`); -1 runs it until interrupted. */
  repeat: number;
  /** Milliseconds to wait after each run of a repeated command (`-i`, given in seconds). */
  intervalMs: number;
  /** The protocol to speak (`-3`: RESP3, HELLO 3 on connecting). */
  resp: 2 | 3;
  /** A flag value the table cannot check (`-i abc`): `runCli` refuses it with exit code 2. */
  usageError?: string;
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
  {
    name: "repeat",
    short: "r",
    arg: "N",
    type: "int",
    min: -1,
    max: Number.MAX_SAFE_INTEGER,
    default: 1,
    help: "run the command N times (-1: until interrupted)",
  },
  {
    name: "interval",
    short: "i",
    arg: "SECONDS",
    type: "string",
    help: "wait this long after each run of a repeated command (e.g. 0.1)",
  },
  { name: "resp3", short: "3", type: "bool", help: "speak RESP3 (HELLO 3 on connecting)" },
];

/** Turns parsed flags and the rest of the line into {@linkcode CliOptions}. */
export function cliOptions(flags: Record<string, unknown>, rest: string[]): CliOptions {
  const interval = flags.interval as string | undefined;
  let intervalMs = 0;
  let usageError: string | undefined;
  if (interval !== undefined) {
    if (/^(\d+(\.\d*)?|\.\d+)$/.test(interval)) intervalMs = Number(interval) * 1000;
    else usageError = `--interval must be a number of seconds, not ${JSON.stringify(interval)}`;
  }
  return {
    host: flags.host as string,
    port: flags.port as number,
    command: rest,
    repeat: flags.repeat as number,
    intervalMs,
    resp: flags.resp3 === true ? 3 : 2,
    usageError,
  };
}
