// Redis's call(): runs a command that has passed every check and sends what it changed down the
// server's one propagation hook. A command as received (server/dispatch.ts) and each command an
// EXEC runs (transactions.ts) both go through here, so they propagate alike.

import type { Command, Server, Session } from "./types.ts";
import { trackRead } from "./tracking.ts";
import { bytes } from "./args.ts";

const MULTI = bytes("MULTI");
const EXEC = bytes("EXEC");

/**
 * Runs `cmd`'s handler for `c`. A write command that changed the dataset (the keyspace's `dirty`
 * counter moved) is propagated as its arguments, or as `c.propagateAs` when the handler set it.
 */
export function call(c: Session, cmd: Command, args: Uint8Array[]): void {
  c.lastCommand = cmd.name;
  const server = c.server;
  // The counter is shared by every database: MOVE and FLUSHALL change others than c's.
  const shared = server.dbs.shared;
  const dirty = shared.dirty;
  c.propagateAs = undefined;
  cmd.handler!(c, args);
  if (c.tracking !== undefined && cmd.flags.includes("readonly")) trackRead(c, cmd, args);
  if (shared.dirty !== dirty && cmd.flags.includes("write")) {
    // An empty propagateAs: the handler propagated what it did itself (XREADGROUP, XCLAIM).
    const as = c.propagateAs ?? args;
    if (as.length > 0) server.propagate(as, c.db);
  }
}

/**
 * Propagates the changes a unit that must stay atomic collected (an EXEC's commands, a script's
 * writes): one change alone, more wrapped in MULTI ... EXEC, as Redis 7 writes its append-only
 * file. Inside an outer batch (a script run by EXEC) they join that batch unwrapped.
 */
export function propagateAtomically(
  server: Server,
  changes: [args: Uint8Array[], db: number][],
): void {
  const outer = server.propagateBatch;
  if (outer !== undefined) {
    for (const ch of changes) outer.push(ch);
  } else if (changes.length === 1) {
    server.propagate(changes[0]![0], changes[0]![1]);
  } else if (changes.length > 1) {
    server.propagate([MULTI], changes[0]![1]);
    for (const [args, db] of changes) server.propagate(args, db);
    server.propagate([EXEC], changes[changes.length - 1]![1]);
  }
}

/**
 * Runs `fn`, a command (or a served blocked client) that propagates what it did itself, and sends
 * what it propagated as one unit: Redis 7 wraps the several commands one call logs (XREADGROUP's
 * XCLAIM per entry, XGROUP CREATECONSUMER + SETID) in MULTI ... EXEC. Inside an outer batch
 * (EXEC, a script) the changes simply join it.
 */
export function propagateAsUnit(server: Server, fn: () => void): void {
  if (server.propagateBatch !== undefined) return fn();
  const changes: [args: Uint8Array[], db: number][] = [];
  server.propagateBatch = changes;
  try {
    fn();
  } finally {
    server.propagateBatch = undefined;
  }
  propagateAtomically(server, changes);
}
