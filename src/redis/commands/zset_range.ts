// The range commands of sorted sets: ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES), ZRANGESTORE,
// the legacy ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREVRANGE, and
// ZREMRANGEBYRANK / BYSCORE / BYLEX, as Redis 7.0's zrangeGenericCommand and
// zremrangeGenericCommand parse and answer them. A range is turned into ranks (two O(log n)
// descents of the tree) and walked along the leaves, so m items cost O(log n + m).

import { keyOf } from "../store/db.ts";
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
  notAboveMax,
  replyPairs,
  scoreRange,
} from "./zset_args.ts";
import { longArg } from "./lists.ts";

const enum By {
  RANK,
  SCORE,
  LEX,
}

/** A range as ranks: `count` pairs from rank `from`, ascending or descending (`rev`). */
export interface RankSpan {
  from: number;
  count: number;
  rev: boolean;
}

/**
 * The ranks `min`..`max` (Redis's start/end indexes, negatives from the end) of a set of `n`:
 * the span, empty when out of range.
 */
export function rankSpan(n: number, start: number, end: number, rev: boolean): RankSpan {
  if (start < 0) start = n + start;
  if (end < 0) end = n + end;
  if (start < 0) start = 0;
  if (start > end || start >= n) return { from: 0, count: 0, rev };
  if (end >= n) end = n - 1;
  const count = end - start + 1;
  return { from: rev ? n - 1 - start : start, count, rev };
}

/** The ranks [lo, hi) of a range given as "before" bounds, with LIMIT's offset and count. */
function boundSpan(lo: number, hi: number, rev: boolean, offset: number, limit: number) {
  const total = Math.max(0, hi - lo);
  if (offset < 0) return { from: 0, count: 0, rev };
  let count = Math.max(0, total - offset);
  if (limit >= 0) count = Math.min(count, limit);
  return { from: rev ? hi - 1 - offset : lo + offset, count, rev };
}

/**
 * ZRANGE's argument handling from `at` (the key), as zrangeGenericCommand: `by` and `rev` are
 * fixed by the legacy commands, free (undefined) for ZRANGE and ZRANGESTORE.
 */
