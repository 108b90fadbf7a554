// `tokserver chat`: picks the stage's handler and runs it on the shared server plumbing
// (listening, per-client tasks, graceful shutdown). Each stage is one file under modes/.

import { runServer } from "../net/run.ts";
import { stderrLogger } from "../net/log.ts";
import type { ChatMode, ChatOptions } from "./options.ts";
import type { StageFactory } from "./mode.ts";
import { IDLE_TIMEOUT, SERVER_FULL } from "./client.ts";
import { writeAll } from "../net/io.ts";
import { basics } from "./modes/basics.ts";
import { bufReader } from "./modes/buf_reader.ts";
import { spawn } from "./modes/spawn.ts";
import { channel } from "./modes/channel.ts";
import { socketAddr } from "./modes/socket_addr.ts";
import { complete } from "./modes/complete.ts";
import { rooms } from "./modes/rooms.ts";
import { Backplane, BackplaneUrlError, parseBackplaneUrl } from "./backplane.ts";

/** The stages by mode name; a mode not listed is not implemented yet. */
export const STAGES: Partial<Record<ChatMode, StageFactory>> = {
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

/** Runs the chat server until a shutdown signal; returns the exit code. */
export async function runChat(opts: ChatOptions): Promise<number> {
  const log = stderrLogger(opts.quiet);
  const factory = STAGES[opts.mode];
  if (!factory) {
    log.info(`tokserver chat: mode ${opts.mode}: not implemented yet`);
    return 1;
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
  const stage = factory({ opts, log, backplane });
  return await runServer({
    host: opts.host,
    port: opts.port,
    label: `chat, mode ${opts.mode}`,
    log,
    maxClients: opts.maxclients,
    sequential: stage.sequential,
    handle: (c) => stage.handle(c),
    reject: (conn) => writeAll(conn, SERVER_FULL),
    goodbye: () => stage.clients.goodbye(),
    idleTimeout: opts.timeout,
    idleGoodbye: (c) => stage.clients.close(c, IDLE_TIMEOUT),
    idle: () => stage.idle?.(),
    started: () => stage.started?.(),
    stopped: async () => {
      await stage.stopped?.();
      await backplane?.close();
    },
    summary: () => {
      const n = stage.clients.totals.lines;
      return `${n} line${n === 1 ? "" : "s"} received`;
    },
  });
}
