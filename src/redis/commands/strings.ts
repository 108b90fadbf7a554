// String commands: GET and SET with every option of Redis 7.0 (EX/PX/EXAT/PXAT, NX/XX, GET,
// KEEPTTL), parsed in Redis's order so odd combinations get the same answers. A SET with a
// relative expiry is propagated as SET key value PXAT <absolute ms>, as Redis rewrites it.

import {
  isStr,
  KEEP_TTL,
  keyOf,
  type Millis,
  RELEASE_FROM,
  releaseBytes,
  type Stored,
  type Str,
  toStored,
} from "../store/db.ts";
import { bytes } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { Err } from "./replies.ts";
import { expireMillis } from "./expire.ts";
import { Notify, notify } from "./events.ts";

const SET = bytes("SET");
const PXAT = bytes("PXAT");

/** SET's and GETEX's options, as bits. */
export const enum Flag {
  NX = 1,
  XX = 2,
  GET = 4,
  KEEPTTL = 8,
  EX = 16,
  PX = 32,
  EXAT = 64,
  PXAT = 128,
  PERSIST = 256,
}

const ANY_EXPIRE = Flag.EX | Flag.PX | Flag.EXAT | Flag.PXAT;

function lower(c: number | undefined): number {
  return c !== undefined && c >= 65 && c <= 90 ? c + 32 : c ?? 0;
}

/** The option word at `b` as a Flag (case-insensitive), or 0. */
function optionOf(b: Uint8Array): number {
  switch (b.length) {
    case 2: {
      const a = lower(b[0]), c = lower(b[1]);
      if (c === 120) { // ?x
        if (a === 110) return Flag.NX;
        if (a === 120) return Flag.XX;
        if (a === 101) return Flag.EX;
        if (a === 112) return Flag.PX;
      }
      return 0;
    }
    case 3:
      return lower(b[0]) === 103 && lower(b[1]) === 101 && lower(b[2]) === 116 ? Flag.GET : 0;
    case 4: {
      const w = String.fromCharCode(lower(b[0]), lower(b[1]), lower(b[2]), lower(b[3]));
      return w === "exat" ? Flag.EXAT : w === "pxat" ? Flag.PXAT : 0;
    }
    case 7: {
      let w = "";
      for (const ch of b) w += String.fromCharCode(lower(ch));
      return w === "keepttl" ? Flag.KEEPTTL : w === "persist" ? Flag.PERSIST : 0;
    }
    default:
      return 0;
  }
}

/** Replies a string value as a bulk string, or a null bulk for none (or another type: MGET). */
export function replyValue(c: Session, v: Stored | undefined): void {
  if (typeof v === "string") c.out.binary(v);
  else if (v instanceof Uint8Array) c.out.bulk(v);
  else c.out.nullBulk();
}

/**
 * `v` when it is a string value or absent; for a hash or set, writes Redis's WRONGTYPE error
 * and returns null.
 */
export function asStr(c: Session, v: Stored | undefined): Str | undefined | null {
  if (v === undefined || isStr(v)) return v;
  c.out.error(Err.wrongType);
  return null;
}

/**
 * Stores the string `value` at `key` for SET and MSET, which keep nothing of the value they
 * replace. A replaced value kept as bytes is released at once ({@linkcode releaseBytes}) instead
 * of at V8's next collection, as Redis frees it. Only a new value of that size looks the old one
 * up (a large value is mostly replaced by one of about its size).
 * Not while a transaction or script collects changes to propagate later: a change it holds may
 * name a stored value's bytes (INCRBYFLOAT propagates the bytes it stores).
 */
export function storeString(c: Session, key: string, value: Str, expireAt?: Millis): void {
  const db = c.keyspace;
  if (typeof value === "string" || value.byteLength < RELEASE_FROM) {
    db.set(key, value, expireAt);
    return;
  }
  const old = db.peekStored(key);
  db.set(key, value, expireAt);
  if (old instanceof Uint8Array && c.server.propagateBatch === undefined) releaseBytes(old);
}

function get(c: Session, args: Uint8Array[]): void {
  const v = asStr(c, c.keyspace.getStored(keyOf(args[1]!)));
  if (v !== null) replyValue(c, v);
}

