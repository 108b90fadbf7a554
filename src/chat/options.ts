// The `tokserver chat` command line: its flags, in one table that also writes the --help text.

import { type FlagSpec, HOST_FLAG, portFlag, SERVER_LIMIT_FLAGS } from "../flags/flags.ts";

/**
 * The chat stages of the tutorial, then the modes beyond it.
 *
 * @example
 * ```ts
 * import { CHAT_MODES } from "@tokserver/tokserver/chat";
 *
 * console.assert(CHAT_MODES.includes("rooms"));
 * ```
 */
export const CHAT_MODES = [
  "basics",
  "buf-reader",
  "spawn",
  "channel",
  "socket-addr",
  "complete",
  "rooms",
] as const;

/**
 * One of {@linkcode CHAT_MODES}.
 *
 * @example
 * ```ts
 * import { type ChatMode, startChat } from "@tokserver/tokserver/chat";
 *
 * const mode: ChatMode = "socket-addr";
 * await using chat = await startChat({ mode });
 * console.assert(chat.mode === "socket-addr");
 * ```
 */
export type ChatMode = typeof CHAT_MODES[number];

/**
 * Everything `tokserver chat` is started with: one field per flag.
 *
 * @example
 * ```ts
 * import { type ChatOptions, startChat } from "@tokserver/tokserver/chat";
 *
 * const opts: Partial<ChatOptions> = { mode: "rooms", flood: 5, maxclients: 10 };
 * await using chat = await startChat(opts);
 * console.assert(chat.options.flood === 5);
 * ```
 */
export interface ChatOptions {
  /** What the server does with lines (`--mode`, default `complete`). */
  mode: ChatMode;
  /** The address it listens on (`--host`). */
  host: string;
  /** The port it listens on (`--port`; 0: a free one). */
  port: number;
  /** The longest line a client may send, in bytes (`--max-line`). */
  maxLine: number;
  /** Lines queued per client before the oldest are dropped (`--queue`). */
  queue: number;
  /** Clients at once; the next is told `*** server full` (`--maxclients`). */
  maxclients: number;
  /** Seconds of silence before a client is closed, 0: never (`--timeout`). */
  timeout: number;
  /** Lines per second a client may send in rooms mode (`--flood`). */
  flood: number;
  /** `redis://host:port[/prefix]` joining other instances (`--backplane`). */
  backplane?: string;
  /** `--web PORT`: also serve the browser page and its WebSocket on this port. */
  web?: number;
  /** The address of the web port (`--web-host`, default: as `host`). */
  webHost: string;
  /** Origins allowed to open the WebSocket besides the page's own (`*`: any). */
  webOrigins: string[];
  /** No per-client log lines (`--quiet`). */
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
  HOST_FLAG,
  portFlag(8080),
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
  ...SERVER_LIMIT_FLAGS,
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
  {
    name: "web",
    arg: "PORT",
    type: "int",
    min: 0,
    max: 65535,
    help: "also serve the chat page and its WebSocket on this port (complete, rooms)",
  },
  {
    name: "web-host",
    arg: "HOST",
    type: "string",
    help: "address of the web port (default: as --host)",
  },
  {
    name: "web-origin",
    arg: "LIST",
    type: "string",
    help: "origins besides the page's own allowed to open the WebSocket (comma-separated; *: any)",
  },
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
    web: flags.web as number | undefined,
    webHost: (flags["web-host"] as string | undefined) ?? (flags.host as string),
    webOrigins: ((flags["web-origin"] as string | undefined) ?? "").split(",")
      .map((o) => o.trim()).filter((o) => o !== ""),
    quiet: flags.quiet === true,
  };
}
