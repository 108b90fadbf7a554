// Time to live, as Redis's expire.c: EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT (with NX, XX, GT and
// LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME and PERSIST, plus the expiry-argument parsing that SETEX,
// PSETEX and GETEX share. Times are exact signed 64-bit integers (store/db.ts Millis: a number
// while safe, a BigInt beyond), so the overflow errors appear for exactly the arguments that make
// Redis print them and a time like 2^63 - 1 is kept, answered and logged digit for digit. Every
// expiry is propagated as an absolute PEXPIREAT (or a DEL when the time has already passed), as
// Redis rewrites it. While the append-only file loads, a time already passed is set like any other
// (Redis's checkAlreadyExpired is false while loading): the key goes after the load.

import { keyOf, type Millis, millis } from "../store/db.ts";
import { bytes, cString, lowerName } from "./args.ts";
import { parseInt64 } from "../../resp/integer.ts";
import type { Command, Session } from "./types.ts";
import { Err } from "./replies.ts";
import { Notify, notify } from "./events.ts";

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
const PEXPIREAT = bytes("PEXPIREAT");
const DEL = bytes("DEL");

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * The absolute time in ms of an expiry argument `v` (seconds when `seconds`, added to `now`
 * when `relative`), or undefined where Redis answers "invalid expire time": seconds whose
 * milliseconds leave the 64-bit range, or a sum past 2^63 - 1. Numbers while exact, BigInt
 * arithmetic only past 2^53.
 */
export function absoluteMs(
  v: number | bigint,
  seconds: boolean,
  relative: boolean,
  now: number,
): Millis | undefined {
  if (typeof v === "number") {
    // Exact whenever the result is a safe integer (every step then is); else redone below.
    let ms = seconds ? v * 1000 : v;
    if (relative) ms += now;
    if (ms <= MAX_SAFE && ms >= -MAX_SAFE) return ms;
    v = BigInt(v);
  }
  if (seconds) {
    if (v > LLONG_MAX / 1000n || v < LLONG_MIN / 1000n) return undefined;
    v *= 1000n;
  }
  if (relative) {
    v += BigInt(now);
    if (v > LLONG_MAX) return undefined;
  }
  return millis(v);
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
): Millis | undefined {
  const v = parseInt64(arg);
  if (v === undefined) {
    c.out.error(Err.notInteger);
    return undefined;
  }
  const ms = v <= 0 ? undefined : absoluteMs(v, seconds, relative, c.keyspace.now());
  if (ms === undefined) c.out.error(invalidExpire(name));
  return ms;
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
  const arg = parseInt64(args[2]!);
  if (arg === undefined) {
    c.out.error(Err.notInteger);
    return;
  }
  const db = c.keyspace;
  const now = db.now();
  const when = absoluteMs(arg, seconds, relative, now);
  if (when === undefined) {
    c.out.error(invalidExpire(lowerName(args[0]!)));
    return;
  }
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
      ((flags & GT) && (current === undefined || when <= current)) ||
      ((flags & LT) && current !== undefined && when >= current)
    ) {
      c.out.integer(0);
      return;
    }
  }
  setExpiry(c, key, args[1]!, when, now);
  c.out.integer(1);
}

/**
 * Gives `key` (named `name` as sent) the absolute expiry `when`, as Redis's expireGenericCommand
 * and GETEX do: a time already past at `now` deletes the key, notified and propagated as DEL
 * (never while the append-only file loads: checkAlreadyExpired); otherwise the expiry is set,
 * notified as `expire` and propagated as PEXPIREAT.
 */
export function setExpiry(
  c: Session,
  key: string,
  name: Uint8Array,
  when: Millis,
  now: number = c.keyspace.now(),
): void {
  const db = c.keyspace;
  if (when <= now && !db.loading) {
    db.delete(key);
    notify(c, Notify.GENERIC, "del", key);
    c.propagateAs = [DEL, name];
  } else {
    db.setExpireAt(key, when);
    notify(c, Notify.GENERIC, "expire", key);
    c.propagateAs = [PEXPIREAT, name, bytes(String(when))];
  }
}

/** TTL / PTTL / EXPIRETIME / PEXPIRETIME, as Redis's ttlGenericCommand. */
function ttlGeneric(c: Session, args: Uint8Array[], ms: boolean, absolute: boolean): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  if (db.getStored(key, false) === undefined) {
    c.out.integer(-2);
    return;
  }
  const at = db.expireAt(key);
  if (at === undefined) {
    c.out.integer(-1);
    return;
  }
  if (typeof at === "number" && at < 2 ** 52) {
    let ttl = absolute ? at : at - db.now();
    if (ttl < 0) ttl = 0;
    c.out.integer(ms ? ttl : Math.floor((ttl + 500) / 1000));
    return;
  }
  // Past 2^52 the rounding to seconds (and the clock's subtraction) is done exactly.
  let ttl = absolute ? BigInt(at) : BigInt(at) - BigInt(db.now());
  if (ttl < 0n) ttl = 0n;
  c.out.integer(ms ? ttl : (ttl + 500n) / 1000n);
}

function persist(c: Session, args: Uint8Array[]): void {
  const key = keyOf(args[1]!);
  const done = c.keyspace.persist(key);
  if (done) notify(c, Notify.GENERIC, "persist", key);
  c.out.integer(done ? 1 : 0);
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
