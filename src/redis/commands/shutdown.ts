// The persistence commands: SHUTDOWN (flush and fsync the append-only file, close the clients,
// exit 0) and BGREWRITEAOF (rewrite the file from the dataset in the background), with Redis
// 7.0's arguments, replies and error texts.

import { type Command, type Session } from "./types.ts";
import { Err } from "./replies.ts";
import { isWord } from "./args.ts";

function shutdown(c: Session, args: Uint8Array[]): void {
  let nosave = false, save = false, abort = false, force = false, now = false;
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (isWord(a, "nosave")) nosave = true;
    else if (isWord(a, "save")) save = true;
    else if (isWord(a, "now")) now = true;
    else if (isWord(a, "force")) force = true;
    else if (isWord(a, "abort")) abort = true;
    else {
      c.out.error(Err.syntax);
      return;
    }
  }
  if ((nosave && save) || (abort && (nosave || save || now || force))) {
    c.out.error(Err.syntax);
    return;
  }
  if (abort) {
    // A shutdown here never waits for replicas, so there is none to abort.
    c.out.error("ERR No shutdown in progress.");
    return;
  }
  // SAVE and NOSAVE concern RDB snapshots, which this server does not write; the append-only
  // file is flushed and fsynced either way, as Redis does.
  if (!c.server.persistence.shutdown(force)) {
    c.out.error("ERR Errors trying to SHUTDOWN. Check logs.");
    return;
  }
  // No reply: the connection closes as the server stops. Nothing after it is run.
  c.closeAfterReply = true;
}

function bgrewriteaof(c: Session): void {
  if (c.server.persistence.startRewrite()) {
    c.out.simple("Background append only file rewriting started");
  } else {
    c.out.error("ERR Background append only file rewriting already in progress");
  }
}

/** SHUTDOWN and BGREWRITEAOF. */
export const SHUTDOWN_COMMANDS: readonly Command[] = [
  {
    name: "bgrewriteaof",
    arity: 1,
    flags: ["admin", "noscript", "no_async_loading"],
    acl: ["@admin", "@slow", "@dangerous"],
    handler: bgrewriteaof,
  },
  {
    name: "shutdown",
    arity: -1,
    flags: ["admin", "noscript", "loading", "stale", "no_multi", "allow_busy"],
    acl: ["@admin", "@slow", "@dangerous"],
    handler: shutdown,
  },
];
