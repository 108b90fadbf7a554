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

const flushArgs = [{
  name: "flush-type",
  type: "oneof",
  optional: true,
  arguments: [
    { name: "async", type: "pure-token", token: "ASYNC" },
    { name: "sync", type: "pure-token", token: "SYNC" },
  ],
}] as const;

/** The keyspace command family. */
export const KEYSPACE_COMMANDS: readonly Command[] = [
  {
    name: "del",
    arity: -2,
    flags: ["write"],
    keys: [1, -1, 1],
    acl: ["@keyspace", "@write", "@slow"],
    summary: "Delete a key",
    since: "1.0.0",
    group: "generic",
    complexity: "O(N) where N is the number of keys that will be removed.",
    args: [{ name: "key", type: "key", multiple: true }],
    handler: del,
  },
  {
    name: "exists",
    arity: -2,
    flags: ["readonly", "fast"],
    keys: [1, -1, 1],
    acl: ["@keyspace", "@read", "@fast"],
    summary: "Determine if a key exists",
    since: "1.0.0",
    group: "generic",
    complexity: "O(N) where N is the number of keys to check.",
    args: [{ name: "key", type: "key", multiple: true }],
    handler: exists,
  },
  {
    name: "dbsize",
    arity: 1,
    flags: ["readonly", "fast"],
    acl: ["@keyspace", "@read", "@fast"],
    summary: "Return the number of keys in the selected database",
    since: "1.0.0",
    group: "server",
    complexity: "O(1)",
    handler: (c) => c.out.integer(c.server.db.size),
  },
  {
    name: "flushdb",
    arity: -1,
    flags: ["write"],
    acl: ["@keyspace", "@write", "@slow", "@dangerous"],
    summary: "Remove all keys from the current database",
    since: "1.0.0",
    group: "server",
    complexity: "O(N) where N is the number of keys in the selected database",
    args: flushArgs,
    handler: flush,
  },
  {
    name: "flushall",
    arity: -1,
    flags: ["write"],
    acl: ["@keyspace", "@write", "@slow", "@dangerous"],
    summary: "Remove all keys from all databases",
    since: "1.0.0",
    group: "server",
    complexity: "O(N) where N is the total number of keys in all databases",
    args: flushArgs,
    handler: flush,
  },
];
