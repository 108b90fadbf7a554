// Sorted-set commands on one member or a count: ZADD (NX XX GT LT CH INCR) ZINCRBY ZREM ZCARD
// ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT ZRANDMEMBER ZSCAN, answering as Redis 7.0's
// t_zset.c (replies, error texts and their order, keyspace events). Ranges: zset_range.ts;
// pops: zset_pop.ts; algebra: zset_ops.ts. The value: store/zset_value.ts.

import { keyOf } from "../store/db.ts";
import { compileGlob } from "../store/glob.ts";
import { isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { entry } from "./entry.ts";
import { Err } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { commit, readOf, writeOf, ZSetValue } from "./collections.ts";
import {
  belowMin,
  lexBelowMin,
  lexNotAboveMax,
  lexRange,
  NAN_SCORE,
  notAboveMax,
  replyPairs,
  scoreArg,
  scoreRange,
} from "./zset_args.ts";
import { COUNT_RANGE, distinctPositions } from "./sets.ts";
import { countArg, parseCursor } from "./scan.ts";
import { parseInt64 } from "../../resp/integer.ts";
import { formatDouble } from "../../resp/writer.ts";

const NX = 1, XX = 2, GT = 4, LT = 8, CH = 16, INCR = 32;

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ..., and ZINCRBY (`incr`). */
function zadd(c: Session, args: Uint8Array[], incrby: boolean): void {
  let flags = incrby ? INCR : 0;
  let at = 2;
  for (; at < args.length; at++) {
    const a = args[at]!;
    if (isWord(a, "nx")) flags |= NX;
    else if (isWord(a, "xx")) flags |= XX;
    else if (isWord(a, "ch")) flags |= CH;
    else if (isWord(a, "incr")) flags |= INCR;
    else if (isWord(a, "gt")) flags |= GT;
    else if (isWord(a, "lt")) flags |= LT;
    else break;
  }
  const pairs = args.length - at;
  if (pairs === 0 || pairs % 2 !== 0) {
    c.out.error(Err.syntax);
    return;
  }
  if ((flags & NX) && (flags & XX)) {
    c.out.error("ERR XX and NX options at the same time are not compatible");
    return;
  }
  if (
    ((flags & GT) && (flags & NX)) || ((flags & LT) && (flags & NX)) ||
    ((flags & GT) && (flags & LT))
  ) {
    c.out.error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  const incr = (flags & INCR) !== 0;
  if (incr && pairs > 2) {
    c.out.error("ERR INCR option supports a single increment-element pair");
    return;
  }
  const scores: number[] = [];
  for (let i = at; i < args.length; i += 2) {
    const s = scoreArg(c, args[i]!);
    if (s === undefined) return;
    scores.push(s);
  }
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const found = writeOf(c, key, ZSetValue);
  if (found === null) return;
  let added = 0, updated = 0, processed = 0, score = 0;
  if (found === undefined && (flags & XX)) {
    if (incr) c.out.nullBulk();
    else c.out.integer(0);
    return;
  }
  const z = found ?? ZSetValue.create(db.limits, args[at + 1]!.length);
  let nan = false;
  for (let i = 0; i < scores.length; i++) {
    const member = keyOf(args[at + 2 * i + 1]!);
    score = scores[i]!;
    const cur = z.score(member);
    if (cur !== undefined) {
      if (flags & NX) continue;
      if (incr) {
        score += cur;
        if (Number.isNaN(score)) {
          nan = true;
          break;
        }
      }
      if (((flags & LT) && score >= cur) || ((flags & GT) && score <= cur)) continue;
      processed++;
      if (score !== cur) {
        z.put(member, score, db.limits, cur);
        updated++;
      }
    } else if (!(flags & XX)) {
      z.put(member, score, db.limits, undefined);
      added++;
      processed++;
    }
  }
  if (added + updated > 0) {
    commit(db, key, z, found === undefined);
    if (found === undefined) c.server.blocked.ready(c.db, key);
    notify(c, Notify.ZSET, incr ? "zincr" : "zadd", key);
  }
  if (nan) {
    c.out.error(NAN_SCORE);
    return;
  }
  if (incr) {
    if (processed > 0) c.out.double(score);
    else c.out.nullBulk();
  } else c.out.integer(flags & CH ? added + updated : added);
}

function zincrby(c: Session, args: Uint8Array[]): void {
  zadd(c, args, true);
}

function zrem(c: Session, args: Uint8Array[]): void {
  const key = keyOf(args[1]!);
  const z = writeOf(c, key, ZSetValue);
  if (z === null) return;
  let n = 0;
  if (z !== undefined) {
    for (let i = 2; i < args.length; i++) {
      if (z.delete(keyOf(args[i]!))) {
        n++;
        if (z.size === 0) break;
      }
    }
    if (n > 0) {
      commit(c.keyspace, key, z, false);
      notify(c, Notify.ZSET, "zrem", key);
      if (z.size === 0) notify(c, Notify.GENERIC, "del", key);
    }
  }
  c.out.integer(n);
}

function zcard(c: Session, args: Uint8Array[]): void {
  const z = readOf(c, keyOf(args[1]!), ZSetValue);
  if (z !== null) c.out.integer(z?.size ?? 0);
}

function zscore(c: Session, args: Uint8Array[]): void {
  const z = readOf(c, keyOf(args[1]!), ZSetValue);
  if (z === null) return;
  const s = z?.score(keyOf(args[2]!));
  if (s === undefined) c.out.nullBulk();
  else c.out.double(s);
}

function zmscore(c: Session, args: Uint8Array[]): void {
  const z = readOf(c, keyOf(args[1]!), ZSetValue);
  if (z === null) return;
  c.out.arrayHeader(args.length - 2);
  for (let i = 2; i < args.length; i++) {
    const s = z?.score(keyOf(args[i]!));
    if (s === undefined) c.out.nullBulk();
    else c.out.double(s);
  }
}

function zrank(c: Session, args: Uint8Array[], rev: boolean): void {
  const z = readOf(c, keyOf(args[1]!), ZSetValue);
  if (z === null) return;
  const r = z === undefined ? -1 : z.rank(keyOf(args[2]!));
  if (r < 0) c.out.nullBulk();
  else c.out.integer(rev ? z!.size - 1 - r : r);
}

function zcount(c: Session, args: Uint8Array[]): void {
  const range = scoreRange(c, args[2]!, args[3]!);
  if (range === undefined) return;
  const z = readOf(c, keyOf(args[1]!), ZSetValue);
  if (z === null) return;
  if (z === undefined) {
    c.out.integer(0);
    return;
  }
  const from = z.countBefore(belowMin(range[0])), to = z.countBefore(notAboveMax(range[1]));
  c.out.integer(Math.max(0, to - from));
}

function zlexcount(c: Session, args: Uint8Array[]): void {
  const range = lexRange(c, args[2]!, args[3]!);
  if (range === undefined) return;
  const z = readOf(c, keyOf(args[1]!), ZSetValue);
  if (z === null) return;
  if (z === undefined) {
    c.out.integer(0);
    return;
  }
  const from = z.countBefore(lexBelowMin(range[0]));
  const to = z.countBefore(lexNotAboveMax(range[1]));
  c.out.integer(Math.max(0, to - from));
}

/** ZRANDMEMBER key [count [WITHSCORES]], as Redis's zrandmemberCommand. */
function zrandmember(c: Session, args: Uint8Array[]): void {
  const key = keyOf(args[1]!);
  const random = c.server.random;
  if (args.length === 2) {
    const z = readOf(c, key, ZSetValue);
    if (z === null) return;
    if (z === undefined) c.out.nullBulk();
    else z.walk(random.below(z.size), 1, false, (m) => c.out.binary(m));
    return;
  }
  const n = parseInt64(args[2]!);
  if (n === undefined) {
    c.out.error(Err.notInteger);
    return;
  }
  if (n < -9223372036854775807n) {
    c.out.error(COUNT_RANGE);
    return;
  }
  if (args.length > 4 || (args.length === 4 && !isWord(args[3]!, "withscores"))) {
    c.out.error(Err.syntax);
    return;
  }
  const withScores = args.length === 4;
  if (withScores && (n < -4611686018427387903n || n > 4611686018427387903n)) {
    c.out.error("ERR value is out of range");
    return;
  }
  const count = Number(n);
  const z = readOf(c, key, ZSetValue);
  if (z === null) return;
  if (z === undefined || count === 0) {
    c.out.arrayHeader(0);
    return;
  }
  const m: string[] = [], s: number[] = [];
  // A listpack walks from its start: random ranks are taken from one ordered copy of it.
  const all = z.listpack ? z.slice(0, z.size) : undefined;
  const take = all !== undefined
    ? (rank: number) => (m.push(all.m[rank]!), s.push(all.s[rank]!))
    : (rank: number) => z.walk(rank, 1, false, (mm, ss) => (m.push(mm), s.push(ss)));
  if (count < 0) {
    for (let k = 0; k < -count; k++) take(random.below(z.size));
  } else if (count >= z.size) {
    // The whole set, highest first, as Redis answers it.
    z.walk(z.size - 1, z.size, true, (mm, ss) => (m.push(mm), s.push(ss)));
  } else {
    for (const r of distinctPositions(z.size, count, random)) take(r);
  }
  replyPairs(c, m, withScores ? s : undefined);
}

/**
 * ZSCAN key cursor [MATCH p] [COUNT n]: a listpack whole (in order) with cursor 0, as Redis; a
 * skiplist walked by slot from the end down (the cursor is the next slot plus one), which returns
 * every member present for the whole scan (zset_value.ts).
 */
function zscan(c: Session, args: Uint8Array[]): void {
  const cursor = parseCursor(args[2]!);
  if (cursor === undefined) {
    c.out.error("ERR invalid cursor");
    return;
  }
  const z = readOf(c, keyOf(args[1]!), ZSetValue);
  if (z === null) return;
  let count = 10;
  let pattern: string | undefined;
  for (let i = 3; i < args.length; i += 2) {
    const more = i + 1 < args.length;
    if (more && isWord(args[i]!, "count")) {
      const n = countArg(c, args[i + 1]!);
      if (n === undefined) return;
      count = n;
    } else if (more && isWord(args[i]!, "match")) {
      const p = keyOf(args[i + 1]!);
      pattern = p === "*" ? undefined : p;
    } else {
      c.out.error(Err.syntax);
      return;
    }
  }
  const n = z?.size ?? 0;
  const glob = pattern === undefined ? undefined : compileGlob(pattern);
  const found: string[] = [];
  const emit = (m: string, s: number) => {
    if (glob === undefined || glob.match(m)) found.push(m, formatDouble(s));
  };
  let next = 0;
  if (z !== undefined && z.listpack) z.walk(0, n, false, emit);
  else if (z !== undefined) {
    // Slots from the end down, as collection_scan.ts walks a hashtable.
    const top = cursor === 0n ? n : Math.min(n, Number(cursor > 2n ** 52n ? 2n ** 52n : cursor));
    const from = Math.max(0, top - count);
    for (let i = top - 1; i >= from; i--) emit(z.memberAt(i), z.scoreAt(i));
    next = from;
  }
  c.out.arrayHeader(2);
  c.out.bulk(String(next));
  c.out.arrayHeader(found.length);
  for (const e of found) c.out.binary(e);
}

const R = ["@read", "@sortedset", "@fast"];
const W = ["@write", "@sortedset", "@fast"];

/** The sorted-set commands of this file. */
export const ZSET_COMMANDS: readonly Command[] = [
  entry("zadd", -4, ["write", "denyoom", "fast"], W, (c, a) => zadd(c, a, false)),
  entry("zincrby", 4, ["write", "denyoom", "fast"], W, zincrby),
  entry("zrem", -3, ["write", "fast"], W, zrem),
  entry("zcard", 2, ["readonly", "fast"], R, zcard),
  entry("zscore", 3, ["readonly", "fast"], R, zscore),
  entry("zmscore", -3, ["readonly", "fast"], R, zmscore),
  entry("zrank", 3, ["readonly", "fast"], R, (c, a) => zrank(c, a, false)),
  entry("zrevrank", 3, ["readonly", "fast"], R, (c, a) => zrank(c, a, true)),
  entry("zcount", 4, ["readonly", "fast"], R, zcount),
  entry("zlexcount", 4, ["readonly", "fast"], R, zlexcount),
  entry("zrandmember", -2, ["readonly"], ["@read", "@sortedset", "@slow"], zrandmember),
  entry("zscan", -3, ["readonly"], ["@read", "@sortedset", "@slow"], zscan),
];
