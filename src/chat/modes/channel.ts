// Mode `channel`: every line from any client goes to every client, the sender included, through
// the hub. Also the body of `socket-addr` and `complete`, which leave the sender out.

import { afterRoom, Hub } from "../hub.ts";
import { ClientSet } from "../client.ts";
import { stripControls } from "../sanitize.ts";
import type { ChatContext, ModeServer } from "../mode.ts";
import { linkRelay, RELAY_TOPIC } from "../backplane.ts";

/** A relay mode: lines go through one hub; `echoToSender` decides whether the sender gets its own. */
export function relayMode(ctx: ChatContext, echoToSender: boolean): ModeServer {
  const hub = new Hub(ctx.opts.queue, ctx.turns);
  const clients = new ClientSet();
  const { maxLine } = ctx.opts;
  const bp = ctx.backplane, tap = ctx.tap;
  if (bp) linkRelay(bp, hub, tap);
  return {
    async handle(c) {
      // As in the tutorial, the sender is known by its remote address.
      const sub = hub.subscribe(c.remote);
      const client = clients.add(c, sub);
      const from = echoToSender ? undefined : c.remote;
      const send = (text: string) => {
        hub.publish(text, from);
        bp?.publish(RELAY_TOPIC, c.remote, text);
        if (tap) tap({ from: c.remote, text });
      };
      try {
        await client.serveLines(maxLine, (line) => {
          const text = stripControls(line);
          // A paste waits for the readers (and Redis) instead of overrunning them.
          if (hub.room() !== undefined || bp?.room() !== undefined) {
            return afterRoom(hub, bp, send, text);
          }
          send(text);
        });
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
      tap?.({ text });
      return n;
    },
  };
}

/** Mode `channel`. */
export const channel = (ctx: ChatContext): ModeServer => relayMode(ctx, true);
