// Stage `socket-addr`: every line goes to every other client, never back to its sender, who is
// known by its remote address.

import type { ChatContext, ChatStage } from "../mode.ts";
import { relayStage } from "./channel.ts";

/** Stage `socket-addr`. */
export const socketAddr = (ctx: ChatContext): ChatStage => relayStage(ctx, false);
