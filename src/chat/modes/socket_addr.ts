// Mode `socket-addr`: every line goes to every other client, never back to its sender, who is
// known by its remote address.

import type { ChatContext, ModeServer } from "../mode.ts";
import { relayMode } from "./channel.ts";

/** Mode `socket-addr`. */
export const socketAddr = (ctx: ChatContext): ModeServer => relayMode(ctx, false);
