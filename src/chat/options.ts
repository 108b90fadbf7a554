// The `tokserver chat` command line: its flags, in one table that also writes the --help text.

import type { FlagSpec } from "../cli/flags.ts";

/** The chat stages of the tutorial, then the modes beyond it. */
export const CHAT_MODES = [
  "basics",
  "buf-reader",
  "spawn",
  "channel",
  "socket-addr",
  "complete",
  "rooms",
] as const;

/** One of {@linkcode CHAT_MODES}. */
export type ChatMode = typeof CHAT_MODES[number];

/** Everything `tokserver chat` is started with. */
export interface ChatOptions {
  mode: ChatMode;
  host: string;
  port: number;
  maxLine: number;
  queue: number;
  maxclients: number;
  timeout: number;
  flood: number;
  backplane?: string;
  quiet: boolean;
}

/** The flags of `tokserver chat`. */
export const CHAT_FLAGS: readonly FlagSpec[] = [
  {
    name: "mode",
    arg: "MODE",
    type: "enum",
    values: CHAT_MODES,
    default: "complete",
    help: "stage",
  },
  { name: "host", arg: "HOST", type: "string", default: "127.0.0.1", help: "address to listen on" },
  { name: "port", arg: "PORT", type: "int", min: 0, max: 65535, default: 8080, help: "TCP port" },
  {
    name: "max-line",
    arg: "BYTES",
    type: "int",
    min: 16,
    max: 1 << 30,
    default: 65536,
    help: "longest line a client may send",
  },
  {
    name: "queue",
    arg: "LINES",
    type: "int",
    min: 1,
    max: 1_000_000,
    default: 1024,
    help: "lines queued per client before the oldest are dropped",
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
    name: "flood",
    arg: "LINES",
    type: "int",
    min: 1,
    max: 1_000_000,
    default: 20,
    help: "lines per second a client may send (rooms mode)",
  },
  {
    name: "backplane",
    arg: "URL",
    type: "string",
    help: "redis://host:port[/prefix] to join other instances",
  },
  { name: "quiet", type: "bool", help: "do not log each client's connect and disconnect" },
];

/** Turns parsed flags into {@linkcode ChatOptions}. */
export function chatOptions(flags: Record<string, unknown>): ChatOptions {
  return {
    mode: flags.mode as ChatMode,
    host: flags.host as string,
    port: flags.port as number,
    maxLine: flags["max-line"] as number,
    queue: flags.queue as number,
    maxclients: flags.maxclients as number,
    timeout: flags.timeout as number,
    flood: flags.flood as number,
    backplane: flags.backplane as string | undefined,
    quiet: flags.quiet === true,
  };
}
