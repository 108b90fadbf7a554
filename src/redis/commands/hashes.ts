// Hash commands: HSET HSETNX HGET HMGET HMSET HGETALL HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS
// HINCRBY HINCRBYFLOAT, answering as Redis 7.0's t_hash.c (HRANDFIELD and HSCAN:
// hash_random.ts). Fields and values are kept as binary strings (store/hash_value.ts).

import { keyOf } from "../store/db.ts";
import { bytes } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { entry as hashCmd } from "./entry.ts";
import { Err } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { commit, HashValue, readOf, writeOf } from "./collections.ts";
import { parseInt64 } from "../../resp/integer.ts";
import { addLongDouble, formatLongDouble, parseLongDouble } from "../store/long_double.ts";
import { keyBytes } from "../store/db.ts";

const HSET = bytes("HSET");
const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

/** The hash at args[1] for a write, made when missing; null after WRONGTYPE. */
function writeHash(c: Session, key: string): { h: HashValue; fresh: boolean } | null {
  const h = writeOf(c, key, HashValue);
  if (h === null) return null;
  return h === undefined ? { h: new HashValue(), fresh: true } : { h, fresh: false };
}

/** HSET and HMSET: field value pairs. */
function hset(c: Session, args: Uint8Array[], hmset: boolean): void {
  if (args.length % 2 === 1) {
    c.out.error(Err.arity(hmset ? "hmset" : "hset"));
    return;
  }
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const w = writeHash(c, key);
  if (w === null) return;
  const { h, fresh } = w;
  const limits = db.limits;
  let created = 0;
  for (let i = 2; i < args.length; i += 2) {
    if (h.set(keyOf(args[i]!), keyOf(args[i + 1]!), limits)) created++;
  }
  commit(db, key, h, fresh);
  notify(c, Notify.HASH, "hset", key);
  if (hmset) c.out.simple("OK");
  else c.out.integer(created);
}

function hsetnx(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const w = writeHash(c, key);
  if (w === null) return;
  const { h, fresh } = w;
  const field = keyOf(args[2]!);
  if (h.has(field)) {
    c.out.integer(0);
    return;
  }
  h.set(field, keyOf(args[3]!), db.limits);
  commit(db, key, h, fresh);
  notify(c, Notify.HASH, "hset", key);
  c.out.integer(1);
}

function hget(c: Session, args: Uint8Array[]): void {
  const h = readOf(c, keyOf(args[1]!), HashValue);
  if (h === null) return;
  const v = h?.get(keyOf(args[2]!));
  if (v === undefined) c.out.nullBulk();
  else c.out.binary(v);
}

function hmget(c: Session, args: Uint8Array[]): void {
  const h = readOf(c, keyOf(args[1]!), HashValue);
  if (h === null) return;
  c.out.arrayHeader(args.length - 2);
  for (let i = 2; i < args.length; i++) {
    const v = h?.get(keyOf(args[i]!));
    if (v === undefined) c.out.nullBulk();
    else c.out.binary(v);
  }
}

function hdel(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const h = writeOf(c, key, HashValue);
  if (h === null) return;
  let n = 0;
  if (h !== undefined) {
    for (let i = 2; i < args.length; i++) {
      if (h.delete(keyOf(args[i]!))) {
        n++;
        if (h.size === 0) break;
      }
    }
    if (n > 0) {
      commit(db, key, h, false);
      notify(c, Notify.HASH, "hdel", key);
      if (h.size === 0) notify(c, Notify.GENERIC, "del", key);
    }
  }
  c.out.integer(n);
}

function hlen(c: Session, args: Uint8Array[]): void {
  const h = readOf(c, keyOf(args[1]!), HashValue);
  if (h !== null) c.out.integer(h?.size ?? 0);
}

function hstrlen(c: Session, args: Uint8Array[]): void {
  const h = readOf(c, keyOf(args[1]!), HashValue);
  if (h !== null) c.out.integer(h?.valueLength(keyOf(args[2]!)) ?? 0);
}

function hexists(c: Session, args: Uint8Array[]): void {
  const h = readOf(c, keyOf(args[1]!), HashValue);
  if (h !== null) c.out.integer(h?.has(keyOf(args[2]!)) ? 1 : 0);
}

