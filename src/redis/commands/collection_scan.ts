// HSCAN and SSCAN, as Redis's scanGenericCommand answers them for one key. A compact encoding
// (listpack, intset) is returned whole with cursor 0, as Redis does. A hashtable is walked by
// position from the end towards the start: the cursor is the next position plus one. Removals
// move the last element into the gap (store/hash_value.ts, set_value.ts), i.e. from the part
// already walked (or not yet walked, when the walk has passed the end) into a lower position, and
// additions go at the end: every element present throughout a scan is returned, as Redis
// guarantees; an element may be returned twice.

import { keyOf } from "../store/db.ts";
import { compileGlob } from "../store/glob.ts";
import type { Session } from "./types.ts";
import { countArg } from "./scan.ts";
import { Err } from "./replies.ts";
import { isWord } from "./args.ts";
import { parseCursor } from "./scan.ts";
import { HashValue, readOf, SetValue } from "./collections.ts";

/** HSCAN key cursor [MATCH p] [COUNT n] / SSCAN likewise. */
export function scanCollection(c: Session, args: Uint8Array[], kind: "hash" | "set"): void {
  const cursor = parseCursor(args[2]!);
  if (cursor === undefined) {
    c.out.error("ERR invalid cursor");
    return;
  }
  const v = kind === "hash"
    ? readOf(c, keyOf(args[1]!), HashValue)
    : readOf(c, keyOf(args[1]!), SetValue);
  if (v === null) return;
  if (v === undefined) {
    c.out.arrayHeader(2);
    c.out.bulk("0");
    c.out.arrayHeader(0);
    return;
  }
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
  const glob = pattern === undefined ? undefined : compileGlob(pattern);
  const hash = v instanceof HashValue;
  const items = hash ? v.flat() : v.members;
  const step = hash ? 2 : 1;
  const n = items.length / step;
  const found: string[] = [];
  let next = 0;
  const compact = hash ? v.listpack : v.intset;
  let from = n - 1, to = 0;
  if (!compact) {
    if (cursor !== 0n) from = Math.min(n - 1, Number(cursor > 2n ** 52n ? 2n ** 52n : cursor) - 1);
    to = Math.max(0, from - count + 1);
    next = to > 0 ? to : 0;
  }
  const emit = (i: number) => {
    const e = items[i * step]!;
    if (glob && !glob.match(e)) return;
    found.push(e);
    if (hash) found.push(items[i * step + 1]!);
  };
  if (compact) { for (let i = 0; i < n; i++) emit(i); }
  else for (let i = from; i >= to; i--) emit(i);
  c.out.arrayHeader(2);
  c.out.bulk(String(next));
  c.out.arrayHeader(found.length);
  for (const e of found) c.out.binary(e);
}