function zrange(
  c: Session,
  args: Uint8Array[],
  at: number,
  store: Uint8Array | undefined,
  fixedBy?: By,
  fixedRev?: boolean,
): void {
  let by = fixedBy, rev = fixedRev, withScores = false;
  let offset = 0, limit = -1;
  for (let j = at + 3; j < args.length; j++) {
    const a = args[j]!, left = args.length - j - 1;
    if (store === undefined && isWord(a, "withscores")) withScores = true;
    else if (isWord(a, "limit") && left >= 2) {
      const o = longArg(c, args[j + 1]!);
      if (o === undefined) return;
      const l = longArg(c, args[j + 2]!);
      if (l === undefined) return;
      offset = o;
      limit = l;
      j += 2;
    } else if (rev === undefined && isWord(a, "rev")) rev = true;
    else if (by === undefined && isWord(a, "bylex")) by = By.LEX;
    else if (by === undefined && isWord(a, "byscore")) by = By.SCORE;
    else {
      c.out.error(Err.syntax);
      return;
    }
  }
  rev ??= false;
  by ??= By.RANK;
  if (limit !== -1 && by === By.RANK) {
    c.out.error(
      "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
    );
    return;
  }
  if (withScores && by === By.LEX) {
    c.out.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  let minArg = args[at + 1]!, maxArg = args[at + 2]!;
  if (rev && by !== By.RANK) [minArg, maxArg] = [maxArg, minArg];
  let span: (z: ZSetValue) => RankSpan;
  if (by === By.RANK) {
    const start = longArg(c, minArg);
    if (start === undefined) return;
    const end = longArg(c, maxArg);
    if (end === undefined) return;
    span = (z) => rankSpan(z.size, start, end, rev!);
  } else if (by === By.SCORE) {
    const r = scoreRange(c, minArg, maxArg);
    if (r === undefined) return;
    const lo = belowMin(r[0]), hi = notAboveMax(r[1]);
    span = (z) => boundSpan(z.countBefore(lo), z.countBefore(hi), rev!, offset, limit);
  } else {
    const r = lexRange(c, minArg, maxArg);
    if (r === undefined) return;
    const lo = lexBelowMin(r[0]), hi = lexNotAboveMax(r[1]);
    span = (z) => boundSpan(z.countBefore(lo), z.countBefore(hi), rev!, offset, limit);
  }
  const key = keyOf(args[at]!);
  const z = readOf(c, key, ZSetValue);
  if (z === null) return;
  const s = z === undefined ? { from: 0, count: 0, rev } : span(z);
  if (store !== undefined) {
    storeRange(c, keyOf(store), z, s);
    return;
  }
  if (z === undefined || s.count === 0) {
    c.out.arrayHeader(0);
    return;
  }
  const got = z.slice(s.from, s.count, s.rev);
  replyPairs(c, got.m, withScores ? got.s : undefined);
}

/** ZRANGESTORE's result: the span of `z` stored at `dst` (an empty one deletes `dst`). */
function storeRange(c: Session, dst: string, z: ZSetValue | undefined, s: RankSpan): void {
  const db = c.keyspace;
  if (z === undefined || s.count === 0) {
    c.out.integer(0);
    if (db.delete(dst)) notify(c, Notify.GENERIC, "del", dst);
    return;
  }
  const out = new ZSetValue();
  out.listpack = false;
  z.walk(s.from, s.count, s.rev, (m, sc) => out.set(m, sc, db.limits));
  out.listpackIfFits(db.limits);
  db.set(dst, out);
  c.server.blocked.ready(c.db, dst);
  c.out.integer(out.size);
  notify(c, Notify.ZSET, "zrangestore", dst);
}

const enum Rem {
  RANK,
  SCORE,
  LEX,
}

const REM_EVENTS = ["zremrangebyrank", "zremrangebyscore", "zremrangebylex"];

function zremrange(c: Session, args: Uint8Array[], kind: Rem): void {
  let span: (z: ZSetValue) => RankSpan;
  if (kind === Rem.RANK) {
    const start = longArg(c, args[2]!);
    if (start === undefined) return;
    const end = longArg(c, args[3]!);
    if (end === undefined) return;
    span = (z) => rankSpan(z.size, start, end, false);
  } else if (kind === Rem.SCORE) {
    const r = scoreRange(c, args[2]!, args[3]!);
    if (r === undefined) return;
    const lo = belowMin(r[0]), hi = notAboveMax(r[1]);
    span = (z) => boundSpan(z.countBefore(lo), z.countBefore(hi), false, 0, -1);
  } else {
    const r = lexRange(c, args[2]!, args[3]!);
    if (r === undefined) return;
    const lo = lexBelowMin(r[0]), hi = lexNotAboveMax(r[1]);
    span = (z) => boundSpan(z.countBefore(lo), z.countBefore(hi), false, 0, -1);
  }
  const key = keyOf(args[1]!);
  const z = writeOf(c, key, ZSetValue);
  if (z === null) return;
  if (z === undefined) {
    c.out.integer(0);
    return;
  }
  const s = span(z);
  if (s.count > 0) {
    for (const m of z.slice(s.from, s.count).m) z.delete(m);
    commit(c.keyspace, key, z, false);
    notify(c, Notify.ZSET, REM_EVENTS[kind]!, key);
    if (z.size === 0) notify(c, Notify.GENERIC, "del", key);
  }
  c.out.integer(s.count);
}

const R = ["@read", "@sortedset", "@slow"];
const W = ["@write", "@sortedset", "@slow"];
const RO: Command["flags"] = ["readonly"];

/** The range commands of sorted sets. */
export const ZSET_RANGE_COMMANDS: readonly Command[] = [
  entry("zrange", -4, RO, R, (c, a) => zrange(c, a, 1, undefined)),
  entry("zrangestore", -5, ["write", "denyoom"], W, (c, a) => zrange(c, a, 2, a[1]), [1, 2, 1]),
  entry("zrangebyscore", -4, RO, R, (c, a) => zrange(c, a, 1, undefined, By.SCORE, false)),
  entry("zrevrangebyscore", -4, RO, R, (c, a) => zrange(c, a, 1, undefined, By.SCORE, true)),
  entry("zrangebylex", -4, RO, R, (c, a) => zrange(c, a, 1, undefined, By.LEX, false)),
  entry("zrevrangebylex", -4, RO, R, (c, a) => zrange(c, a, 1, undefined, By.LEX, true)),
  entry("zrevrange", -4, RO, R, (c, a) => zrange(c, a, 1, undefined, By.RANK, true)),
  entry("zremrangebyrank", 4, ["write"], W, (c, a) => zremrange(c, a, Rem.RANK)),
  entry("zremrangebyscore", 4, ["write"], W, (c, a) => zremrange(c, a, Rem.SCORE)),
  entry("zremrangebylex", 4, ["write"], W, (c, a) => zremrange(c, a, Rem.LEX)),
];
