// Commands on whole databases: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, and MOVE (a key from the
// selected database to another), with Redis 7.0's replies, errors and keyspace events.

import type { Command, Session } from "./types.ts";
import { Err } from "./replies.ts";
import { isWord } from "./args.ts";
import { type Db, keyOf, ListValue, StreamValue, ZSetValue } from "../store/db.ts";
import { lookupWrite } from "./collections.ts";
import { Notify } from "../store/notify_classes.ts";
import { parseInteger } from "../../resp/integer.ts";

/**
 * Before database `db` is flushed: its keys holding a stream that clients wait on are made ready,
 * so group readers wake with Redis's "UNBLOCKED the stream key no longer exists" (Redis's
 * signalFlushedDb); plain XREAD readers keep waiting.
 */
function signalFlushed(c: Session, db: Db): void {
  c.server.blocked.readyIn(db.index, (key) => db.peekStored(key) instanceof StreamValue);
}

/** FLUSHDB / FLUSHALL take an optional ASYNC or SYNC; false (after the error) otherwise. */
function flushMode(c: Session, args: Uint8Array[]): boolean {
  if (
    args.length > 2 ||
    (args.length === 2 && !isWord(args[1]!, "sync") && !isWord(args[1]!, "async"))
  ) {
    c.out.error(Err.syntax);
    return false;
  }
  return true;
}

/**
 * A database index argument as Redis's getIntFromObjectOrReply reads it: undefined (after the
 * error, `msg` when given) unless it is a 32-bit integer. The range of databases is the caller's.
 */
export function dbIndexArg(c: Session, arg: Uint8Array, msg?: string): number | undefined {
  const n = parseInteger(arg);
  if (n === undefined) {
    c.out.error(msg === undefined ? Err.notInteger : `ERR ${msg}`);
    return undefined;
  }
  if (n < -2147483648 || n > 2147483647) {
    c.out.error(
      msg === undefined
        ? "ERR value is out of range, value must between -2147483648 and 2147483647"
        : `ERR ${msg}`,
    );
    return undefined;
  }
  return n;
}

/** Whether `n` names one of the server's databases. */
export function validDb(c: Session, n: number): boolean {
  return n >= 0 && n < c.server.dbs.count;
}

const OUT_OF_RANGE = "ERR DB index is out of range";

function swapdb(c: Session, args: Uint8Array[]): void {
  const a = dbIndexArg(c, args[1]!, "invalid first DB index");
  if (a === undefined) return;
  const b = dbIndexArg(c, args[2]!, "invalid second DB index");
  if (b === undefined) return;
  if (!validDb(c, a) || !validDb(c, b)) {
    c.out.error(OUT_OF_RANGE);
    return;
  }
  const dbs = c.server.dbs;
  if (a !== b) {
    dbs.swap(a, b);
    // Clients blocked in either database may find a list, sorted set or stream there now, and a
    // group reader whose stream went away is woken with its error (Redis's
    // scanDatabaseForReadyKeys and scanDatabaseForDeletedStreams).
    for (const [i, j] of [[a, b], [b, a]] as const) {
      const db = dbs.get(i), before = dbs.get(j);
      c.server.blocked.readyIn(i, (key) => {
        const v = db.peekStored(key);
        return v instanceof ListValue || v instanceof ZSetValue || v instanceof StreamValue ||
          before.peekStored(key) instanceof StreamValue;
      });
    }
  } else dbs.dirty++;
  c.out.simple("OK");
}

/** MOVE key db, as Redis's moveCommand: the key keeps its time to live. */
function move(c: Session, args: Uint8Array[]): void {
  const target = dbIndexArg(c, args[2]!);
  if (target === undefined) return;
  if (!validDb(c, target)) {
    c.out.error(OUT_OF_RANGE);
    return;
  }
  if (target === c.db) {
    c.out.error("ERR source and destination objects are the same");
    return;
  }
  const src = c.keyspace, dst = c.server.dbs.get(target);
  const key = keyOf(args[1]!);
  const v = lookupWrite(src, key);
  // Both lookups are write lookups in Redis: a key already in the target counts as used.
  if (v === undefined || lookupWrite(dst, key) !== undefined) {
    c.out.integer(0);
    return;
  }
  const lru = src.accessOf(key, v);
  dst.set(key, v, src.expireAt(key));
  c.server.blocked.ready(dst.index, key);
  dst.keepAccess(key, v, lru);
  src.delete(key);
  const events = c.server.events;
  events.emit(Notify.GENERIC, "move_from", key, src.index);
  events.emit(Notify.GENERIC, "move_to", key, dst.index);
  c.out.integer(1);
}

/** The database commands. */
export const DATABASE_COMMANDS: readonly Command[] = [
  {
    name: "dbsize",
    arity: 1,
    flags: ["readonly", "fast"],
    acl: ["@keyspace", "@read", "@fast"],
    handler: (c) => c.out.integer(c.keyspace.size),
  },
  {
    name: "flushdb",
    arity: -1,
    flags: ["write"],
    acl: ["@keyspace", "@write", "@slow", "@dangerous"],
    handler: (c, args) => {
      if (!flushMode(c, args)) return;
      signalFlushed(c, c.keyspace);
      c.keyspace.flush();
      c.out.simple("OK");
    },
  },
  {
    name: "flushall",
    arity: -1,
    flags: ["write"],
    acl: ["@keyspace", "@write", "@slow", "@dangerous"],
    handler: (c, args) => {
      if (!flushMode(c, args)) return;
      // Only the databases made so far can hold keys (get() would make the others).
      for (const db of c.server.dbs.made()) signalFlushed(c, db);
      c.server.dbs.flushAll();
      c.out.simple("OK");
    },
  },
  {
    name: "swapdb",
    arity: 3,
    flags: ["write", "fast"],
    acl: ["@keyspace", "@write", "@fast", "@dangerous"],
    handler: swapdb,
  },
  {
    name: "move",
    arity: 3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    acl: ["@keyspace", "@write", "@fast"],
    handler: move,
  },
];
