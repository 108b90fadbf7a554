// Commands that would change what the shared command connection is: after SUBSCRIBE it only
// pushes messages, after MONITOR it streams every command, a blocking command holds it until it
// returns, RESET and QUIT undo or end it for every caller, CLIENT REPLY OFF makes replies vanish.
// Any of them would hand later callers someone else's reply, so `send()` refuses them and names
// the API that runs them safely.

import type { Arg } from "./conn.ts";

const decoder = new TextDecoder();

const SUBSCRIBE = "would put the shared connection in subscribed mode: use client.subscribe() " +
  "or client.psubscribe(), which open a connection of their own";
const UNSUBSCRIBE = "is for a subscription's own connection: use unsubscribe()/punsubscribe() " +
  "on the Subscriber that client.subscribe() or client.psubscribe() returned";
const BLOCKS = "would hold the shared connection until it returns: use client.blocking(...), " +
  "which runs it on a connection of its own";

/** Refusals by upper-case command name. */
const REFUSED = new Map<string, string>([
  ["SUBSCRIBE", SUBSCRIBE],
  ["PSUBSCRIBE", SUBSCRIBE],
  ["UNSUBSCRIBE", UNSUBSCRIBE],
  ["PUNSUBSCRIBE", UNSUBSCRIBE],
  [
    "SSUBSCRIBE",
    "would put the shared connection in subscribed mode, and this client has no API for " +
    "sharded subscriptions: use client.subscribe() for channels",
  ],
  ["SUNSUBSCRIBE", "is for a sharded subscription's own connection, which this client has not"],
  [
    "MONITOR",
    "would turn the shared connection into a stream of every command the server runs: " +
    "run it on a connection of its own (`tokserver redis-cli monitor` or redis-cli)",
  ],
  [
    "RESET",
    "would reset the shared connection (database, name, subscriptions) under every caller: " +
    "use a client of its own (connect())",
  ],
  ["QUIT", "would close the shared connection under every caller: use client.close()"],
  ["BLPOP", BLOCKS],
  ["BRPOP", BLOCKS],
  ["BRPOPLPUSH", BLOCKS],
  ["BLMOVE", BLOCKS],
  ["BLMPOP", BLOCKS],
  ["BZPOPMIN", BLOCKS],
  ["BZPOPMAX", BLOCKS],
  ["BZMPOP", BLOCKS],
  ["WAIT", BLOCKS],
]);

/** First letters (lower case) of the commands below: others are passed without a look-up. */
const FIRST = new Set(Array.from("spumrqbwxch", (c) => c.charCodeAt(0)));

/** The first character of a command name in lower case (ASCII), or 0. */
function firstLower(a: Arg | undefined): number {
  if (typeof a === "string") return a.length === 0 ? 0 : a.charCodeAt(0) | 0x20;
  if (a instanceof Uint8Array) return a.length === 0 ? 0 : a[0]! | 0x20;
  return 0;
}

/** Upper-case text of an argument (a command name or option). */
function upper(a: Arg | undefined): string {
  if (a === undefined) return "";
  if (a instanceof Uint8Array) return a.length > 32 ? "" : decoder.decode(a).toUpperCase();
  return String(a).toUpperCase();
}

/**
 * Why `args` must not run on the shared connection, as the message of the error `send()`
 * rejects with (`SUBSCRIBE would put ...: use client.subscribe() ...`), or undefined when the
 * command is fine there. `blocking` is true for the commands `client.blocking()` may run.
 * `protover` is the protocol the connection speaks: on a RESP3 one, HELLO 3 changes nothing.
 */
export function modeChange(
  args: readonly Arg[],
  protover: 2 | 3 = 2,
): { message: string; blocking: boolean } | undefined {
  if (!FIRST.has(firstLower(args[0]))) return undefined;
  const name = upper(args[0]);
  const refused = REFUSED.get(name);
  if (refused !== undefined) return { message: `${name} ${refused}`, blocking: refused === BLOCKS };
  if (name === "XREAD" || name === "XREADGROUP") {
    // Blocking only with a BLOCK option, which comes before STREAMS.
    for (let i = 1; i < args.length; i++) {
      const opt = upper(args[i]);
      if (opt === "STREAMS") break;
      if (opt === "BLOCK") return { message: `${name} BLOCK ${BLOCKS}`, blocking: true };
    }
  } else if (name === "CLIENT" && upper(args[1]) === "REPLY") {
    return {
      message: "CLIENT REPLY would make the shared connection's replies vanish, so later " +
        "callers would get someone else's reply: use a client of its own (connect())",
      blocking: false,
    };
  } else if (name === "HELLO" && args.length > 1 && protover === 2 && upper(args[1]) !== "2") {
    return {
      message: "HELLO with a protocol other than 2 would switch the shared connection to " +
        "RESP3 for every caller; this client speaks RESP2",
      blocking: false,
    };
  }
  return undefined;
}

/**
 * The error `send()` rejects with for a command {@linkcode modeChange} refuses: the command
 * is never written, and every other caller's replies stay in step.
 */
export class ModeError extends Error {
  override name = "ModeError";
}
