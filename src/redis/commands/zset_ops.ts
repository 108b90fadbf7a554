// Sorted-set algebra: ZUNION ZINTER ZDIFF, their STORE forms and ZINTERCARD (WEIGHTS,
// AGGREGATE SUM|MIN|MAX, WITHSCORES, LIMIT), as Redis 7.0's zunionInterDiffGenericCommand: plain
// sets count as members of score 1, every key's type is checked before the options are read,
// sources are visited smallest first (which fixes the order floating-point sums are made in),
// and a NaN from a weight or a sum becomes 0.

import { keyOf } from "../store/db.ts";
import { isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { entry } from "./entry.ts";
import { Err } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { SetValue, ZSetValue } from "./collections.ts";
import { replyPairs, scoreArg } from "./zset_args.ts";
import { parseInt64 } from "../../resp/integer.ts";

const enum Op {
  UNION,
  INTER,
  DIFF,
}

const enum Agg {
  SUM,
  MIN,
  MAX,
}

interface Src {
  v: ZSetValue | SetValue | undefined;
  weight: number;
}

function sizeOf(v: ZSetValue | SetValue | undefined): number {
  return v?.size ?? 0;
}

/** Calls `f` on each member of `v` with its score (1 for a plain set). */
function each(v: ZSetValue | SetValue | undefined, f: (m: string, s: number) => void): void {
  if (v instanceof ZSetValue) v.walk(0, v.size, false, f);
  else if (v !== undefined) { for (const m of v.members) f(m, 1); }
}

/** The score of `m` in `v` (1 in a plain set), or undefined. */
function find(v: ZSetValue | SetValue | undefined, m: string): number | undefined {
  if (v instanceof ZSetValue) return v.score(m);
  return v?.has(m) ? 1 : undefined;
}

function aggregate(target: number, val: number, agg: Agg): number {
  if (agg === Agg.SUM) {
    const t = target + val;
    return Number.isNaN(t) ? 0 : t;
  }
  if (agg === Agg.MIN) return val < target ? val : target;
  return val > target ? val : target;
}

/** The members and scores of the operation, in no particular order. */
function compute(srcs: Src[], op: Op, agg: Agg, limit: number): Map<string, number> {
  const out = new Map<string, number>();
  if (op === Op.DIFF) {
    const first = srcs[0]!.v;
    each(first, (m, s) => {
      for (let j = 1; j < srcs.length; j++) if (find(srcs[j]!.v, m) !== undefined) return;
      out.set(m, s);
    });
    return out;
  }
  const sorted = srcs.slice().sort((a, b) => sizeOf(a.v) - sizeOf(b.v));
  if (op === Op.INTER) {
    if (sizeOf(sorted[0]!.v) === 0) return out;
    const first = sorted[0]!;
    let full = false;
    each(first.v, (m, s) => {
      if (full) return;
      let score = first.weight * s;
      if (Number.isNaN(score)) score = 0;
      for (let j = 1; j < sorted.length; j++) {
        const v = find(sorted[j]!.v, m);
        if (v === undefined) return;
        score = aggregate(score, v * sorted[j]!.weight, agg);
      }
      out.set(m, score);
      if (limit > 0 && out.size >= limit) full = true;
    });
    return out;
  }
  for (const src of sorted) {
    each(src.v, (m, s) => {
      let score = src.weight * s;
      if (Number.isNaN(score)) score = 0;
      const cur = out.get(m);
      out.set(m, cur === undefined ? score : aggregate(cur, score, agg));
    });
  }
  return out;
}

const NAMES = ["zunion", "zinter", "zdiff"];

/** zunionInterDiffGenericCommand: numkeys at `at`, `dst` for the STORE forms. */
function generic(
  c: Session,
  args: Uint8Array[],
  at: number,
  op: Op,
  dst: Uint8Array | undefined,
  cardOnly = false,
): void {
  const n = parseInt64(args[at]!);
  if (n === undefined) {
    c.out.error(Err.notInteger);
    return;
  }
  if (n < 1) {
    const name = cardOnly ? "zintercard" : NAMES[op]! + (dst === undefined ? "" : "store");
    c.out.error(`ERR at least 1 input key is needed for '${name}' command`);
    return;
  }
  if (n > args.length - at - 1) {
    c.out.error(Err.syntax);
    return;
  }
  const setnum = Number(n);
  const srcs: Src[] = [];
  let j = at + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const key = keyOf(args[j]!);
    const v = dst === undefined ? c.keyspace.getStored(key) : c.keyspace.peekStored(key);
    if (v !== undefined && !(v instanceof ZSetValue) && !(v instanceof SetValue)) {
      c.out.error(Err.wrongType);
      return;
    }
    srcs.push({ v, weight: 1 });
  }
  let agg = Agg.SUM, withScores = false, limit = 0;
  while (j < args.length) {
    const a = args[j]!, remaining = args.length - j;
    const full = op !== Op.DIFF && !cardOnly;
    if (full && remaining >= setnum + 1 && isWord(a, "weights")) {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = scoreArg(c, args[j]!, "ERR weight value is not a float");
        if (w === undefined) return;
        srcs[i]!.weight = w;
      }
    } else if (full && remaining >= 2 && isWord(a, "aggregate")) {
      const w = args[j + 1]!;
      if (isWord(w, "sum")) agg = Agg.SUM;
      else if (isWord(w, "min")) agg = Agg.MIN;
      else if (isWord(w, "max")) agg = Agg.MAX;
      else {
        c.out.error(Err.syntax);
        return;
      }
      j += 2;
    } else if (remaining >= 1 && dst === undefined && !cardOnly && isWord(a, "withscores")) {
      withScores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && isWord(a, "limit")) {
      const l = parseInt64(args[j + 1]!);
      if (l === undefined || l < 0) {
        c.out.error("ERR LIMIT can't be negative");
        return;
      }
      limit = Number(l);
      j += 2;
    } else {
      c.out.error(Err.syntax);
      return;
    }
  }
  const result = compute(srcs, op, agg, cardOnly ? limit : 0);
  if (cardOnly) {
    c.out.integer(result.size);
    return;
  }
  const db = c.keyspace;
  const z = new ZSetValue();
  z.listpack = false;
  for (const [m, s] of result) z.set(m, s, db.limits);
  if (dst !== undefined) {
    const key = keyOf(dst);
    if (z.size > 0) {
      z.listpackIfFits(db.limits);
      db.set(key, z);
      c.server.blocked.ready(c.db, key);
      c.out.integer(z.size);
      notify(c, Notify.ZSET, NAMES[op]! + "store", key);
    } else {
      c.out.integer(0);
      if (db.delete(key)) notify(c, Notify.GENERIC, "del", key);
    }
    return;
  }
  const got = z.slice(0, z.size);
  replyPairs(c, got.m, withScores ? got.s : undefined);
}

