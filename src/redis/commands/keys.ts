// Commands on keys whatever their values: DEL, UNLINK, EXISTS, TOUCH, TYPE, RANDOMKEY, RENAME and
// RENAMENX, answering as Redis's db.c does. (KEYS and SCAN: scan.ts; DBSIZE and FLUSH*:
// databases.ts.)

import { type Db, keyOf, typeName } from "../store/db.ts";
import { lookupWrite } from "./collections.ts";
import type { Command, Session } from "./types.ts";
import type { Random } from "../store/random.ts";
import { Notify, notify } from "./events.ts";

export { typeName };

/** DEL and UNLINK (values are freed at once either way). */
function del(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  let n = 0;
  for (let i = 1; i < args.length; i++) {
    const key = keyOf(args[i]!);
    if (db.delete(key)) {
      notify(c, Notify.GENERIC, "del", key);
      n++;
    }
  }
  c.out.integer(n);
}

function exists(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  let n = 0;
  // Counted as a read (hits, misses, keymiss events) that does not touch the key, as Redis's
  // lookupKeyReadWithFlags(LOOKUP_NOTOUCH).
  for (let i = 1; i < args.length; i++) if (db.getStored(keyOf(args[i]!), false) !== undefined) n++;
  c.out.integer(n);
}

function touch(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  let n = 0;
  for (let i = 1; i < args.length; i++) if (db.getStored(keyOf(args[i]!)) !== undefined) n++;
  c.out.integer(n);
}

function type(c: Session, args: Uint8Array[]): void {
  const v = c.keyspace.getStored(keyOf(args[1]!), false);
  c.out.simple(v === undefined ? "none" : typeName(v));
}

// ---- RANDOMKEY ----

/** Keyspaces up to this size pick uniformly; larger ones take a random stride of a walk. */
const UNIFORM_UP_TO = 4096;
/** A large keyspace's walk for RANDOMKEY, kept per database between calls. */
const walks = new WeakMap<Db, { walk: Iterator<string> | undefined }>();

function randomKey(db: Db, random: Random): string | undefined {
  let state = walks.get(db);
  if (state === undefined) walks.set(db, state = { walk: undefined });
  for (let tries = 0; tries < 100 && db.size > 0; tries++) {
    let k: string | undefined;
    if (db.size <= UNIFORM_UP_TO) {
      let i = random.below(db.size);
      for (const key of db.keys()) {
        if (i-- === 0) {
          k = key;
          break;
        }
      }
    } else {
      let steps = 1 + random.below(64);
      let restarts = 0;
      while (steps > 0 && restarts < 2) {
        state.walk ??= db.keys();
        const r = state.walk.next();
        if (r.done) {
          // At the end, start over; a fresh walk that ends at once means no live key.
          state.walk = undefined;
          restarts++;
          continue;
        }
        k = r.value;
        restarts = 0;
        steps--;
      }
    }
    // db.keys() skips keys past their time, so a pick can miss; has() removes a stale one.
    if (k === undefined) break;
    if (db.has(k)) return k;
  }
  // Many picks found only expired keys: choose among the live ones, if any, as Redis would.
  const live = [...db.keys()];
  return live.length === 0 ? undefined : live[random.below(live.length)];
}

function randomkey(c: Session): void {
  const k = randomKey(c.keyspace, c.server.random);
  if (k === undefined) c.out.nullBulk();
  else c.out.binary(k);
}

// ---- RENAME ----

function renameGeneric(c: Session, args: Uint8Array[], nx: boolean): void {
  const db = c.keyspace;
  const src = keyOf(args[1]!), dst = keyOf(args[2]!);
  const v = lookupWrite(db, src);
  if (v === undefined) {
    c.out.error("ERR no such key");
    return;
  }
  if (src === dst) {
    if (nx) c.out.integer(0);
    else c.out.simple("OK");
    return;
  }
  if (nx && lookupWrite(db, dst) !== undefined) {
    c.out.integer(0);
    return;
  }
  const at = db.expireAt(src);
  // As Redis: the old destination goes first, so the key is added anew ("new" event).
  db.delete(dst);
  const lru = db.accessOf(src, v);
  db.set(dst, v, at);
  // As Redis's dbAdd: a list or sorted set arriving at a key may serve its blocked clients.
  c.server.blocked.ready(c.db, dst);
  db.keepAccess(dst, v, lru);
  db.delete(src);
  notify(c, Notify.GENERIC, "rename_from", src);
  notify(c, Notify.GENERIC, "rename_to", dst);
  if (nx) c.out.integer(1);
  else c.out.simple("OK");
}

/** The key commands. */
export const KEY_COMMANDS: readonly Command[] = [
  {
    name: "del",
    arity: -2,
    flags: ["write"],
    keys: [1, -1, 1],
    acl: ["@keyspace", "@write", "@slow"],
    handler: del,
  },
  {
    name: "unlink",
    arity: -2,
    flags: ["write", "fast"],
    keys: [1, -1, 1],
    acl: ["@keyspace", "@write", "@fast"],
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
    name: "touch",
    arity: -2,
    flags: ["readonly", "fast"],
    keys: [1, -1, 1],
    acl: ["@keyspace", "@read", "@fast"],
    handler: touch,
  },
  {
    name: "type",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    acl: ["@keyspace", "@read", "@fast"],
    handler: type,
  },
  {
    name: "randomkey",
    arity: 1,
    flags: ["readonly"],
    acl: ["@keyspace", "@read", "@slow"],
    handler: randomkey,
  },
  {
    name: "rename",
    arity: 3,
    flags: ["write"],
    keys: [1, 2, 1],
    acl: ["@keyspace", "@write", "@slow"],
    handler: (c, args) => renameGeneric(c, args, false),
  },
  {
    name: "renamenx",
    arity: 3,
    flags: ["write", "fast"],
    keys: [1, 2, 1],
    acl: ["@keyspace", "@write", "@fast"],
    handler: (c, args) => renameGeneric(c, args, true),
  },
];
