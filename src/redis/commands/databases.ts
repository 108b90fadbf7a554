// Commands on a whole database: DBSIZE, FLUSHDB, FLUSHALL.

import type { Command, Session } from "./types.ts";
import { Err } from "./replies.ts";
import { isWord } from "./args.ts";

/** FLUSHDB / FLUSHALL take an optional ASYNC or SYNC. */
function flush(c: Session, args: Uint8Array[]): void {
  if (
    args.length > 2 ||
    (args.length === 2 && !isWord(args[1]!, "sync") && !isWord(args[1]!, "async"))
  ) {
    c.out.error(Err.syntax);
    return;
  }
  const db = c.server.db;
  db.flush();
  c.out.simple("OK");
}

/** The database commands. */
export const DATABASE_COMMANDS: readonly Command[] = [
  {
    name: "dbsize",
    arity: 1,
    flags: ["readonly", "fast"],
    acl: ["@keyspace", "@read", "@fast"],
    handler: (c) => c.out.integer(c.server.db.size),
  },
  {
    name: "flushdb",
    arity: -1,
    flags: ["write"],
    acl: ["@keyspace", "@write", "@slow", "@dangerous"],
    handler: flush,
  },
  {
    name: "flushall",
    arity: -1,
    flags: ["write"],
    acl: ["@keyspace", "@write", "@slow", "@dangerous"],
    handler: flush,
  },
];