const R = ["@read", "@sortedset", "@slow"];
const W = ["@write", "@sortedset", "@slow"];
const MK: [number, number, number] = [0, 0, 0];
const RO: Command["flags"] = ["readonly", "movablekeys"];
const WR: Command["flags"] = ["write", "denyoom", "movablekeys"];

/** The sorted-set algebra commands. */
export const ZSET_OP_COMMANDS: readonly Command[] = [
  entry("zunionstore", -4, WR, W, (c, a) => generic(c, a, 2, Op.UNION, a[1]), [1, 1, 1]),
  entry("zinterstore", -4, WR, W, (c, a) => generic(c, a, 2, Op.INTER, a[1]), [1, 1, 1]),
  entry("zdiffstore", -4, WR, W, (c, a) => generic(c, a, 2, Op.DIFF, a[1]), [1, 1, 1]),
  entry("zunion", -3, RO, R, (c, a) => generic(c, a, 1, Op.UNION, undefined), MK),
  entry("zinter", -3, RO, R, (c, a) => generic(c, a, 1, Op.INTER, undefined), MK),
  entry("zdiff", -3, RO, R, (c, a) => generic(c, a, 1, Op.DIFF, undefined), MK),
  entry(
    "zintercard",
    -3,
    RO,
    R,
    (c, a) => generic(c, a, 1, Op.INTER, undefined, true),
    MK,
  ),
];
