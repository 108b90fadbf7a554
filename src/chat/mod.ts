// `tokserver chat`: picks the stage's handler and runs it on the shared server plumbing.

import { runServer } from "../net/run.ts";
import { stderrLogger } from "../net/log.ts";
import { readLines } from "../net/line_reader.ts";
import type { ChatOptions } from "./options.ts";

const encoder = new TextEncoder();

/** Runs the chat server until a shutdown signal; returns the exit code. */
export function runChat(opts: ChatOptions): Promise<number> {
  const log = stderrLogger(opts.quiet);
  return runServer({
    host: opts.host,
    port: opts.port,
    label: `chat, mode ${opts.mode}`,
    log,
    maxClients: opts.maxclients,
    handle: async ({ conn }) => {
      for await (const line of readLines(conn, { maxLine: opts.maxLine })) {
        await conn.write(encoder.encode(line + "\r\n"));
      }
    },
  });
}
