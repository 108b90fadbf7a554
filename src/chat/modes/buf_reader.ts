// Mode `buf-reader`: line echo read through TextLineStream, one client at a time; a second
// client stays connected but unanswered until the first leaves.

import type { ChatContext, ModeServer } from "../mode.ts";
import { echoMode } from "./spawn.ts";

/** Mode `buf-reader`. */
export const bufReader = (ctx: ChatContext): ModeServer => echoMode(ctx, true);
