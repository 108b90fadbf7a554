// Stage `buf-reader`: line echo read through TextLineStream, one client at a time; a second
// client stays connected but unanswered until the first leaves.

import type { ChatContext, ChatStage } from "../mode.ts";
import { echoStage } from "./spawn.ts";

/** Stage `buf-reader`. */
export const bufReader = (ctx: ChatContext): ChatStage => echoStage(ctx, true);
