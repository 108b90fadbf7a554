// List commands at the ends and by position: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE
// LINDEX LMOVE RPOPLPUSH LMPOP, answering as Redis 7.0's t_list.c (replies, errors and their
// order, keyspace events). Edits in the middle are in list_edit.ts; the blocking forms in
// blocking.ts. A push tells the blocked clients (store/blocking.ts) that the key may serve them.

import { keyOf } from "../store/db.ts";
import { bytes, isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { entry as listCmd } from "./entry.ts";
import { Err } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { commit, ListValue, readOf, writeOf } from "./collections.ts";
import { parseInt64 } from "../../resp/integer.ts";

const LPOP = bytes("LPOP");
const RPOP = bytes("RPOP");

/** `b` as a signed 64-bit integer (as a number), or undefined after replying the error. */
export function longArg(
  c: Session,
  b: Uint8Array,
  err: string = Err.notInteger,
): number | undefined {
  const n = parseInt64(b);
  if (n === undefined) {
    c.out.error(err);
    return undefined;
  }
  return Number(n);
}

/** LEFT (true) or RIGHT (false), or undefined after replying a syntax error. */
export function sideArg(c: Session, b: Uint8Array): boolean | undefined {
  if (isWord(b, "left")) return true;
  if (isWord(b, "right")) return false;
  c.out.error(Err.syntax);
  return undefined;
}

function push(c: Session, args: Uint8Array[], left: boolean, onlyIfExists: boolean): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const found = writeOf(c, key, ListValue);
  if (found === null) return;
  if (found === undefined && onlyIfExists) {
    c.out.integer(0);
    return;
  }
  const l = found ?? new ListValue();
  for (let i = 2; i < args.length; i++) l.push(keyOf(args[i]!), left);
  commit(db, key, l, found === undefined);
  notify(c, Notify.LIST, left ? "lpush" : "rpush", key);
  c.out.integer(l.size);
}

/**
 * Pops up to `count` elements of `l` (at `key`) at one end with Redis's events, deleting the
 * key when it empties; the elements popped.
 */
export function popElements(
  c: Session,
  key: string,
  l: ListValue,
  left: boolean,
  count: number,
): string[] {
  const n = Math.min(count, l.size);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = l.pop(left)!;
  notify(c, Notify.LIST, left ? "lpop" : "rpop", key);
  commit(c.keyspace, key, l, false);
  if (l.size === 0) notify(c, Notify.GENERIC, "del", key);
  return out;
}

/** Replies `elems` as an array of bulk strings. */
export function replyElements(c: Session, elems: readonly string[]): void {
  c.out.arrayHeader(elems.length);
  for (const e of elems) c.out.binary(e);
}

function pop(c: Session, args: Uint8Array[], left: boolean): void {
  if (args.length > 3) {
    c.out.error(`ERR wrong number of arguments for '${left ? "lpop" : "rpop"}' command`);
    return;
  }
  const hasCount = args.length === 3;
  let count = 1;
  if (hasCount) {
    const positive = "ERR value is out of range, must be positive";
    const n = longArg(c, args[2]!, positive);
    if (n === undefined) return;
    if (n < 0) {
      c.out.error(positive);
      return;
    }
    count = n;
  }
  const key = keyOf(args[1]!);
  const l = writeOf(c, key, ListValue);
  if (l === null) return;
  if (l === undefined) {
    if (hasCount) c.out.nullArray();
    else c.out.nullBulk();
    return;
  }
  if (hasCount && count === 0) {
    c.out.arrayHeader(0);
    return;
  }
  const elems = popElements(c, key, l, left, count);
  if (hasCount) replyElements(c, elems);
  else c.out.binary(elems[0]!);
}

function llen(c: Session, args: Uint8Array[]): void {
  const l = readOf(c, keyOf(args[1]!), ListValue);
  if (l !== null) c.out.integer(l?.size ?? 0);
}

/** Redis's range arithmetic: [start, end] within 0..size-1, or undefined when empty. */
export function clampRange(start: number, end: number, size: number): [number, number] | undefined {
  if (start < 0) start += size;
  if (end < 0) end += size;
  if (start < 0) start = 0;
  if (start > end || start >= size) return undefined;
  if (end >= size) end = size - 1;
  return [start, end];
}

function lrange(c: Session, args: Uint8Array[]): void {
  const start = longArg(c, args[2]!);
  if (start === undefined) return;
  const end = longArg(c, args[3]!);
  if (end === undefined) return;
  const l = readOf(c, keyOf(args[1]!), ListValue);
  if (l === null) return;
  const r = l === undefined ? undefined : clampRange(start, end, l.size);
  if (r === undefined) {
    c.out.arrayHeader(0);
    return;
  }
  const out = c.out;
  out.arrayHeader(r[1] - r[0] + 1);
  l!.stretches(r[0], r[1], (items, from, to) => out.binaryItems(items, from, to));
}

function lindex(c: Session, args: Uint8Array[]): void {
  const l = readOf(c, keyOf(args[1]!), ListValue);
  if (l === null) return;
  let i = longArg(c, args[2]!);
  if (i === undefined) return;
  if (l === undefined) {
    c.out.nullBulk();
    return;
  }
  if (i < 0) i += l.size;
  if (i < 0 || i >= l.size) c.out.nullBulk();
  else c.out.binary(l.at(i));
}

/**
 * LMOVE's work once `src` is known to hold `l` (non-empty): pops at `from`, pushes at `to` of
 * `dst` with Redis's events; undefined (after replying WRONGTYPE) when `dst` holds another type.
 */
