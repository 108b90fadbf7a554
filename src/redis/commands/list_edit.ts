// List commands that look into or change the middle of a list: LSET LINSERT LREM LTRIM LPOS, as
// Redis 7.0's t_list.c (replies, errors and their order, keyspace events). O(n) where Redis is.

import { keyOf } from "../store/db.ts";
import { isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { Err } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { commit, ListValue, readOf, writeOf } from "./collections.ts";
import { clampRange, longArg } from "./lists.ts";
import { entry as listCmd } from "./entry.ts";

function lset(c: Session, args: Uint8Array[]): void {
  const key = keyOf(args[1]!);
  const l = writeOf(c, key, ListValue);
  if (l === null) return;
  if (l === undefined) {
    c.out.error("ERR no such key");
    return;
  }
  let i = longArg(c, args[2]!);
  if (i === undefined) return;
  if (i < 0) i += l.size;
  if (i < 0 || i >= l.size) {
    c.out.error("ERR index out of range");
    return;
  }
  l.setAt(i, keyOf(args[3]!));
  c.keyspace.changed(key);
  notify(c, Notify.LIST, "lset", key);
  c.out.simple("OK");
}

function linsert(c: Session, args: Uint8Array[]): void {
  let after: boolean;
  if (isWord(args[2]!, "after")) after = true;
  else if (isWord(args[2]!, "before")) after = false;
  else {
    c.out.error(Err.syntax);
    return;
  }
  const key = keyOf(args[1]!);
  const l = writeOf(c, key, ListValue);
  if (l === null) return;
  if (l === undefined) {
    c.out.integer(0);
    return;
  }
  const pivot = keyOf(args[3]!);
  const items = l.toArray();
  const at = items.indexOf(pivot);
  if (at < 0) {
    c.out.integer(-1);
    return;
  }
  items.splice(after ? at + 1 : at, 0, keyOf(args[4]!));
  l.replace(items);
  c.keyspace.changed(key);
  notify(c, Notify.LIST, "linsert", key);
  c.out.integer(l.size);
}

function lrem(c: Session, args: Uint8Array[]): void {
  const count = longArg(c, args[2]!);
  if (count === undefined) return;
  const key = keyOf(args[1]!);
  const l = writeOf(c, key, ListValue);
  if (l === null) return;
  if (l === undefined) {
    c.out.integer(0);
    return;
  }
  const elem = keyOf(args[3]!);
  const items = l.toArray();
  const limit = count === 0 ? Infinity : Math.abs(count);
  let removed = 0;
  if (count >= 0) {
    const kept: string[] = [];
    for (const e of items) {
      if (e === elem && removed < limit) removed++;
      else kept.push(e);
    }
    if (removed > 0) l.replace(kept);
  } else {
    for (let i = items.length - 1; i >= 0 && removed < limit; i--) {
      if (items[i] === elem) {
        items.splice(i, 1);
        removed++;
      }
    }
    if (removed > 0) l.replace(items);
  }
  if (removed > 0) {
    notify(c, Notify.LIST, "lrem", key);
    commit(c.keyspace, key, l, false);
    if (l.size === 0) notify(c, Notify.GENERIC, "del", key);
  }
  c.out.integer(removed);
}

function ltrim(c: Session, args: Uint8Array[]): void {
  const start = longArg(c, args[2]!);
  if (start === undefined) return;
  const end = longArg(c, args[3]!);
  if (end === undefined) return;
  const key = keyOf(args[1]!);
  const l = writeOf(c, key, ListValue);
  if (l === null) return;
  if (l === undefined) {
    c.out.simple("OK");
    return;
  }
  const r = clampRange(start, end, l.size);
  const left = r === undefined ? l.size : r[0];
  const right = r === undefined ? 0 : l.size - 1 - r[1];
  for (let i = 0; i < left; i++) l.popLeft();
  for (let i = 0; i < right; i++) l.popRight();
  notify(c, Notify.LIST, "ltrim", key);
  // Redis signals the key as modified (WATCH) even when nothing was trimmed, but changes nothing.
  if (left + right > 0) commit(c.keyspace, key, l, false);
  else c.keyspace.onModified?.(key);
  if (l.size === 0) notify(c, Notify.GENERIC, "del", key);
  c.out.simple("OK");
}

const RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the " +
  "second ... or use negative to start from the end of the list";

function lpos(c: Session, args: Uint8Array[]): void {
  let rank = 1, count = -1, maxlen = 0;
  for (let j = 3; j < args.length; j++) {
    const a = args[j]!, more = j + 1 < args.length;
    if (isWord(a, "rank") && more) {
      const n = longArg(c, args[++j]!);
      if (n === undefined) return;
      if (n === 0) {
        c.out.error(RANK_ZERO);
        return;
      }
      // Redis negates LONG_MIN into itself: every match counts, from the tail.
      rank = n <= -9223372036854775808 ? -1 : n;
    } else if ((isWord(a, "count") || isWord(a, "maxlen")) && more) {
      const which = isWord(a, "count") ? "COUNT" : "MAXLEN";
      const n = longArg(c, args[++j]!);
      if (n === undefined) return;
      if (n < 0) {
        c.out.error(`ERR ${which} can't be negative`);
        return;
      }
      if (which === "COUNT") count = n;
      else maxlen = n;
    } else {
      c.out.error(Err.syntax);
      return;
    }
  }
  const l = readOf(c, keyOf(args[1]!), ListValue);
  if (l === null) return;
  if (l === undefined) {
    if (count !== -1) c.out.arrayHeader(0);
    else c.out.nullBulk();
    return;
  }
  const elem = keyOf(args[2]!);
  const found: number[] = [];
  const want = count === -1 ? 1 : count === 0 ? Infinity : count;
  const n = l.size, limit = maxlen === 0 ? n : Math.min(n, maxlen);
  let skip = Math.abs(rank) - 1;
  for (let k = 0; k < limit && found.length < want; k++) {
    const i = rank > 0 ? k : n - 1 - k;
    if (l.at(i) !== elem) continue;
    if (skip > 0) skip--;
    else found.push(i);
  }
  if (count === -1) {
    if (found.length === 0) c.out.nullBulk();
    else c.out.integer(found[0]!);
    return;
  }
  c.out.arrayHeader(found.length);
  for (const i of found) c.out.integer(i);
}

/** The list commands of this file. */
export const LIST_EDIT_COMMANDS: readonly Command[] = [
  listCmd("lset", 4, ["write", "denyoom"], ["@write", "@list", "@slow"], lset),
  listCmd("linsert", 5, ["write", "denyoom"], ["@write", "@list", "@slow"], linsert),
  listCmd("lrem", 4, ["write"], ["@write", "@list", "@slow"], lrem),
  listCmd("ltrim", 4, ["write"], ["@write", "@list", "@slow"], ltrim),
  listCmd("lpos", -3, ["readonly"], ["@read", "@list", "@slow"], lpos),
];
