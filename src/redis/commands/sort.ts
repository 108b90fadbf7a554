// SORT and SORT_RO, as Redis 7.0's sort.c: the elements of a list or a set (or a sorted set) sorted numerically or, with ALPHA, by bytes (the C
// locale's strcoll), by themselves or by the values BY names (`*` takes the element, `->field`
// reads a hash field); `BY` without `*` does not sort; GET patterns (`#`: the element) pick what
// is answered; LIMIT picks a range of the sorted elements.
// STORE writes the result as a list (an empty result deletes the destination).

import { HashValue, keyOf, ListValue, SetValue, type Stored, ZSetValue } from "../store/db.ts";
import { isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { Err } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { parseInt64 } from "../../resp/integer.ts";

const NOT_DOUBLE = "ERR One or more scores can't be converted into double";

/** The elements of a sortable value in their native order; undefined for another type. */
function elementsOf(v: Stored): string[] | undefined {
  if (v instanceof SetValue) return v.members.slice();
  if (v instanceof ListValue) return v.toArray();
  if (v instanceof ZSetValue) return v.slice(0, v.size).m;
  return undefined;
}

/**
 * The value `pattern` names for `elem` (Redis's lookupKeyByPattern): `#` is the element; the
 * first `*` is replaced by it; `->field` after the `*` reads that field of a hash; anything else
 * reads a string. Undefined when there is no such value (or no `*`).
 */
function lookupByPattern(c: Session, pattern: string, elem: string): string | undefined {
  if (pattern === "#") return elem;
  const star = pattern.indexOf("*");
  if (star < 0) return undefined;
  const arrow = pattern.indexOf("->", star + 1);
  const field = arrow >= 0 && arrow + 2 < pattern.length ? pattern.slice(arrow + 2) : undefined;
  const end = field === undefined ? pattern.length : arrow;
  const key = pattern.slice(0, star) + elem + pattern.slice(star + 1, end);
  const v = c.keyspace.getStored(key);
  if (v === undefined) return undefined;
  if (field !== undefined) return v instanceof HashValue ? v.get(field) : undefined;
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return keyOf(v);
  return undefined;
}

/** C's strtod over the whole string (to a NUL): the number, or undefined as SORT rejects it. */
function strtod(s: string): number | undefined {
  const nul = s.indexOf("\0");
  if (nul >= 0) s = s.slice(0, nul);
  const t = s.replace(/^[ \t\n\v\f\r]+/, "");
  if (t === "") return s === "" ? 0 : undefined;
  let n: number;
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t[0] === "-" ? -Infinity : Infinity;
  if (/^[+-]?0x[0-9a-f]+$/i.test(t)) {
    n = parseInt(t.replace(/^([+-]?)0x/i, "$1"), 16);
  } else if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) {
    n = Number(t);
    // ERANGE: overflow to infinity, or underflow of a non-zero mantissa to zero or a subnormal.
    if (!Number.isFinite(n)) return undefined;
    if (Math.abs(n) < 2.2250738585072014e-308 && /[1-9]/.test(t.replace(/e.*$/i, ""))) {
      return undefined;
    }
  } else return undefined;
  return n;
}

/** Bytewise comparison of binary strings (memcmp, then length). */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Item {
  elem: string;
  score: number;
  cmp: string | undefined;
}

