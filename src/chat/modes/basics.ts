// Mode `basics`: one client at a time. Its lines are printed on the server's stdout; lines the
// operator types on stdin go to it through a hub (so they queue and coalesce like any other).
// When stdin closes the server says so and keeps serving; clients can still talk to stdout.
// In process (embed.ts) the tap stands for the operator: no stdin, no stdout.

import { TextLineStream } from "../../std/streams.ts";
import { Hub } from "../hub.ts";
import { ClientSet } from "../client.ts";
import { writeAll } from "../../net/io.ts";
import { stripControls } from "../sanitize.ts";
import type { ChatContext, ModeServer } from "../mode.ts";

const encoder = new TextEncoder();

/** Mode `basics`. */
export function basics(ctx: ChatContext): ModeServer {
  const hub = new Hub(ctx.opts.queue, ctx.turns);
  const clients = new ClientSet();
  const { maxLine } = ctx.opts;
  let stdoutOk = true;

  async function print(line: string, from: string): Promise<void> {
    if (ctx.tap) return ctx.tap({ from, text: stripControls(line) });
    if (!stdoutOk) return;
    try {
      // The operator's terminal deserves the same protection as a client's.
      await writeAll(Deno.stdout, encoder.encode(stripControls(line) + "\n"));
    } catch (err) {
      stdoutOk = false;
      ctx.log.info(`stdout: ${err instanceof Error ? err.message : err}; client lines not printed`);
    }
  }

  async function readStdin(): Promise<void> {
    try {
      const lines = Deno.stdin.readable
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new TextLineStream());
      for await (const line of lines) {
        if (hub.publish(line) === 0) ctx.log.info("no client connected; line not sent");
      }
    } catch (err) {
      ctx.log.info(`stdin: ${err instanceof Error ? err.message : err}`);
    }
    ctx.log.info("stdin closed; still serving (client lines are printed, none can be sent)");
  }

  return {
    sequential: true,
    started() {
      if (!ctx.tap) readStdin();
    },
    async handle(c) {
      const sub = hub.subscribe(c.remote);
      const client = clients.add(c, sub);
      try {
        await client.serveLines(maxLine, (line) => print(line, c.remote));
      } finally {
        sub.unsubscribe();
        clients.delete(client);
      }
    },
    clients,
    stopped: () => hub.close(),
    idle: () => hub.trim(),
    publish(text) {
      const n = hub.publish(text);
      ctx.tap?.({ text });
      return n;
    },
  };
}