/** HKEYS (0), HVALS (1) and HGETALL (2). */
function hgetall(c: Session, args: Uint8Array[], what: 0 | 1 | 2): void {
  const h = readOf(c, keyOf(args[1]!), HashValue);
  if (h === null) return;
  const kv = h?.flat() ?? [];
  const n = kv.length >> 1;
  if (what === 2) {
    c.out.mapHeader(n);
    for (let i = 0; i < kv.length; i++) c.out.binary(kv[i]!);
  } else {
    c.out.arrayHeader(n);
    for (let i = what; i < kv.length; i += 2) c.out.binary(kv[i]!);
  }
}

function hincrby(c: Session, args: Uint8Array[]): void {
  const incr = parseInt64(args[3]!);
  if (incr === undefined) {
    c.out.error(Err.notInteger);
    return;
  }
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const w = writeHash(c, key);
  if (w === null) return;
  const { h, fresh } = w;
  const field = keyOf(args[2]!);
  const old = h.get(field);
  let value: bigint = 0n;
  if (old !== undefined) {
    const parsed = parseInt64(keyBytes(old));
    if (parsed === undefined) {
      c.out.error("ERR hash value is not an integer");
      return;
    }
    value = BigInt(parsed);
  }
  const sum = value + BigInt(incr);
  if (sum > LLONG_MAX || sum < LLONG_MIN) {
    c.out.error("ERR increment or decrement would overflow");
    return;
  }
  h.set(field, String(sum), db.limits);
  commit(db, key, h, fresh);
  notify(c, Notify.HASH, "hincrby", key);
  c.out.integer(sum >= -9007199254740991n && sum <= 9007199254740991n ? Number(sum) : sum);
}

function hincrbyfloat(c: Session, args: Uint8Array[]): void {
  const incr = parseLongDouble(args[3]!);
  if (incr === undefined) {
    c.out.error("ERR value is not a valid float");
    return;
  }
  if (incr.kind !== "finite") {
    c.out.error("ERR value is NaN or Infinity");
    return;
  }
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const w = writeHash(c, key);
  if (w === null) return;
  const { h, fresh } = w;
  const field = keyOf(args[2]!);
  const old = h.get(field);
  const value = old === undefined
    ? { kind: "finite" as const, neg: false, m: 0n, e: 0 }
    : parseLongDouble(keyBytes(old));
  if (value === undefined) {
    c.out.error("ERR hash value is not a float");
    return;
  }
  const sum = addLongDouble(value, incr);
  if (sum.kind !== "finite") {
    c.out.error("ERR increment would produce NaN or Infinity");
    return;
  }
  const text = formatLongDouble(sum);
  h.set(field, text, db.limits);
  commit(db, key, h, fresh);
  notify(c, Notify.HASH, "hincrbyfloat", key);
  // As Redis: propagated as HSET with the result, so a replay does not round again.
  c.propagateAs = [HSET, args[1]!, args[2]!, bytes(text)];
  c.out.binary(text);
}

const W = ["write", "denyoom", "fast"] as const;
const R = ["readonly", "fast"] as const;

/** The hash commands of this file. */
export const HASH_COMMANDS: readonly Command[] = [
  hashCmd("hset", -4, W, ["@write", "@hash", "@fast"], (c, a) => hset(c, a, false)),
  hashCmd("hsetnx", 4, W, ["@write", "@hash", "@fast"], hsetnx),
  hashCmd("hget", 3, R, ["@read", "@hash", "@fast"], hget),
  hashCmd("hmset", -4, W, ["@write", "@hash", "@fast"], (c, a) => hset(c, a, true)),
  hashCmd("hmget", -3, R, ["@read", "@hash", "@fast"], hmget),
  hashCmd("hincrby", 4, W, ["@write", "@hash", "@fast"], hincrby),
  hashCmd("hincrbyfloat", 4, W, ["@write", "@hash", "@fast"], hincrbyfloat),
  hashCmd("hdel", -3, ["write", "fast"], ["@write", "@hash", "@fast"], hdel),
  hashCmd("hlen", 2, R, ["@read", "@hash", "@fast"], hlen),
  hashCmd("hstrlen", 3, R, ["@read", "@hash", "@fast"], hstrlen),
  hashCmd("hkeys", 2, ["readonly"], ["@read", "@hash", "@slow"], (c, a) => hgetall(c, a, 0)),
  hashCmd("hvals", 2, ["readonly"], ["@read", "@hash", "@slow"], (c, a) => hgetall(c, a, 1)),
  hashCmd("hgetall", 2, ["readonly"], ["@read", "@hash", "@slow"], (c, a) => hgetall(c, a, 2)),
  hashCmd("hexists", 3, R, ["@read", "@hash", "@fast"], hexists),
];
