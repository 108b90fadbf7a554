// Popping the lowest or highest members of sorted sets: ZPOPMIN ZPOPMAX ZMPOP and the blocking
// BZPOPMIN BZPOPMAX BZMPOP, as Redis 7.0's genericZpopCommand and blockingGenericZpopCommand
// (reply shapes per RESP version, events `zpopmin`/`zpopmax` then `del`). A blocked client waits
// on the list machinery (commands/blocking.ts), served when a ZADD or a STORE fills a key. What
// was popped is propagated as ZPOPMIN/ZPOPMAX key [count], never in the blocking form.

import { keyBytes, keyOf } from "../store/db.ts";
import { bytes } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { entry } from "./entry.ts";
import { Err } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { commit, writeOf, ZSetValue } from "./collections.ts";
import { longArg, type MpopArgs, mpopArgs } from "./lists.ts";
import { block, deadlineArg, nullArray } from "./blocking.ts";

const ZPOPMIN = bytes("ZPOPMIN"), ZPOPMAX = bytes("ZPOPMAX");

/** How a pop's reply is shaped (Redis's emitkey and use_nested_array). */
interface Shape {
  emitKey: boolean;
  nested: boolean;
}

/**
 * Pops up to `count` members of `z` (at `key`) from the low (`min`) or high end and replies them
 * in `shape`, with the events and the key deleted once empty.
 */
function popFrom(
  c: Session,
  key: string,
  z: ZSetValue,
  min: boolean,
  count: number,
  shape: Shape,
): void {
  const n = Math.min(count, z.size);
  const got = z.slice(min ? 0 : z.size - 1, n, !min);
  const out = c.out;
  if (!shape.emitKey) out.arrayHeader(shape.nested ? n : 2 * n);
  else if (!shape.nested) {
    out.arrayHeader(2 * n + 1);
    out.binary(key);
  } else {
    out.arrayHeader(2);
    out.binary(key);
    out.arrayHeader(n);
  }
  for (let i = 0; i < n; i++) {
    const m = got.m[i]!;
    z.delete(m);
    if (shape.nested) out.arrayHeader(2);
    out.binary(m);
    out.double(got.s[i]!);
  }
  commit(c.keyspace, key, z, false);
  notify(c, Notify.ZSET, min ? "zpopmin" : "zpopmax", key);
  if (z.size === 0) notify(c, Notify.GENERIC, "del", key);
}

/** ZPOPMIN / ZPOPMAX key [count]. */
function zpop(c: Session, args: Uint8Array[], min: boolean): void {
  if (args.length > 3) {
    c.out.error(Err.syntax);
    return;
  }
  let count = -1;
  if (args.length === 3) {
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
  const z = writeOf(c, key, ZSetValue);
  if (z === null) return;
  if (z === undefined || count === 0) {
    c.out.arrayHeader(0);
    return;
  }
  popFrom(c, key, z, min, count === -1 ? 1 : count, {
    emitKey: false,
    nested: c.resp === 3 && count !== -1,
  });
}

/** The first key of `keys` holding a sorted set; undefined for none, null after WRONGTYPE. */
function firstZset(
  c: Session,
  keys: Uint8Array[],
): [string, ZSetValue, Uint8Array] | undefined | null {
  for (const kb of keys) {
    const key = keyOf(kb);
    const z = writeOf(c, key, ZSetValue);
    if (z === null) return null;
    if (z !== undefined) return [key, z, kb];
  }
  return undefined;
}

const MPOP_ENDS = ["min", "max"] as const;

function zmpop(c: Session, args: Uint8Array[]): void {
  const p: MpopArgs | undefined = mpopArgs(c, args, 1, MPOP_ENDS);
  if (p === undefined) return;
  const found = firstZset(c, p.keys);
  if (found === null) return;
  if (found === undefined) {
    c.out.nullArray();
    return;
  }
  const [key, z, kb] = found;
  popFrom(c, key, z, p.left, p.count, { emitKey: true, nested: true });
  c.propagateAs = [p.left ? ZPOPMIN : ZPOPMAX, kb, bytes(String(p.count))];
}

/** BZPOPMIN / BZPOPMAX key ... timeout. */
function bzpop(c: Session, args: Uint8Array[], min: boolean): void {
  const deadline = deadlineArg(c, args[args.length - 1]!);
  if (deadline === undefined) return;
  const keys = args.slice(1, args.length - 1);
  const found = firstZset(c, keys);
  if (found === null) return;
  const shape = { emitKey: true, nested: false };
  if (found !== undefined) {
    popFrom(c, found[0], found[1], min, 1, shape);
    c.propagateAs = [min ? ZPOPMIN : ZPOPMAX, found[2]];
    return;
  }
  block<ZSetValue>(
    c,
    keys,
    deadline,
    (c, key, z) => {
      popFrom(c, key, z, min, 1, shape);
      c.server.propagate([min ? ZPOPMIN : ZPOPMAX, keyBytes(key)], c.db);
    },
    nullArray,
    nullArray,
    ZSetValue,
  );
}

/** BZMPOP timeout numkeys key ... MIN|MAX [COUNT n]. */
function bzmpop(c: Session, args: Uint8Array[]): void {
  const deadline = deadlineArg(c, args[1]!);
  if (deadline === undefined) return;
  const p: MpopArgs | undefined = mpopArgs(c, args, 2, MPOP_ENDS);
  if (p === undefined) return;
  const found = firstZset(c, p.keys);
  if (found === null) return;
  const shape = { emitKey: true, nested: true };
  const min = p.left;
  if (found !== undefined) {
    popFrom(c, found[0], found[1], min, p.count, shape);
    c.propagateAs = [min ? ZPOPMIN : ZPOPMAX, found[2], bytes(String(p.count))];
    return;
  }
  block<ZSetValue>(
    c,
    p.keys,
    deadline,
    (c, key, z) => {
      popFrom(c, key, z, min, p.count, shape);
      c.server.propagate([min ? ZPOPMIN : ZPOPMAX, keyBytes(key), bytes(String(p.count))], c.db);
    },
    nullArray,
    nullArray,
    ZSetValue,
  );
}

const W = ["@write", "@sortedset", "@fast"];
const B = ["@write", "@sortedset", "@slow", "@blocking"];
const BF: Command["flags"] = ["write", "noscript", "blocking", "fast"];
/** BZPOPMIN/BZPOPMAX are @fast in Redis 7.0, BZMPOP @slow. */
const BFAST = ["@write", "@sortedset", "@fast", "@blocking"];

/** The pops of sorted sets. */
export const ZSET_POP_COMMANDS: readonly Command[] = [
  entry("zpopmin", -2, ["write", "fast"], W, (c, a) => zpop(c, a, true)),
  entry("zpopmax", -2, ["write", "fast"], W, (c, a) => zpop(c, a, false)),
  entry(
    "zmpop",
    -4,
    ["write", "movablekeys"],
    ["@write", "@sortedset", "@slow"],
    zmpop,
    [0, 0, 0],
  ),
  entry("bzpopmin", -3, BF, BFAST, (c, a) => bzpop(c, a, true), [1, -2, 1]),
  entry("bzpopmax", -3, BF, BFAST, (c, a) => bzpop(c, a, false), [1, -2, 1]),
  entry("bzmpop", -5, ["write", "blocking", "movablekeys"], B, bzmpop, [0, 0, 0]),
];
