// Set commands on one or two keys: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SMOVE, and
// SPOP / SRANDMEMBER, answering as Redis 7.0's t_set.c. (Set algebra: set_ops.ts; SSCAN:
// collection_scan.ts.) Members are binary strings (store/set_value.ts).

import { keyOf } from "../store/db.ts";
import { bytes } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { entry as setCmd } from "./entry.ts";
import type { Random } from "../store/random.ts";
import { Err } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { commit, readOf, SetValue, writeOf } from "./collections.ts";
import { parseInt64 } from "../../resp/integer.ts";

const SREM = bytes("SREM");
const DEL = bytes("DEL");

function sadd(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const found = writeOf(c, key, SetValue);
  if (found === null) return;
  const s = found ?? new SetValue();
  let n = 0;
  for (let i = 2; i < args.length; i++) if (s.add(keyOf(args[i]!), db.limits)) n++;
  if (n > 0) {
    commit(db, key, s, found === undefined);
    notify(c, Notify.SET, "sadd", key);
  }
  c.out.integer(n);
}

function srem(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const s = writeOf(c, key, SetValue);
  if (s === null) return;
  let n = 0;
  if (s !== undefined) {
    for (let i = 2; i < args.length; i++) {
      if (s.delete(keyOf(args[i]!))) {
        n++;
        if (s.size === 0) break;
      }
    }
    if (n > 0) {
      commit(db, key, s, false);
      notify(c, Notify.SET, "srem", key);
      if (s.size === 0) notify(c, Notify.GENERIC, "del", key);
    }
  }
  c.out.integer(n);
}

function scard(c: Session, args: Uint8Array[]): void {
  const s = readOf(c, keyOf(args[1]!), SetValue);
  if (s !== null) c.out.integer(s?.size ?? 0);
}

function sismember(c: Session, args: Uint8Array[]): void {
  const s = readOf(c, keyOf(args[1]!), SetValue);
  if (s !== null) c.out.integer(s?.has(keyOf(args[2]!)) ? 1 : 0);
}

function smismember(c: Session, args: Uint8Array[]): void {
  const s = readOf(c, keyOf(args[1]!), SetValue);
  if (s === null) return;
  c.out.arrayHeader(args.length - 2);
  for (let i = 2; i < args.length; i++) c.out.integer(s?.has(keyOf(args[i]!)) ? 1 : 0);
}

/** Replies `members` as a set (an array in RESP2). */
export function replyMembers(c: Session, members: readonly string[]): void {
  c.out.setHeader(members.length);
  for (const m of members) c.out.binary(m);
}

function smembers(c: Session, args: Uint8Array[]): void {
  const s = readOf(c, keyOf(args[1]!), SetValue);
  if (s !== null) replyMembers(c, s?.members ?? []);
}

function smove(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  const src = keyOf(args[1]!), dst = keyOf(args[2]!);
  const from = writeOf(c, src, SetValue);
  if (from === null) return;
  // As Redis: a missing source answers 0 before the destination's type is checked.
  if (from === undefined) {
    c.out.integer(0);
    return;
  }
  const to = writeOf(c, dst, SetValue);
  if (to === null) return;
  const m = keyOf(args[3]!);
  if (src === dst) {
    c.out.integer(from.has(m) ? 1 : 0);
    return;
  }
  if (!from.delete(m)) {
    c.out.integer(0);
    return;
  }
  notify(c, Notify.SET, "srem", src);
  commit(db, src, from, false);
  if (from.size === 0) notify(c, Notify.GENERIC, "del", src);
  const target = to ?? new SetValue();
  if (target.add(m, db.limits)) {
    commit(db, dst, target, to === undefined);
    notify(c, Notify.SET, "sadd", dst);
  }
  c.out.integer(1);
}

/** Redis's error for a count below -LONG_MAX (getRangeLongFromObjectOrReply's own text). */
export const COUNT_RANGE =
  "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

/**
 * A count argument of at least `min` (Redis's getRangeLongFromObjectOrReply): `notInt` for a
 * non-integer, `rangeErr` below the range.
 */
function countArg(
  c: Session,
  b: Uint8Array,
  min: bigint,
  rangeErr: string,
  notInt = Err.notInteger as string,
): number | undefined {
  const n = parseInt64(b);
  if (n === undefined) {
    c.out.error(notInt);
    return undefined;
  }
  if (BigInt(n) < min) {
    c.out.error(rangeErr);
    return undefined;
  }
  return Number(n);
}

