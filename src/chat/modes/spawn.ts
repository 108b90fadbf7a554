// Mode `spawn`: line echo, every client served at once in its own task. Also the body of
// `buf-reader`, which serves the same echo one client at a time.

import { LineQueue } from "../queue.ts";
import { ClientSet } from "../client.ts";
import type { ChatContext, ModeServer } from "../mode.ts";

const encoder = new TextEncoder();

/** An echo mode: each line comes back to its sender, as sent, with CRLF. */
export function echoMode(ctx: ChatContext, sequential: boolean): ModeServer {
  const clients = new ClientSet();
  const { maxLine, queue: capacity } = ctx.opts;
  /** The clients' queues, for the operator's lines. */
  const queues = new Set<LineQueue>();
  return {
    sequential,
    async handle(c) {
      const queue = new LineQueue(capacity, ctx.turns);
      queues.add(queue);
      const client = clients.add(c, queue);
      try {
        await client.serveLines(maxLine, (line) => {
          // An echo must not lose lines: when the client does not read, stop reading from it.
          queue.push(encoder.encode(line + "\r\n"));
          if (ctx.tap) ctx.tap({ from: c.remote, text: line });
          if (queue.size >= capacity) return queue.room();
        });
      } finally {
        queues.delete(queue);
        clients.delete(client);
      }
    },
    clients,
    publish(text) {
      const line = encoder.encode(text + "\r\n");
      for (const q of queues) q.push(line);
      ctx.tap?.({ text });
      return queues.size;
    },
  };
}

/** Mode `spawn`. */
export const spawn = (ctx: ChatContext): ModeServer => echoMode(ctx, false);
