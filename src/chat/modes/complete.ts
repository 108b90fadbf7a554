// Stage `complete`: the finished tutorial program. It behaves as `socket-addr` (every line to
// every other client); what the tutorial adds at this stage, a clean shutdown and per-client
// limits, every stage here already has.

import type { ChatContext, ChatStage } from "../mode.ts";
import { relayStage } from "./channel.ts";

/** Stage `complete`. */
export const complete = (ctx: ChatContext): ChatStage => relayStage(ctx, false);
