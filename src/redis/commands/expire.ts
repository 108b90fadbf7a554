// Time to live, as Redis's expire.c: EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT (with NX, XX, GT and
// LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME and PERSIST, plus the expiry-argument parsing that SETEX,
// PSETEX and GETEX share. Times are checked in exact 64-bit arithmetic (BigInt), so the overflow
// errors appear for exactly the arguments that make Redis print them. Every expiry is propagated
// as an absolute PEXPIREAT (or a DEL when the time has already passed), as Redis rewrites it.

import { keyOf } from "../store/db.ts";
import { bytes, cString, lowerName } from "./args.ts";
import { type Command, type Session } from "./types.ts";
import { Err } from "./replies.ts";

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
const PEXPIREAT = bytes("PEXPIREAT");
const DEL = bytes("DEL");

/**
 * Parses a signed 64-bit integer exactly as Redis's string2ll (no spaces, no '+', no leading
 * zeros); undefined when invalid.
 */
export function parseInt64(b: Uint8Array): bigint | undefined {
  const len = b.length;
  if (len === 0 || len >= 21) return undefined;
  if (len === 1 && b[0] === 48) return 0n;
  let p = 0;
  const neg = b[0] === 45;
  if (neg) {
    p = 1;
    if (len === 1) return undefined;
  }
  if (b[p]! < 49 || b[p]! > 57) return undefined;
  let s = "";
  for (; p < len; p++) {
    const c = b[p]!;
    if (c < 48 || c > 57) return undefined;
    s += String.fromCharCode(c);
  }
  const v = neg ? -BigInt(s) : BigInt(s);
  return v > LLONG_MAX || v < LLONG_MIN ? undefined : v;
}

/** Redis's "invalid expire time in '<command>' command". */
export function invalidExpire(name: string): string {
  return `ERR invalid expire time in '${name}' command`;
}

/**
 * The absolute expiry in ms of a SET-style option (SETEX, PSETEX, GETEX EX/PX/EXAT/PXAT), as
 * Redis's getExpireMillisecondsOrReply: the value must be positive, seconds are multiplied by
 * 1000, relative times are added to `now`, and overflow is an error. Writes the error and
 * returns undefined when invalid.
 */
export function expireMillis(
  c: Session,
  arg: Uint8Array,
  seconds: boolean,
  relative: boolean,
  name: string,
): number | undefined {
  const v = parseInt64(arg);
  if (v === undefined) {
    c.out.error(Err.notInteger);
    return undefined;
  }
  if (v <= 0n || (seconds && v > LLONG_MAX / 1000n)) {
    c.out.error(invalidExpire(name));
    return undefined;
  }
  let ms = seconds ? v * 1000n : v;
  if (relative) ms += BigInt(c.server.db.now());
  if (ms > LLONG_MAX) {
    c.out.error(invalidExpire(name));
    return undefined;
  }
  return Number(ms);
}

const NX = 1, XX = 2, GT = 4, LT = 8;

/** EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT, as Redis's expireGenericCommand. */
function expireGeneric(c: Session, args: Uint8Array[], seconds: boolean, relative: boolean): void {
  let flags = 0;
  for (let j = 3; j < args.length; j++) {
    const opt = lowerName(args[j]!);
    if (opt === "nx") flags |= NX;
    else if (opt === "xx") flags |= XX;
    else if (opt === "gt") flags |= GT;
    else if (opt === "lt") flags |= LT;
    else {
      const text = cString(args[j]!, 1 << 20).replace(/[\r\n]+$/, "").replace(/[\r\n]/g, " ");
      c.out.error(`ERR Unsupported option ${text}`);
      return;
    }
  }
  if ((flags & NX) && (flags & (XX | GT | LT))) {
    c.out.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if ((flags & GT) && (flags & LT)) {
    c.out.error("ERR GT and LT options at the same time are not compatible");
    return;
  }
  let when = parseInt64(args[2]!);
  if (when === undefined) {
    c.out.error(Err.notInteger);
    return;
  }
  const name = lowerName(args[0]!);
  if (seconds) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) {
      c.out.error(invalidExpire(name));
      return;
    }
    when *= 1000n;
  }
  const db = c.server.db;
  const now = db.now();
  const base = relative ? BigInt(now) : 0n;
  if (when > LLONG_MAX - base) {
    c.out.error(invalidExpire(name));
    return;
  }
  when += base;
  const key = keyOf(args[1]!);
  if (!db.has(key)) {
    c.out.integer(0);
    return;
  }
  if (flags) {
    const current = db.expireAt(key);
    if (
      ((flags & NX) && current !== undefined) ||
      ((flags & XX) && current === undefined) ||
      ((flags & GT) && (current === undefined || when <= BigInt(current))) ||
      ((flags & LT) && current !== undefined && when >= BigInt(current))
    ) {
      c.out.integer(0);
      return;
    }
  }
  if (when <= BigInt(now)) {
    db.delete(key);
    c.propagateAs = [DEL, args[1]!];
  } else {
    db.setExpireAt(key, Number(when));
    c.propagateAs = [PEXPIREAT, args[1]!, bytes(when.toString())];
  }
  c.out.integer(1);
}

/** TTL / PTTL / EXPIRETIME / PEXPIRETIME, as Redis's ttlGenericCommand. */
function ttlGeneric(c: Session, args: Uint8Array[], ms: boolean, absolute: boolean): void {
  const db = c.server.db;
  const key = keyOf(args[1]!);
  if (!db.has(key)) {
    c.out.integer(-2);
    return;
  }
  const at = db.expireAt(key);
  if (at === undefined) {
    c.out.integer(-1);
    return;
  }
  let ttl = absolute ? at : at - db.now();
  if (ttl < 0) ttl = 0;
  c.out.integer(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

function persist(c: Session, args: Uint8Array[]): void {
  c.out.integer(c.server.db.persist(keyOf(args[1]!)) ? 1 : 0);
}

function expireCommand(
  name: string,
  seconds: boolean,
  relative: boolean,
): Command {
  return {
    name,
    arity: -3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    acl: ["@keyspace", "@write", "@fast"],
    handler: (c, args) => expireGeneric(c, args, seconds, relative),
  };
}

function ttlCommand(
  name: string,
  ms: boolean,
  absolute: boolean,
): Command {
  return {
    name,
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    acl: ["@keyspace", "@read", "@fast"],
    handler: (c, args) => ttlGeneric(c, args, ms, absolute),
  };
}

/** The time-to-live command family. */
export const EXPIRE_COMMANDS: readonly Command[] = [
  expireCommand("expire", true, true),
  expireCommand("pexpire", false, true),
  expireCommand("expireat", true, false),
  expireCommand("pexpireat", false, false),
  ttlCommand("ttl", false, false),
  ttlCommand("pttl", true, false),
  ttlCommand("expiretime", false, true),
  ttlCommand("pexpiretime", true, true),
  {
    name: "persist",
    arity: 2,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    acl: ["@keyspace", "@write", "@fast"],
    handler: persist,
  },
];
