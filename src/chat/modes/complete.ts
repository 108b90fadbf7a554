// Mode `complete`: the finished tutorial program. It behaves as `socket-addr` (every line to
// every other client); what the tutorial adds at this stage, a clean shutdown and per-client
// limits, every stage here already has.

import type { ChatContext, ModeServer } from "../mode.ts";
import { relayMode } from "./channel.ts";

/** Mode `complete`. */
export const complete = (ctx: ChatContext): ModeServer => relayMode(ctx, false);