function spop(c: Session, args: Uint8Array[]): void {
  if (args.length > 3) {
    c.out.error(Err.syntax);
    return;
  }
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  if (args.length === 2) {
    const s = writeOf(c, key, SetValue);
    if (s === null) return;
    if (s === undefined) {
      c.out.nullBulk();
      return;
    }
    const i = c.server.random.below(s.size);
    const m = s.members[i]!;
    s.removeAt(i);
    notify(c, Notify.SET, "spop", key);
    commit(db, key, s, false);
    if (s.size === 0) notify(c, Notify.GENERIC, "del", key);
    c.propagateAs = [SREM, args[1]!, bytes(m)];
    c.out.binary(m);
    return;
  }
  const positive = "ERR value is out of range, must be positive";
  const count = countArg(c, args[2]!, 0n, positive, positive);
  if (count === undefined) return;
  const s = writeOf(c, key, SetValue);
  if (s === null) return;
  if (s === undefined || count === 0) {
    c.out.setHeader(0);
    return;
  }
  notify(c, Notify.SET, "spop", key);
  if (count >= s.size) {
    replyMembers(c, s.members);
    db.delete(key);
    notify(c, Notify.GENERIC, "del", key);
    c.propagateAs = [DEL, args[1]!];
    return;
  }
  const popped: string[] = [];
  for (let k = 0; k < count; k++) {
    const i = c.server.random.below(s.size);
    popped.push(s.members[i]!);
    s.removeAt(i);
  }
  commit(db, key, s, false);
  c.propagateAs = [SREM, args[1]!, ...popped.map(bytes1)];
  replyMembers(c, popped);
}

/** A binary string's bytes. */
function bytes1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * `count` distinct random positions below `size` (count < size), chosen without copying the
 * collection: a partial Fisher-Yates over a sparse map of swapped positions.
 */
export function distinctPositions(size: number, count: number, random: Random): number[] {
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const j = k + random.below(size - k);
    const at = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(k) ?? k);
    out.push(at);
  }
  return out;
}

function srandmember(c: Session, args: Uint8Array[]): void {
  if (args.length > 3) {
    c.out.error(Err.syntax);
    return;
  }
  const key = keyOf(args[1]!);
  if (args.length === 2) {
    const s = readOf(c, key, SetValue);
    if (s === null) return;
    if (s === undefined) c.out.nullBulk();
    else c.out.binary(s.members[c.server.random.below(s.size)]!);
    return;
  }
  const count = countArg(c, args[2]!, -9223372036854775807n, COUNT_RANGE);
  if (count === undefined) return;
  const s = readOf(c, key, SetValue);
  if (s === null) return;
  if (s === undefined || count === 0) {
    c.out.arrayHeader(0);
    return;
  }
  const m = s.members;
  if (count < 0) {
    c.out.arrayHeader(-count);
    for (let k = 0; k < -count; k++) c.out.binary(m[c.server.random.below(m.length)]!);
    return;
  }
  if (count >= m.length) {
    c.out.arrayHeader(m.length);
    for (const e of m) c.out.binary(e);
    return;
  }
  c.out.arrayHeader(count);
  for (const i of distinctPositions(m.length, count, c.server.random)) c.out.binary(m[i]!);
}

/** The set commands of this file. */
export const SET_COMMANDS: readonly Command[] = [
  setCmd("sadd", -3, ["write", "denyoom", "fast"], ["@write", "@set", "@fast"], sadd),
  setCmd("srem", -3, ["write", "fast"], ["@write", "@set", "@fast"], srem),
  setCmd("smove", 4, ["write", "fast"], ["@write", "@set", "@fast"], smove, [1, 2, 1]),
  setCmd("sismember", 3, ["readonly", "fast"], ["@read", "@set", "@fast"], sismember),
  setCmd("smismember", -3, ["readonly", "fast"], ["@read", "@set", "@fast"], smismember),
  setCmd("scard", 2, ["readonly", "fast"], ["@read", "@set", "@fast"], scard),
  setCmd("spop", -2, ["write", "fast"], ["@write", "@set", "@fast"], spop),
  setCmd("srandmember", -2, ["readonly"], ["@read", "@set", "@slow"], srandmember),
  setCmd("smembers", 2, ["readonly"], ["@read", "@set", "@slow"], smembers),
];
