// `tokserver chat`: picks the mode's server and runs it on the shared server plumbing
// (listening, per-client tasks, graceful shutdown). The six modes of the tutorial's stages are
// one file each under modes/; rooms has its own folder, rooms/.

import { runServer } from "../net/run.ts";
import { stderrLogger } from "../net/log.ts";
import type { ChatMode, ChatOptions } from "./options.ts";
import type { ModeFactory } from "./mode.ts";
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

/** Runs the chat server until a shutdown signal; returns the exit code. */
export async function runChat(opts: ChatOptions): Promise<number> {
  const log = stderrLogger(opts.quiet);
  const factory = MODES[opts.mode];
  if (!factory) {
    log.info(`tokserver chat: mode ${opts.mode}: not implemented yet`);
    return 1;
  }
  if (opts.web !== undefined && !WEB_MODES.includes(opts.mode)) {
    log.info(`tokserver chat: --web works with modes ${WEB_MODES.join(", ")}`);
    return 2;
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
      log.info(`tokserver: ${err.message}`);
      return 1;
    }
  }
  let backplane: Backplane | undefined;
  if (opts.backplane !== undefined) {
    if (!BACKPLANE_MODES.includes(opts.mode)) {
      log.info(`tokserver chat: --backplane works with modes ${BACKPLANE_MODES.join(", ")}`);
      return 2;
    }
    try {
      backplane = new Backplane(parseBackplaneUrl(opts.backplane), log);
    } catch (err) {
      if (!(err instanceof BackplaneUrlError)) throw err;
      log.info(`tokserver chat: ${err.message}`);
      return 2;
    }
    // Joined (or known to be unreachable for now) before listening, so no early line is lost.
    await backplane.start();
  }
  const mode = factory({ opts, log, backplane, turns: new Turns() });
  return await runServer({
    host: opts.host,
    port: opts.port,
    label: `chat, mode ${opts.mode}`,
    log,
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
  });
}
