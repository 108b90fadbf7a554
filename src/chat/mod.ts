// `tokserver chat`: picks the stage's handler and runs it on the shared server plumbing
// (listening, per-client tasks, graceful shutdown). Each stage is one file under modes/.

import { runServer } from "../net/run.ts";
import { stderrLogger } from "../net/log.ts";
import type { ChatMode, ChatOptions } from "./options.ts";
import type { StageFactory } from "./mode.ts";
import { IDLE_TIMEOUT, SERVER_FULL, writeAll } from "./client.ts";
import { basics } from "./modes/basics.ts";
import { bufReader } from "./modes/buf_reader.ts";
import { spawn } from "./modes/spawn.ts";
import { channel } from "./modes/channel.ts";
import { socketAddr } from "./modes/socket_addr.ts";
import { complete } from "./modes/complete.ts";

/** The stages by mode name; a mode not listed is not implemented yet. */
export const STAGES: Partial<Record<ChatMode, StageFactory>> = {
  basics,
  "buf-reader": bufReader,
  spawn,
  channel,
  "socket-addr": socketAddr,
  complete,
};

/** Runs the chat server until a shutdown signal; returns the exit code. */
export async function runChat(opts: ChatOptions): Promise<number> {
  const log = stderrLogger(opts.quiet);
  const factory = STAGES[opts.mode];
  if (!factory) {
    log.info(`tokserver chat: mode ${opts.mode}: not implemented yet`);
    return 1;
  }
  if (opts.backplane !== undefined) {
    log.info("tokserver chat: --backplane: not implemented yet");
    return 1;
  }
  const stage = factory({ opts, log });
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
    started: () => stage.started?.(),
    stopped: () => stage.stopped?.(),
  });
}
