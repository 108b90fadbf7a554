// `tokserver chat`: picks the mode's server and runs it on the shared server plumbing
// (listening, per-client tasks, graceful shutdown). The six modes of the tutorial's stages are
// one file each under modes/; rooms has its own folder, rooms/.

import { type RunOptions, runServer } from "../net/run.ts";
import { type Logger, stderrLogger } from "../net/log.ts";
import type { ChatMode, ChatOptions } from "./options.ts";
import type { ChatLine, ModeFactory, ModeServer } from "./mode.ts";
import { IDLE_TIMEOUT, SERVER_FULL } from "./client.ts";
import { Turns } from "./outbox.ts";
import { writeAll } from "../net/io.ts";
import { basics } from "./modes/basics.ts";
import { bufReader } from "./modes/buf_reader.ts";
import { spawn } from "./modes/spawn.ts";
import { channel } from "./modes/channel.ts";
import { socketAddr } from "./modes/socket_addr.ts";
import { complete } from "./modes/complete.ts";
import { rooms } from "./rooms/rooms.ts";
import { Backplane } from "./backplane.ts";
import { BackplaneUrlError, parseBackplaneUrl } from "./backplane_url.ts";
import { WebFront } from "./web/web_server.ts";
import { ListenError } from "../net/listen.ts";

/** The modes by name; a mode not listed is not implemented yet. */
export const MODES: Partial<Record<ChatMode, ModeFactory>> = {
  basics,
  "buf-reader": bufReader,
  spawn,
  channel,
  "socket-addr": socketAddr,
  complete,
  rooms,
};

/** The modes that can join other instances through `--backplane`. */
export const BACKPLANE_MODES: readonly ChatMode[] = ["channel", "socket-addr", "complete", "rooms"];

/** The modes that can serve browsers too (`--web`). */
export const WEB_MODES: readonly ChatMode[] = ["complete", "rooms"];

/** A chat server made and ready to listen: its mode, and the web front and backplane it has. */
export interface ChatServer {
  readonly opts: ChatOptions;
  readonly mode: ModeServer;
  readonly web?: WebFront;
  readonly backplane?: Backplane;
}

/**
 * Makes the chat server `opts` describe (the backplane joined, the web port bound), not yet
 * listening; a refused option is `{ error, code }` (the exit code `tokserver chat` gives).
 * `tap`, when given, is shown every line the mode relays (see {@linkcode ChatContext.tap}).
 */
export async function createChat(
  opts: ChatOptions,
  log: Logger,
  tap?: (line: ChatLine) => void,
): Promise<ChatServer | { error: string; code: number }> {
  const factory = MODES[opts.mode];
  if (!factory) return { error: `tokserver chat: mode ${opts.mode}: not implemented yet`, code: 1 };
  if (opts.web !== undefined && !WEB_MODES.includes(opts.mode)) {
    return { error: `tokserver chat: --web works with modes ${WEB_MODES.join(", ")}`, code: 2 };
  }
  if (opts.backplane !== undefined && !BACKPLANE_MODES.includes(opts.mode)) {
    const error = `tokserver chat: --backplane works with modes ${BACKPLANE_MODES.join(", ")}`;
    return { error, code: 2 };
  }
  let web: WebFront | undefined;
  if (opts.web !== undefined) {
    try {
      web = new WebFront({
        host: opts.webHost,
        port: opts.web,
        mode: opts.mode as "complete" | "rooms",
        origins: opts.webOrigins,
        maxLine: opts.maxLine,
        log,
      });
    } catch (err) {
      if (!(err instanceof ListenError)) throw err;
      return { error: `tokserver: ${err.message}`, code: 1 };
    }
  }
  let backplane: Backplane | undefined;
  if (opts.backplane !== undefined) {
    try {
      backplane = new Backplane(parseBackplaneUrl(opts.backplane), log);
    } catch (err) {
      if (!(err instanceof BackplaneUrlError)) throw err;
      await web?.close();
      return { error: `tokserver chat: ${err.message}`, code: 2 };
    }
    // Joined (or known to be unreachable for now) before listening, so no early line is lost.
    await backplane.start();
  }
  const mode = factory({ opts, log, backplane, turns: new Turns(), tap });
  return { opts, mode, web, backplane };
}

/** How the shared server plumbing serves `chat`: the mode's hooks, the web front, the stop. */
export function chatHooks(
  chat: ChatServer,
  log: Logger,
): Pick<
  RunOptions,
  | "maxClients"
  | "sequential"
  | "handle"
  | "reject"
  | "goodbye"
  | "idleTimeout"
  | "idleGoodbye"
  | "idle"
  | "started"
  | "stopped"
  | "summary"
> {
  const { mode, web, backplane, opts } = chat;
  return {
    maxClients: opts.maxclients,
    sequential: mode.sequential,
    handle: (c) => mode.handle(c),
    reject: (conn) => writeAll(conn, SERVER_FULL),
    goodbye: () => mode.clients.goodbye(),
    idleTimeout: opts.timeout,
    idleGoodbye: (c) => mode.clients.close(c, IDLE_TIMEOUT),
    idle: () => mode.idle?.(),
    started: (server) => {
      if (web) {
        web.attach(server);
        log.info(`web page on http://${web.addr}/ (WebSocket ${web.addr}/ws)`);
      }
      mode.started?.();
    },
    stopped: async () => {
      await web?.close();
      await mode.stopped?.();
      await backplane?.close();
    },
    summary: () => {
      const n = mode.clients.totals.lines;
      return `${n} line${n === 1 ? "" : "s"} received`;
    },
  };
}

/** Runs the chat server until a shutdown signal; returns the exit code. */
export async function runChat(opts: ChatOptions): Promise<number> {
  const log = stderrLogger(opts.quiet);
  const chat = await createChat(opts, log);
  if ("error" in chat) {
    log.info(chat.error);
    return chat.code;
  }
  return await runServer({
    host: opts.host,
    port: opts.port,
    label: `chat, mode ${opts.mode}`,
    log,
    ...chatHooks(chat, log),
  });
}