export function moveElement(
  c: Session,
  src: string,
  l: ListValue,
  dst: string,
  from: boolean,
  to: boolean,
): string | undefined {
  const db = c.keyspace;
  const found = src === dst ? l : writeOf(c, dst, ListValue);
  if (found === null) return undefined;
  const elem = l.pop(from)!;
  const d = found ?? new ListValue();
  d.push(elem, to);
  commit(db, dst, d, found === undefined);
  notify(c, Notify.LIST, to ? "lpush" : "rpush", dst);
  notify(c, Notify.LIST, from ? "lpop" : "rpop", src);
  if (l.size === 0) {
    db.delete(src);
    notify(c, Notify.GENERIC, "del", src);
  } else if (src !== dst) db.changed(src);
  return elem;
}

function lmove(c: Session, args: Uint8Array[], from: boolean, to: boolean): void {
  const src = keyOf(args[1]!);
  const l = writeOf(c, src, ListValue);
  if (l === null) return;
  if (l === undefined) {
    c.out.nullBulk();
    return;
  }
  const elem = moveElement(c, src, l, keyOf(args[2]!), from, to);
  if (elem !== undefined) c.out.binary(elem);
}

function lmoveCmd(c: Session, args: Uint8Array[]): void {
  const from = sideArg(c, args[3]!);
  if (from === undefined) return;
  const to = sideArg(c, args[4]!);
  if (to !== undefined) lmove(c, args, from, to);
}

/** LMPOP/BLMPOP's arguments after numkeys' position `at`: keys, side and count. */
export interface MpopArgs {
  keys: Uint8Array[];
  left: boolean;
  count: number;
}

/** Parses `numkeys key... LEFT|RIGHT [COUNT n]` from `at`; undefined after an error reply. */
export function mpopArgs(
  c: Session,
  args: Uint8Array[],
  at: number,
  ends: readonly [string, string] = ["left", "right"],
): MpopArgs | undefined {
  const numkeysErr = "ERR numkeys should be greater than 0";
  const numkeys = longArg(c, args[at]!, numkeysErr);
  if (numkeys === undefined) return undefined;
  if (numkeys < 1) {
    c.out.error(numkeysErr);
    return undefined;
  }
  const whereAt = at + numkeys + 1;
  if (whereAt >= args.length) {
    c.out.error(Err.syntax);
    return undefined;
  }
  const w = args[whereAt]!;
  const left = isWord(w, ends[0]) ? true : isWord(w, ends[1]) ? false : undefined;
  if (left === undefined) {
    c.out.error(Err.syntax);
    return undefined;
  }
  let count = -1;
  for (let j = whereAt + 1; j < args.length; j++) {
    if (count === -1 && isWord(args[j]!, "count") && j + 1 < args.length) {
      const countErr = "ERR count should be greater than 0";
      const n = longArg(c, args[++j]!, countErr);
      if (n === undefined) return undefined;
      if (n < 1) {
        c.out.error(countErr);
        return undefined;
      }
      count = n;
    } else {
      c.out.error(Err.syntax);
      return undefined;
    }
  }
  return { keys: args.slice(at + 1, whereAt), left, count: count === -1 ? 1 : count };
}

/**
 * Pops from the first non-empty list of `keys` and replies [key, elements], propagated as
 * LPOP/RPOP key n; false when no key holds a list (nothing replied), null after WRONGTYPE.
 */
export function mpopFirst(c: Session, p: MpopArgs): boolean | null {
  for (const kb of p.keys) {
    const key = keyOf(kb);
    const l = writeOf(c, key, ListValue);
    if (l === null) return null;
    if (l === undefined) continue;
    const elems = popElements(c, key, l, p.left, p.count);
    c.propagateAs = [p.left ? LPOP : RPOP, kb, bytes(String(elems.length))];
    c.out.arrayHeader(2);
    c.out.binary(key);
    replyElements(c, elems);
    return true;
  }
  return false;
}

function lmpop(c: Session, args: Uint8Array[]): void {
  const p = mpopArgs(c, args, 1);
  if (p !== undefined && mpopFirst(c, p) === false) c.out.nullArray();
}

const W = ["@write", "@list"], R = ["@read", "@list"];

/** The list commands of this file. */
export const LIST_COMMANDS: readonly Command[] = [
  listCmd(
    "lpush",
    -3,
    ["write", "denyoom", "fast"],
    [...W, "@fast"],
    (c, a) => push(c, a, true, false),
  ),
  listCmd(
    "rpush",
    -3,
    ["write", "denyoom", "fast"],
    [...W, "@fast"],
    (c, a) => push(c, a, false, false),
  ),
  listCmd(
    "lpushx",
    -3,
    ["write", "denyoom", "fast"],
    [...W, "@fast"],
    (c, a) => push(c, a, true, true),
  ),
  listCmd(
    "rpushx",
    -3,
    ["write", "denyoom", "fast"],
    [...W, "@fast"],
    (c, a) => push(c, a, false, true),
  ),
  listCmd("lpop", -2, ["write", "fast"], [...W, "@fast"], (c, a) => pop(c, a, true)),
  listCmd("rpop", -2, ["write", "fast"], [...W, "@fast"], (c, a) => pop(c, a, false)),
  listCmd("llen", 2, ["readonly", "fast"], [...R, "@fast"], llen),
  listCmd("lrange", 4, ["readonly"], [...R, "@slow"], lrange),
  listCmd("lindex", 3, ["readonly"], [...R, "@slow"], lindex),
  listCmd("lmove", 5, ["write", "denyoom"], [...W, "@slow"], lmoveCmd, [1, 2, 1]),
  listCmd(
    "rpoplpush",
    3,
    ["write", "denyoom"],
    [...W, "@slow"],
    (c, a) => lmove(c, a, false, true),
    [1, 2, 1],
  ),
  listCmd("lmpop", -4, ["write", "movablekeys"], [...W, "@slow"], lmpop, [0, 0, 0]),
];
