// The stream commands that add, read and remove entries: XADD XLEN XRANGE XREVRANGE XDEL XTRIM
// XSETID, as Redis 7.0's t_stream.c. XADD is propagated with the id it generated, and an
// approximate trim (`~`) as the exact one it turned out to be (`=` and the resulting length or
// first id), so the append-only file replays the same stream.

import { keyOf, StreamValue } from "../store/db.ts";
import { formatId, MAX_ID, type StreamId } from "../store/stream_value.ts";
import { bytes, isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { Err } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { entry } from "./entry.ts";
import { longArg } from "./lists.ts";
import {
  intervalId,
  parseId,
  readStream,
  replyRange,
  strictId,
  writeStream,
} from "./stream_args.ts";

const EQ = bytes("=");

/** Options of XADD and XTRIM (Redis's streamAddTrimArgs). */
interface TrimArgs {
  maxlen?: number;
  minid?: StreamId;
  approx: boolean;
  limit: number;
  /** Where the threshold argument is (0: no trim). */
  argAt: number;
  noMkStream: boolean;
  /** XADD's id (undefined: `*`), and whether its seq was given. */
  id?: StreamId;
  seqGiven: boolean;
  /** XADD: where the id is. */
  idAt: number;
}

/** Redis's streamParseAddOrTrimArgsOrReply; undefined after replying. */
function trimArgs(c: Session, args: Uint8Array[], xadd: boolean): TrimArgs | undefined {
  const t: TrimArgs = {
    approx: false,
    limit: 0,
    argAt: 0,
    noMkStream: false,
    seqGiven: false,
    idAt: 0,
  };
  let limitGiven = false, strategy = false;
  let i = 2;
  for (; i < args.length; i++) {
    const more = args.length - 1 - i;
    const a = args[i]!;
    if (xadd && a.length === 1 && a[0] === 42) break;
    const maxlen = isWord(a, "maxlen");
    if ((maxlen || isWord(a, "minid")) && more > 0) {
      if (strategy) {
        c.out.error(
          "ERR syntax error, MAXLEN and MINID options at the same time are not compatible",
        );
        return undefined;
      }
      t.approx = false;
      const next = args[i + 1]!;
      if (more >= 2 && next.length === 1 && (next[0] === 126 || next[0] === 61)) {
        t.approx = next[0] === 126;
        i++;
      }
      if (maxlen) {
        const n = longArg(c, args[i + 1]!);
        if (n === undefined) return undefined;
        if (n < 0) {
          c.out.error("ERR The MAXLEN argument must be >= 0.");
          return undefined;
        }
        t.maxlen = n;
        t.minid = undefined;
      } else {
        const id = strictId(c, args[i + 1]!);
        if (id === undefined) return undefined;
        t.minid = id;
        t.maxlen = undefined;
      }
      i++;
      strategy = true;
      t.argAt = i;
    } else if (isWord(a, "limit") && more > 0) {
      const n = longArg(c, args[i + 1]!);
      if (n === undefined) return undefined;
      if (n < 0) {
        c.out.error("ERR The LIMIT argument must be >= 0.");
        return undefined;
      }
      t.limit = n;
      limitGiven = true;
      i++;
    } else if (xadd && isWord(a, "nomkstream")) {
      t.noMkStream = true;
    } else if (xadd) {
      const p = parseId(c, a, 0n, true, true);
      if (p === undefined) return undefined;
      t.id = p.id;
      t.seqGiven = p.seqGiven;
      break;
    } else {
      c.out.error(Err.syntax);
      return undefined;
    }
  }
  t.idAt = i;
  if (t.limit !== 0 && !strategy) {
    c.out.error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return undefined;
  }
  if (!xadd && !strategy) {
    c.out.error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return undefined;
  }
  if (c.keyspace.loading) t.limit = 0;
  else if (limitGiven) {
    if (!t.approx) {
      c.out.error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return undefined;
    }
  } else t.limit = t.approx ? 10000 : 0;
  return t;
}

/** An approximate trim is propagated as the exact one it did (streamRewriteTrimArgument). */
function exactTrimArgs(args: Uint8Array[], s: StreamValue, t: TrimArgs): Uint8Array[] {
  const out = args.slice();
  out[t.argAt - 1] = EQ;
  out[t.argAt] = bytes(t.maxlen !== undefined ? String(s.length) : formatId(s.edgeId(true)));
  return out;
}

/** Tells clients blocked on `key` (XREAD BLOCK) that it changed. */
export function signalStream(c: Session, key: string): void {
  c.server.blocked.ready(c.db, key);
}

function xadd(c: Session, args: Uint8Array[]): void {
  const t = trimArgs(c, args, true);
  if (t === undefined) return;
  const fieldAt = t.idAt + 1;
  const n = args.length - fieldAt;
  if (n < 2 || n % 2 === 1) {
    c.out.error(Err.arity("xadd"));
    return;
  }
  if (t.id === 0n && t.seqGiven) {
    c.out.error("ERR The ID specified in XADD must be greater than 0-0");
    return;
  }
  const key = keyOf(args[1]!);
  const found = writeStream(c, key);
  if (found === null) return;
  if (found === undefined && t.noMkStream) {
    c.out.nullBulk();
    return;
  }
  const s = found ?? new StreamValue();
  if (s.lastId === MAX_ID) {
    c.out.error("ERR The stream has exhausted the last possible ID, unable to add more items");
    return;
  }
  let id: StreamId;
  const last = s.lastId;
  if (t.id === undefined) {
    const ms = BigInt(c.server.clock.now());
    id = ms > last >> 64n ? ms << 64n : last + 1n;
  } else if (t.seqGiven) id = t.id;
  else if (t.id >> 64n === last >> 64n) {
    if ((last & ((1n << 64n) - 1n)) === (1n << 64n) - 1n) id = 0n;
    else id = last + 1n;
  } else id = t.id;
  if (id <= last) {
    c.out.error("ERR The ID specified in XADD is equal or smaller than the target stream top item");
    return;
  }
  s.append(id, args, fieldAt);
  if (found === undefined) c.keyspace.set(key, s);
  else c.keyspace.changed(key);
  const idText = formatId(id);
  c.out.binary(idText);
  notify(c, Notify.STREAM, "xadd", key);
  let prop = args;
  if (t.argAt > 0) {
    if (s.trim(t) > 0) notify(c, Notify.STREAM, "xtrim", key);
    if (t.approx) prop = exactTrimArgs(args, s, t);
  }
  if (t.id === undefined || !t.seqGiven) {
    if (prop === args) prop = args.slice();
    prop[t.idAt] = bytes(idText);
  }
  if (prop !== args) c.propagateAs = prop;
  signalStream(c, key);
}

function xtrim(c: Session, args: Uint8Array[]): void {
  const t = trimArgs(c, args, false);
  if (t === undefined) return;
  const key = keyOf(args[1]!);
  const s = writeStream(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.out.integer(0);
    return;
  }
  const deleted = s.trim(t);
  if (deleted > 0) {
    notify(c, Notify.STREAM, "xtrim", key);
    if (t.approx) c.propagateAs = exactTrimArgs(args, s, t);
    c.keyspace.changed(key);
  }
  c.out.integer(deleted);
}

function xlen(c: Session, args: Uint8Array[]): void {
  const s = readStream(c, keyOf(args[1]!));
  if (s !== null) c.out.integer(s?.length ?? 0);
}

function xrange(c: Session, args: Uint8Array[], rev: boolean): void {
  const a = intervalId(c, args[rev ? 3 : 2]!, 0n);
  if (a === undefined) return;
  let start = a.id;
  if (a.exclusive) {
    if (start === MAX_ID) return c.out.error("ERR invalid start ID for the interval");
    start++;
  }
  const b = intervalId(c, args[rev ? 2 : 3]!, (1n << 64n) - 1n);
  if (b === undefined) return;
  let end = b.id;
  if (b.exclusive) {
    if (end === 0n) return c.out.error("ERR invalid end ID for the interval");
    end--;
  }
  let count = -1;
  for (let j = 4; j < args.length; j++) {
    if (isWord(args[j]!, "count") && j + 1 < args.length) {
      const n = longArg(c, args[++j]!);
      if (n === undefined) return;
      count = n < 0 ? 0 : n;
    } else return c.out.error(Err.syntax);
  }
  const s = readStream(c, keyOf(args[1]!));
  if (s === null) return;
  if (s === undefined) return c.out.arrayHeader(0);
  if (count === 0) return c.out.nullArray();
  replyRange(c, s, start, end, count === -1 ? 0 : count, rev);
}

function xdel(c: Session, args: Uint8Array[]): void {
  const key = keyOf(args[1]!);
  const s = writeStream(c, key);
  if (s === null) return;
  if (s === undefined) return c.out.integer(0);
  const ids: StreamId[] = [];
  for (let i = 2; i < args.length; i++) {
    const id = strictId(c, args[i]!);
    if (id === undefined) return;
    ids.push(id);
  }
  let deleted = 0;
  for (const id of ids) if (s.delete(id)) deleted++;
  if (deleted > 0) {
    c.keyspace.changed(key);
    notify(c, Notify.STREAM, "xdel", key);
  }
  c.out.integer(deleted);
}

function xsetid(c: Session, args: Uint8Array[]): void {
  const id = strictId(c, args[2]!);
  if (id === undefined) return;
  let added = -1, maxDeleted = 0n;
  for (let i = 3; i < args.length; i += 2) {
    const more = args.length - 1 - i;
    if (isWord(args[i]!, "entriesadded") && more > 0) {
      const n = longArg(c, args[i + 1]!);
      if (n === undefined) return;
      if (n < 0) return c.out.error("ERR entries_added must be positive");
      added = n;
    } else if (isWord(args[i]!, "maxdeletedid") && more > 0) {
      const m = strictId(c, args[i + 1]!);
      if (m === undefined) return;
      if (id < m) {
        return c.out.error(
          "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
        );
      }
      maxDeleted = m;
    } else return c.out.error(Err.syntax);
  }
  const key = keyOf(args[1]!);
  const s = writeStream(c, key);
  if (s === null) return;
  if (s === undefined) return c.out.error("ERR no such key");
  if (s.length > 0) {
    if (id < s.edgeId(false)) {
      return c.out.error(
        "ERR The ID specified in XSETID is smaller than the target stream top item",
      );
    }
    if (added !== -1 && s.length > added) {
      return c.out.error(
        "ERR The entries_added specified in XSETID is smaller than the target stream length",
      );
    }
  }
  if (id < s.maxDeletedId) {
    return c.out.error(
      "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id",
    );
  }
  s.lastId = id;
  if (added !== -1) s.entriesAdded = added;
  if (maxDeleted !== 0n) s.maxDeletedId = maxDeleted;
  c.out.simple("OK");
  c.keyspace.changed(key);
  notify(c, Notify.STREAM, "xsetid", key);
}

const R = ["@read", "@stream", "@slow"];

/** XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID. */
export const STREAM_COMMANDS: readonly Command[] = [
  entry("xadd", -5, ["write", "denyoom", "fast"], ["@write", "@stream", "@fast"], xadd),
  entry("xlen", 2, ["readonly", "fast"], ["@read", "@stream", "@fast"], xlen),
  entry("xrange", -4, ["readonly"], R, (c, a) => xrange(c, a, false)),
  entry("xrevrange", -4, ["readonly"], R, (c, a) => xrange(c, a, true)),
  entry("xdel", -3, ["write", "fast"], ["@write", "@stream", "@fast"], xdel),
  entry("xtrim", -4, ["write"], ["@write", "@stream", "@slow"], xtrim),
  entry("xsetid", -3, ["write", "denyoom", "fast"], ["@write", "@stream", "@fast"], xsetid),
];