function sort(c: Session, args: Uint8Array[], readonly: boolean): void {
  let desc = false, alpha = false, dontsort = false;
  let limitStart = 0, limitCount = -1;
  let by: string | undefined;
  let store: Uint8Array | undefined;
  const gets: string[] = [];
  for (let j = 2; j < args.length; j++) {
    const left = args.length - j - 1;
    const a = args[j]!;
    if (isWord(a, "asc")) desc = false;
    else if (isWord(a, "desc")) desc = true;
    else if (isWord(a, "alpha")) alpha = true;
    else if (isWord(a, "limit") && left >= 2) {
      const start = parseInt64(args[j + 1]!), count = parseInt64(args[j + 2]!);
      if (start === undefined || count === undefined) {
        c.out.error(Err.notInteger);
        return;
      }
      limitStart = Number(start);
      limitCount = Number(count);
      j += 2;
    } else if (!readonly && isWord(a, "store") && left >= 1) store = args[++j]!;
    else if (isWord(a, "by") && left >= 1) {
      by = keyOf(args[++j]!);
      if (!by.includes("*")) dontsort = true;
    } else if (isWord(a, "get") && left >= 1) gets.push(keyOf(args[++j]!));
    else {
      c.out.error(Err.syntax);
      return;
    }
  }
  const v = c.keyspace.getStored(keyOf(args[1]!));
  const elems = v === undefined ? [] : elementsOf(v);
  if (elems === undefined) {
    c.out.error(Err.wrongType);
    return;
  }
  // A set answered unsorted would differ between replicas: STORE sorts it by bytes instead.
  if (dontsort && v instanceof SetValue && store !== undefined) {
    dontsort = false;
    alpha = true;
    by = undefined;
  }
  // A sorted set left unsorted keeps its order, reversed by DESC (Redis's sortCommandGeneric).
  if (dontsort && desc && v instanceof ZSetValue) elems.reverse();
  const len = elems.length;
  let start = limitStart < 0 ? 0 : limitStart;
  let end = limitCount < 0 ? len - 1 : start + limitCount - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;
  const items: Item[] = elems.map((elem) => ({ elem, score: 0, cmp: undefined }));
  let notDouble = false;
  if (!dontsort) {
    for (const it of items) {
      const val = by === undefined ? it.elem : lookupByPattern(c, by, it.elem);
      if (val === undefined) continue;
      if (alpha) {
        if (by !== undefined) it.cmp = val;
      } else {
        const d = strtod(val);
        if (d === undefined) notDouble = true;
        else it.score = d;
      }
    }
    const sign = desc ? -1 : 1;
    items.sort((x, y) => sign * compareItems(x, y, alpha, by !== undefined));
  }
  const outLen = end < start ? 0 : (gets.length || 1) * (end - start + 1);
  if (notDouble) {
    c.out.error(NOT_DOUBLE);
    return;
  }
  if (store !== undefined) {
    const dst = keyOf(store);
    if (outLen > 0) {
      const list = new ListValue();
      for (let j = start; j <= end; j++) {
        const elem = items[j]!.elem;
        if (gets.length === 0) list.pushRight(elem);
        for (const g of gets) list.pushRight(lookupByPattern(c, g, elem) ?? "");
      }
      c.keyspace.set(dst, list);
      notify(c, Notify.LIST, "sortstore", dst);
    } else if (c.keyspace.delete(dst)) notify(c, Notify.GENERIC, "del", dst);
    c.out.integer(outLen);
    return;
  }
  c.out.arrayHeader(outLen);
  for (let j = start; j <= end; j++) {
    const elem = items[j]!.elem;
    if (gets.length === 0) c.out.binary(elem);
    for (const g of gets) {
      const val = lookupByPattern(c, g, elem);
      if (val === undefined) c.out.nullBulk();
      else c.out.binary(val);
    }
  }
}

/** Redis's sortCompare, before DESC turns it round. */
function compareItems(x: Item, y: Item, alpha: boolean, byPattern: boolean): number {
  if (!alpha) {
    if (x.score > y.score) return 1;
    if (x.score < y.score) return -1;
    return compareBytes(x.elem, y.elem);
  }
  if (!byPattern) return compareBytes(x.elem, y.elem);
  if (x.cmp === undefined || y.cmp === undefined) {
    return x.cmp === y.cmp ? 0 : x.cmp === undefined ? -1 : 1;
  }
  return compareBytes(x.cmp, y.cmp);
}

const SORT_ACL = ["@set", "@sortedset", "@list", "@slow", "@dangerous"];

/** SORT and SORT_RO. */
export const SORT_COMMANDS: readonly Command[] = [
  {
    name: "sort",
    arity: -2,
    flags: ["write", "denyoom", "movablekeys"],
    keys: [1, 1, 1],
    acl: ["@write", ...SORT_ACL],
    handler: (c, a) => sort(c, a, false),
  },
  {
    name: "sort_ro",
    arity: -2,
    flags: ["readonly", "movablekeys"],
    keys: [1, 1, 1],
    acl: ["@read", ...SORT_ACL],
    handler: (c, a) => sort(c, a, true),
  },
];