/** What a SET or GETEX without options parses to (shared: the hot path allocates nothing). */
const NO_OPTIONS: { flags: number; expire: Uint8Array | undefined } = {
  flags: 0,
  expire: undefined,
};

/**
 * SET's options (from args[3]) or GETEX's (from args[2]), as Redis's
 * parseExtendedStringArgumentsOrReply reads them: NX, XX, GET and KEEPTTL for SET only, PERSIST for
 * GETEX only, one of EX/PX/EXAT/PXAT with its value (the same one may repeat, the last value wins).
 * Writes the syntax error and returns undefined when they do not fit.
 *
 * @example
 * ```ts ignore
 * const opts = stringOptions(c, args, "set"); // SET k v NX EX 10 → { flags: NX | EX, expire: "10" }
 * ```
 */
export function stringOptions(
  c: Session,
  args: Uint8Array[],
  command: "set" | "getex",
): { flags: number; expire: Uint8Array | undefined } | undefined {
  const set = command === "set";
  if (args.length === (set ? 3 : 2)) return NO_OPTIONS;
  let flags = 0;
  let expire: Uint8Array | undefined;
  const n = args.length;
  for (let j = set ? 3 : 2; j < n; j++) {
    const opt = optionOf(args[j]!);
    const hasNext = j < n - 1;
    if (set && opt === Flag.NX && !(flags & Flag.XX)) flags |= Flag.NX;
    else if (set && opt === Flag.XX && !(flags & Flag.NX)) flags |= Flag.XX;
    else if (set && opt === Flag.GET) flags |= Flag.GET;
    else if (set && opt === Flag.KEEPTTL && !(flags & ANY_EXPIRE)) flags |= Flag.KEEPTTL;
    else if (!set && opt === Flag.PERSIST && !(flags & ANY_EXPIRE)) flags |= Flag.PERSIST;
    else if (
      (opt & ANY_EXPIRE) && !(flags & (Flag.KEEPTTL | Flag.PERSIST)) &&
      !(flags & ANY_EXPIRE & ~opt) && hasNext
    ) {
      flags |= opt;
      expire = args[++j]!;
    } else {
      c.out.error(Err.syntax);
      return undefined;
    }
  }
  return { flags, expire };
}

function set(c: Session, args: Uint8Array[]): void {
  const opts = stringOptions(c, args, "set");
  if (opts === undefined) return;
  const { flags, expire } = opts;
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  let at: Millis | undefined;
  if (expire !== undefined) {
    const seconds = (flags & (Flag.EX | Flag.EXAT)) !== 0;
    at = expireMillis(c, expire, seconds, (flags & (Flag.EX | Flag.PX)) !== 0, "set");
    if (at === undefined) return;
  }
  if (flags & Flag.GET) {
    const old = asStr(c, db.getStored(key));
    if (old === null) return;
    replyValue(c, old);
  }
  if (flags & (Flag.NX | Flag.XX)) {
    const found = db.has(key);
    if ((flags & Flag.NX && found) || (flags & Flag.XX && !found)) {
      if (!(flags & Flag.GET)) c.out.nullBulk();
      return;
    }
  }
  // Arguments are views into the read buffer: the stored value is a copy.
  storeString(c, key, toStored(args[2]!), at ?? (flags & Flag.KEEPTTL ? KEEP_TTL : undefined));
  notify(c, Notify.STRING, "set", key);
  if (at !== undefined) notify(c, Notify.GENERIC, "expire", key);
  if (at !== undefined) {
    c.propagateAs = [SET, args[1]!, args[2]!, PXAT, bytes(String(at))];
  } else if (flags & Flag.GET) {
    c.propagateAs = args.filter((a, i) => i < 3 || optionOf(a) !== Flag.GET);
  }
  if (!(flags & Flag.GET)) c.out.simple("OK");
}

/** The string command family. */
export const STRING_COMMANDS: readonly Command[] = [
  {
    name: "get",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    acl: ["@read", "@string", "@fast"],
    handler: get,
  },
  {
    name: "set",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    acl: ["@write", "@string", "@slow"],
    handler: set,
  },
];
