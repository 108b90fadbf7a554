// A script that runs past busy-reply-threshold (lua-time-limit) stops hogging the server: the Lua
// engine yields from a count hook every few milliseconds, the event loop reads the other clients,
// and they get Redis's BUSY error until the script ends, except for the commands Redis allows
// meanwhile (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE, MULTI, ...). This module keeps which
// servers have such a script and answers the dispatcher's question cheaply.

import type { Command, Server, ServerConfig } from "../commands/types.ts";

/** What SCRIPT KILL and FUNCTION KILL act on: the script running across turns. */
export interface BusyScript {
  /** EVAL (true) or FCALL (false): the error text and which KILL applies. */
  readonly isEval: boolean;
  /** A write command ran: the script can no longer be killed. */
  wrote: boolean;
  /** SCRIPT KILL / FUNCTION KILL asked it to stop at its next hook. */
  killed: boolean;
}

const busy = new Map<Server, BusyScript>();
/** How many servers have a busy script now (0 on the hot path: one comparison per command). */
let busyCount = 0;

/** Marks `server` busy with `script` (its first yield past the threshold). */
export function setBusy(server: Server, script: BusyScript): void {
  if (!busy.has(server)) busyCount++;
  busy.set(server, script);
}

/** The script is done. */
export function clearBusy(server: Server): void {
  if (busy.delete(server)) busyCount--;
}

/** The busy script of `server`, if any. */
export function busyScript(server: Server): BusyScript | undefined {
  return busyCount === 0 ? undefined : busy.get(server);
}

/** Redis's BUSY texts for a script of EVAL or of a function. */
export function busyError(isEval: boolean): string {
  return `BUSY Redis is busy running a script. You can only call ${
    isEval ? "SCRIPT" : "FUNCTION"
  } KILL or SHUTDOWN NOSAVE.`;
}

/**
 * The dispatcher's check: the BUSY error for `cmd` while a script is busy on `server`, or
 * undefined when it may run (allow_busy commands; SHUTDOWN only with NOSAVE).
 */
export function busyRejection(
  server: Server,
  cmd: Command,
  args: Uint8Array[],
): string | undefined {
  if (busyCount === 0) return undefined;
  const script = busy.get(server);
  if (script === undefined) return undefined;
  if (cmd.flags.includes("allow_busy")) {
    if (cmd.name !== "shutdown") return undefined;
    for (let i = 1; i < args.length; i++) {
      if (new TextDecoder().decode(args[i]!).toLowerCase() === "nosave") return undefined;
    }
  }
  return busyError(script.isEval);
}

const thresholds = new WeakMap<ServerConfig, number>();

/** busy-reply-threshold in ms (5000 unless CONFIG SET). */
export function busyThreshold(config: ServerConfig): number {
  return thresholds.get(config) ?? 5000;
}

/** CONFIG SET busy-reply-threshold / lua-time-limit. */
export function setBusyThreshold(config: ServerConfig, ms: number): void {
  thresholds.set(config, ms);
}

/** SCRIPT KILL (`isEval`) and FUNCTION KILL, with Redis 7.0's replies; the reply text. */
export function kill(server: Server, isEval: boolean): { ok: true } | { error: string } {
  const script = busyScript(server);
  if (script === undefined) return { error: "NOTBUSY No scripts in execution right now." };
  if (script.wrote) {
    return {
      error:
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
    };
  }
  if (isEval !== script.isEval) return { error: busyError(script.isEval) };
  script.killed = true;
  return { ok: true };
}
