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
  /** `-a` / `--pass`: sent with AUTH after connecting (with `user` when given). */
  password?: string;
  /** `--user`: AUTH's user name (used only with a password, as in redis-cli). */
  user?: string;
  /** redis-cli's warning about a password on the command line (off: --no-auth-warning). */
  authWarning: boolean;
  /** `-n`: the database SELECTed after connecting (redis-cli reads it with atoi). */
  db: number;
  /** redis-cli's raw output (`--raw`, or stdout not a terminal) instead of its terminal format. */
  raw: boolean;
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
  { name: "pass", short: "a", arg: "PASSWORD", type: "string", help: "AUTH with this password" },
  { name: "user", arg: "USER", type: "string", help: "AUTH as this user (with -a)" },
  {
    name: "no-auth-warning",
    type: "bool",
    help: "do not warn about a password on the command line",
  },
  { name: "db", short: "n", arg: "DB", type: "string", help: "SELECT this database first" },
  {
    name: "raw",
    type: "bool",
    help: "raw replies (the default when stdout is not a terminal)",
  },
  { name: "no-raw", type: "bool", help: "redis-cli's terminal format even when piped" },
  { name: "resp3", short: "3", type: "bool", help: "speak RESP3 (HELLO 3 on connecting)" },
];

/** C's atoi: leading blanks, a sign, digits; 0 when there are none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Math.trunc(Number(m[1])) | 0 : 0;
}

/**
 * Whether replies are shown raw: the last of --raw and --no-raw on the command line (before the
 * command) wins, as in redis-cli; without either, raw when stdout is not a terminal.
 */
function rawOutput(args: readonly string[], rest: readonly string[], tty: boolean): boolean {
  const flags = args.slice(0, args.length - rest.length);
  const raw = flags.lastIndexOf("--raw"), noRaw = flags.lastIndexOf("--no-raw");
  if (raw === -1 && noRaw === -1) return !tty;
  return raw > noRaw;
}

/** Turns parsed flags and the rest of the line into {@linkcode CliOptions}. */
export function cliOptions(
  flags: Record<string, unknown>,
  rest: string[],
  args: readonly string[] = [],
  stdoutIsTerminal: boolean = Deno.stdout.isTerminal(),
): CliOptions {
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
    password: flags.pass as string | undefined,
    user: flags.user as string | undefined,
    authWarning: flags["no-auth-warning"] !== true,
    db: flags.db === undefined ? 0 : atoi(flags.db as string),
    raw: rawOutput(args, rest, stdoutIsTerminal),
  };
}
