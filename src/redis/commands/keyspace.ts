// Keyspace commands: DEL, EXISTS, DBSIZE, FLUSHDB, FLUSHALL.

import { keyOf } from "../store/db.ts";
import { type Client, type Command } from "./types.ts";
import { Err } from "./errors.ts";
import { isWord } from "./args.ts";

function del(c: Client, args: Uint8Array[]): void {
  const db = c.server.db;
  let n = 0;
  for (let i = 1; i < args.length; i++) if (db.delete(keyOf(args[i]!))) n++;
  c.out.integer(n);
}

function exists(c: Client, args: Uint8Array[]): void {
  const db = c.server.db;
  let n = 0;
  for (let i = 1; i < args.length; i++) if (db.has(keyOf(args[i]!))) n++;
  c.out.integer(n);
}

/** FLUSHDB / FLUSHALL take an optional ASYNC or SYNC. */
function flush(c: Client, args: Uint8Array[]): void {
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

/** The keyspace command family. */
export const KEYSPACE_COMMANDS: readonly Command[] = [
  {
    name: "del",
    arity: -2,
    flags: ["write"],
    keys: [1, -1, 1],
    acl: ["@keyspace", "@write", "@slow"],
    handler: del,
  },
  {
    name: "exists",
    arity: -2,
    flags: ["readonly", "fast"],
    keys: [1, -1, 1],
    acl: ["@keyspace", "@read", "@fast"],
    handler: exists,
  },
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
