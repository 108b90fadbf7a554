// Set algebra: SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE, as Redis
// 7.0's sinterGenericCommand and sunionDiffGenericCommand answer them (every key's type is
// checked first; a result is built as a new set, so it is an intset when it can be), and the
// scan and random-field commands of hashes and sets (HSCAN SSCAN HRANDFIELD).

import { keyOf } from "../store/db.ts";
import type { Command, Session } from "./types.ts";
import { Err } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { HashValue, readOf, SetValue, writeOf } from "./collections.ts";
import { isWord } from "./args.ts";
import { parseInt64 } from "../../resp/integer.ts";
import { COUNT_RANGE, distinctPositions, replyMembers } from "./sets.ts";
import { scanCollection } from "./collection_scan.ts";

/** The sets at `keys` (undefined for a missing key); null after WRONGTYPE. */
function setsAt(c: Session, keys: Uint8Array[], write: boolean): (SetValue | undefined)[] | null {
  const out: (SetValue | undefined)[] = [];
  for (const k of keys) {
    const s = write ? writeOf(c, keyOf(k), SetValue) : readOf(c, keyOf(k), SetValue);
    if (s === null) return null;
    out.push(s);
  }
  return out;
}

/** The intersection of `sets` (none missing), in the smallest set's order; stops at `limit`. */
function intersect(sets: SetValue[], limit: number): string[] {
  const sorted = sets.slice().sort((a, b) => a.size - b.size);
  const out: string[] = [];
  outer: for (const m of sorted[0]!.members) {
    for (let j = 1; j < sorted.length; j++) if (!sorted[j]!.has(m)) continue outer;
    out.push(m);
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}

/** Stores `result` at args[1] (or deletes it when empty) and replies the count. */
function store(c: Session, dstArg: Uint8Array, result: SetValue, event: string): void {
  const db = c.keyspace;
  const dst = keyOf(dstArg);
  if (result.size > 0) {
    db.set(dst, result);
    c.out.integer(result.size);
    notify(c, Notify.SET, event, dst);
  } else {
    c.out.integer(0);
    if (db.delete(dst)) notify(c, Notify.GENERIC, "del", dst);
  }
}

/** A new set of `members` (intset while it can be, as Redis builds results). */
function build(c: Session, members: Iterable<string>): SetValue {
  const s = new SetValue();
  const limits = c.keyspace.limits;
  for (const m of members) s.add(m, limits);
  return s;
}

function sinterGeneric(c: Session, keys: Uint8Array[], dst: Uint8Array | undefined): void {
  const sets = setsAt(c, keys, false);
  if (sets === null) return;
  if (sets.some((s) => s === undefined)) {
    if (dst !== undefined) {
      const key = keyOf(dst);
      if (c.keyspace.delete(key)) notify(c, Notify.GENERIC, "del", key);
      c.out.integer(0);
    } else c.out.setHeader(0);
    return;
  }
  const result = build(c, intersect(sets as SetValue[], 0));
  if (dst !== undefined) store(c, dst, result, "sinterstore");
  else replyMembers(c, result.members);
}

function sintercard(c: Session, args: Uint8Array[]): void {
  const numkeys = parseInt64(args[1]!);
  if (numkeys === undefined || numkeys < 1) {
    c.out.error("ERR numkeys should be greater than 0");
    return;
  }
  if (numkeys > args.length - 2) {
    c.out.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  let limit = 0;
  for (let j = 2 + Number(numkeys); j < args.length; j++) {
    if (isWord(args[j]!, "limit") && j < args.length - 1) {
      const n = parseInt64(args[++j]!);
      if (n === undefined || n < 0) {
        c.out.error("ERR LIMIT can't be negative");
        return;
      }
      limit = Number(n);
    } else {
      c.out.error(Err.syntax);
      return;
    }
  }
  const sets = setsAt(c, args.slice(2, 2 + Number(numkeys)), false);
  if (sets === null) return;
  if (sets.some((s) => s === undefined)) c.out.integer(0);
  else c.out.integer(intersect(sets as SetValue[], limit).length);
}

function sunionDiff(
  c: Session,
  keys: Uint8Array[],
  dst: Uint8Array | undefined,
  diff: boolean,
): void {
  const sets = setsAt(c, keys, dst !== undefined);
  if (sets === null) return;
  let members: Iterable<string>;
  if (!diff) {
    members = (function* () {
      for (const s of sets) if (s !== undefined) yield* s.members;
    })();
  } else {
    const first = sets[0];
    const rest = sets.slice(1).filter((s) => s !== undefined);
    members = first === undefined ? [] : first.members.filter((m) => !rest.some((s) => s.has(m)));
  }
  const result = build(c, members);
  if (dst !== undefined) store(c, dst, result, diff ? "sdiffstore" : "sunionstore");
  else replyMembers(c, result.members);
}

function hrandfield(c: Session, args: Uint8Array[]): void {
  const key = keyOf(args[1]!);
  if (args.length === 2) {
    const h = readOf(c, key, HashValue);
    if (h === null) return;
    if (h === undefined) c.out.nullBulk();
    else c.out.binary(h.flat()[2 * c.server.random.below(h.size)]!);
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
  let withValues = false;
  if (args.length > 4 || (args.length === 4 && !isWord(args[3]!, "withvalues"))) {
    c.out.error(Err.syntax);
    return;
  } else if (args.length === 4) {
    withValues = true;
    if (n < -4611686018427387903n || n > 4611686018427387903n) {
      c.out.error("ERR value is out of range");
      return;
    }
  }
  const count = Number(n);
  const h = readOf(c, key, HashValue);
  if (h === null) return;
  if (h === undefined || count === 0) {
    c.out.arrayHeader(0);
    return;
  }
  const kv = h.flat(), size = kv.length >> 1;
  const pairs = withValues && c.resp === 3;
  const one = (i: number) => {
    if (pairs) c.out.arrayHeader(2);
    c.out.binary(kv[2 * i]!);
    if (withValues) c.out.binary(kv[2 * i + 1]!);
  };
  const header = (k: number) => c.out.arrayHeader(withValues && !pairs ? 2 * k : k);
  if (count < 0 || count === 1) {
    const k = Math.abs(count);
    header(k);
    for (let j = 0; j < k; j++) one(c.server.random.below(size));
    return;
  }
  if (count >= size) {
    header(size);
    for (let i = 0; i < size; i++) one(i);
    return;
  }
  header(count);
  for (const i of distinctPositions(size, count, c.server.random)) one(i);
}

const SLOW_READ = ["@read", "@set", "@slow"];
const SLOW_WRITE = ["@write", "@set", "@slow"];

/** The set algebra commands, HSCAN, SSCAN and HRANDFIELD. */
export const SET_OP_COMMANDS: readonly Command[] = [
  {
    name: "sinter",
    arity: -2,
    flags: ["readonly"],
    keys: [1, -1, 1],
    acl: SLOW_READ,
    handler: (c, a) => sinterGeneric(c, a.slice(1), undefined),
  },
  {
    name: "sintercard",
    arity: -3,
    flags: ["readonly", "movablekeys"],
    keys: [0, 0, 0],
    acl: SLOW_READ,
    handler: sintercard,
  },
  {
    name: "sinterstore",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, -1, 1],
    acl: SLOW_WRITE,
    handler: (c, a) => sinterGeneric(c, a.slice(2), a[1]!),
  },
  {
    name: "sunion",
    arity: -2,
    flags: ["readonly"],
    keys: [1, -1, 1],
    acl: SLOW_READ,
    handler: (c, a) => sunionDiff(c, a.slice(1), undefined, false),
  },
  {
    name: "sunionstore",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, -1, 1],
    acl: SLOW_WRITE,
    handler: (c, a) => sunionDiff(c, a.slice(2), a[1]!, false),
  },
  {
    name: "sdiff",
    arity: -2,
    flags: ["readonly"],
    keys: [1, -1, 1],
    acl: SLOW_READ,
    handler: (c, a) => sunionDiff(c, a.slice(1), undefined, true),
  },
  {
    name: "sdiffstore",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, -1, 1],
    acl: SLOW_WRITE,
    handler: (c, a) => sunionDiff(c, a.slice(2), a[1]!, true),
  },
  {
    name: "sscan",
    arity: -3,
    flags: ["readonly"],
    keys: [1, 1, 1],
    acl: SLOW_READ,
    handler: (c, a) => scanCollection(c, a, "set"),
  },
  {
    name: "hscan",
    arity: -3,
    flags: ["readonly"],
    keys: [1, 1, 1],
    acl: ["@read", "@hash", "@slow"],
    handler: (c, a) => scanCollection(c, a, "hash"),
  },
  {
    name: "hrandfield",
    arity: -2,
    flags: ["readonly"],
    keys: [1, 1, 1],
    acl: ["@read", "@hash", "@slow"],
    handler: hrandfield,
  },
];
