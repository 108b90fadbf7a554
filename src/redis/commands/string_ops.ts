// String commands beyond GET/SET, as Redis's t_string.c answers them: SETNX, SETEX, PSETEX,
// GETSET, GETDEL, GETEX, MGET, MSET, MSETNX, APPEND, STRLEN, GETRANGE and SETRANGE.
//
// APPEND and SETRANGE grow a value in place when it lives in a buffer this file allocated with
// room to spare (doubling up to 1 MB, then 1 MB more, as Redis's sds does), so appending to a key
// costs the bytes appended rather than a copy of the whole value each time. Values that came
// from a client's arguments are copied before they are stored: arguments are views into the
// connection's read buffer.

import { KEEP_TTL, keyBytes, keyOf, type Millis, type Str, toStored } from "../store/db.ts";
import { bytes } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { entry as str } from "./entry.ts";
import { parseInteger } from "../../resp/integer.ts";
import { Err } from "./replies.ts";
import { expireMillis, setExpiry } from "./expire.ts";
import { asStr, Flag, replyValue, storeString, stringOptions } from "./strings.ts";
import { Notify, notify } from "./events.ts";

const SET = bytes("SET");
const PXAT = bytes("PXAT");
const DEL = bytes("DEL");
const PERSIST = bytes("PERSIST");

/** Buffers allocated here for growing values; only these are written in place. */
const growable = new WeakSet<ArrayBufferLike>();
const MB = 1024 * 1024;
/** Results up to this long are stored as binary strings (the keyspace's short-value form). */
const SHORT = 64;

/**
 * A writable value of `total` bytes starting with `v`'s bytes, reusing `v`'s buffer when it is
 * ours and large enough. A new buffer gets room to spare unless `exact`.
 */
function grow(v: Str, total: number, exact = false): Uint8Array {
  if (typeof v === "string") v = keyBytes(v);
  else if (growable.has(v.buffer) && v.byteOffset === 0 && v.buffer.byteLength >= total) {
    return new Uint8Array(v.buffer, 0, total);
  }
  const capacity = exact ? total : total < MB ? Math.max(total * 2, 16) : total + MB;
  const buf = new ArrayBuffer(capacity);
  growable.add(buf);
  const out = new Uint8Array(buf, 0, total);
  out.set(v);
  return out;
}

const TOO_BIG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

function tooBig(c: Session, total: number): boolean {
  if (total > c.server.config.parserLimits.maxBulkLen) {
    c.out.error(TOO_BIG);
    return true;
  }
  return false;
}

function setnx(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  if (db.has(key)) {
    c.out.integer(0);
    return;
  }
  db.set(key, toStored(args[2]!));
  notify(c, Notify.STRING, "set", key);
  c.out.integer(1);
}

/** SETEX / PSETEX: SET with a relative expiry, propagated as SET ... PXAT. */
function setex(c: Session, args: Uint8Array[], seconds: boolean): void {
  const at = expireMillis(c, args[2]!, seconds, true, seconds ? "setex" : "psetex");
  if (at === undefined) return;
  const key = keyOf(args[1]!);
  c.keyspace.set(key, toStored(args[3]!), at);
  notify(c, Notify.STRING, "set", key);
  notify(c, Notify.GENERIC, "expire", key);
  c.propagateAs = [SET, args[1]!, args[3]!, PXAT, bytes(String(at))];
  c.out.simple("OK");
}

function getset(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const old = asStr(c, db.getStored(key));
  if (old === null) return;
  replyValue(c, old);
  db.set(key, toStored(args[2]!));
  notify(c, Notify.STRING, "set", key);
}

function getdel(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const v = asStr(c, db.getStored(key));
  if (v === null) return;
  replyValue(c, v);
  if (v !== undefined) {
    db.delete(key);
    notify(c, Notify.GENERIC, "del", key);
    c.propagateAs = [DEL, args[1]!];
  }
}

/** GETEX key [EX s | PX ms | EXAT t | PXAT t | PERSIST], parsed in Redis's order. */
function getex(c: Session, args: Uint8Array[]): void {
  const opts = stringOptions(c, args, "getex");
  if (opts === undefined) return;
  const { flags, expire } = opts;
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const v = asStr(c, db.getStored(key));
  if (v === null) return;
  if (v === undefined) {
    c.out.nullBulk();
    return;
  }
  let at: Millis | undefined;
  if (expire !== undefined) {
    at = expireMillis(
      c,
      expire,
      (flags & (Flag.EX | Flag.EXAT)) !== 0,
      (flags & (Flag.EX | Flag.PX)) !== 0,
      "getex",
    );
    if (at === undefined) return;
  }
  replyValue(c, v);
  if (at !== undefined) {
    // EX and PX are positive, so only EXAT and PXAT can name a time already past.
    setExpiry(c, key, args[1]!, at);
  } else if (flags & Flag.PERSIST) {
    if (db.persist(key)) {
      notify(c, Notify.GENERIC, "persist", key);
      c.propagateAs = [PERSIST, args[1]!];
    }
  }
}

function mget(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  c.out.arrayHeader(args.length - 1);
  for (let i = 1; i < args.length; i++) replyValue(c, db.getStored(keyOf(args[i]!)));
}

