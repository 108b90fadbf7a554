// Redis's call(): runs a command that has passed every check and sends what it changed down the
// server's one propagation hook. A command as received (server/dispatch.ts) and each command an
// EXEC runs (transactions.ts) both go through here, so they propagate alike.

import type { Command, Session } from "./types.ts";
import { trackRead } from "./tracking.ts";

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