function msetGeneric(c: Session, args: Uint8Array[], nx: boolean): void {
  if (args.length % 2 === 0) {
    c.out.error(Err.arity(nx ? "msetnx" : "mset"));
    return;
  }
  const db = c.keyspace;
  if (nx) {
    for (let i = 1; i < args.length; i += 2) {
      if (db.has(keyOf(args[i]!))) {
        c.out.integer(0);
        return;
      }
    }
  }
  for (let i = 1; i < args.length; i += 2) {
    const key = keyOf(args[i]!);
    storeString(c, key, toStored(args[i + 1]!));
    notify(c, Notify.STRING, "set", key);
  }
  if (nx) c.out.integer(1);
  else c.out.simple("OK");
}

function append(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const add = args[2]!;
  const v = asStr(c, db.peekStored(key));
  if (v === null) return;
  if (v === undefined) {
    db.set(key, toStored(add));
    notify(c, Notify.STRING, "append", key);
    c.out.integer(add.length);
    return;
  }
  const total = v.length + add.length;
  if (tooBig(c, total)) return;
  if (typeof v === "string" && total <= SHORT) {
    db.set(key, v + keyOf(add), KEEP_TTL);
  } else {
    const out = grow(v, total);
    out.set(add, v.length);
    db.set(key, out, KEEP_TTL);
  }
  notify(c, Notify.STRING, "append", key);
  c.out.integer(total);
}

function strlen(c: Session, args: Uint8Array[]): void {
  const v = asStr(c, c.keyspace.getStored(keyOf(args[1]!)));
  if (v !== null) c.out.integer(v === undefined ? 0 : v.length);
}

const EMPTY = new Uint8Array(0);

function getrange(c: Session, args: Uint8Array[]): void {
  let start = parseInteger(args[2]!);
  let end = start === undefined ? undefined : parseInteger(args[3]!);
  if (start === undefined || end === undefined) {
    c.out.error(Err.notInteger);
    return;
  }
  const v = asStr(c, c.keyspace.getStored(keyOf(args[1]!)));
  if (v === null) return;
  if (v === undefined) {
    c.out.bulk(EMPTY);
    return;
  }
  const len = v.length;
  if (start < 0 && end < 0 && start > end) {
    c.out.bulk(EMPTY);
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) c.out.bulk(EMPTY);
  else if (typeof v === "string") c.out.binary(v.substring(start, end + 1));
  else c.out.bulk(v.subarray(start, end + 1));
}

function setrange(c: Session, args: Uint8Array[]): void {
  const offset = parseInteger(args[2]!);
  if (offset === undefined) {
    c.out.error(Err.notInteger);
    return;
  }
  if (offset < 0) {
    c.out.error("ERR offset is out of range");
    return;
  }
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const value = args[3]!;
  const v = asStr(c, db.peekStored(key));
  if (v === null) return;
  if (value.length === 0) {
    c.out.integer(v === undefined ? 0 : v.length);
    return;
  }
  const total = offset + value.length;
  if (tooBig(c, total)) return;
  let out: Uint8Array;
  if (v === undefined) out = grow(EMPTY, total, true);
  else if (total > v.length) out = grow(v, total);
  else out = grow(v, v.length, true);
  out.set(value, offset);
  db.set(key, out.length <= SHORT ? toStored(out) : out, v === undefined ? undefined : KEEP_TTL);
  notify(c, Notify.STRING, "setrange", key);
  c.out.integer(out.length);
}

/** The string commands of this file. */
export const STRING_OP_COMMANDS: readonly Command[] = [
  str("setnx", 3, ["write", "denyoom", "fast"], ["@write", "@string", "@fast"], setnx),
  str(
    "setex",
    4,
    ["write", "denyoom"],
    ["@write", "@string", "@slow"],
    (c, a) => setex(c, a, true),
  ),
  str(
    "psetex",
    4,
    ["write", "denyoom"],
    ["@write", "@string", "@slow"],
    (c, a) => setex(c, a, false),
  ),
  str("getset", 3, ["write", "denyoom", "fast"], ["@write", "@string", "@fast"], getset),
  str("getdel", 2, ["write", "fast"], ["@write", "@string", "@fast"], getdel),
  str("getex", -2, ["write", "fast"], ["@write", "@string", "@fast"], getex),
  str("mget", -2, ["readonly", "fast"], ["@read", "@string", "@fast"], mget, [1, -1, 1]),
  str(
    "mset",
    -3,
    ["write", "denyoom"],
    ["@write", "@string", "@slow"],
    (c, a) => msetGeneric(c, a, false),
    [1, -1, 2],
  ),
  str(
    "msetnx",
    -3,
    ["write", "denyoom"],
    ["@write", "@string", "@slow"],
    (c, a) => msetGeneric(c, a, true),
    [1, -1, 2],
  ),
  str("append", 3, ["write", "denyoom", "fast"], ["@write", "@string", "@fast"], append),
  str("strlen", 2, ["readonly", "fast"], ["@read", "@string", "@fast"], strlen),
  str("getrange", 4, ["readonly"], ["@read", "@string", "@slow"], getrange),
  str("setrange", 4, ["write", "denyoom"], ["@write", "@string", "@slow"], setrange),
];
