// XCLAIM and XAUTOCLAIM, as Redis 7.0's t_stream.c: pending entries change consumer (the idle
// time, delivery count and LASTID options), an entry deleted meanwhile leaves the pending lists,
// and each change is propagated as the idempotent XCLAIM ... FORCE JUSTID LASTID Redis writes
// (stream_read.ts's propagateClaim), never as sent.

import { keyOf } from "../store/db.ts";
import { formatId, MAX_ID, type StreamId } from "../store/stream_value.ts";
import type { Consumer, Nack, StreamGroup } from "../store/stream_group.ts";
import { bytes, isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { Err } from "./replies.ts";
import { entry } from "./entry.ts";
import { longArg } from "./lists.ts";
import { intervalId, parseId, readStream, replyEntry, replyId, strictId } from "./stream_args.ts";
import { lookupConsumer, propagateClaim } from "./stream_read.ts";
import { noGroup } from "./stream_groups.ts";
import { propagateAsUnit } from "./call.ts";

const XGROUP = bytes("XGROUP"), SETID = bytes("SETID"), ENTRIESREAD = bytes("ENTRIESREAD");

/** Moves pending entry `id` to `consumer` (XCLAIM / XAUTOCLAIM). */
function claim(g: StreamGroup, id: StreamId, n: Nack, consumer: Consumer): void {
  if (n.consumer !== consumer) {
    n.consumer?.pel.delete(id);
    consumer.pel.set(id, n);
    n.consumer = consumer;
  }
  g.pel.set(id, n);
}

/** Drops pending entry `id` whose entry is gone, propagating it as Redis does. */
function dropGone(c: Session, key: string, gname: string, g: StreamGroup, id: StreamId, n: Nack) {
  propagateClaim(c, key, gname, g, id, n);
  g.pel.delete(id);
  n.consumer.pel.delete(id);
}

function xclaim(c: Session, args: Uint8Array[]): void {
  const key = keyOf(args[1]!), gname = keyOf(args[2]!);
  const s = readStream(c, key);
  if (s === null) return;
  const g = s?.groups?.get(gname);
  if (s === undefined || g === undefined) return noGroup(c, key, gname);
  const idle = longArg(c, args[4]!, "ERR Invalid min-idle-time argument for XCLAIM");
  if (idle === undefined) return;
  const minIdle = Math.max(0, idle);
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < args.length; j++) {
    const p = parseId(undefined, args[j]!, 0n, true);
    if (p === undefined) break;
    ids.push(p.id);
  }
  const now = c.server.clock.now();
  let force = false, justid = false, retry = -1, time = -1, lastId = 0n;
  for (; j < args.length; j++) {
    const more = args.length - 1 - j;
    const a = args[j]!;
    if (isWord(a, "force")) force = true;
    else if (isWord(a, "justid")) justid = true;
    else if (isWord(a, "idle") && more > 0) {
      const n = longArg(c, args[++j]!, "ERR Invalid IDLE option argument for XCLAIM");
      if (n === undefined) return;
      time = now - n;
    } else if (isWord(a, "time") && more > 0) {
      const n = longArg(c, args[++j]!, "ERR Invalid TIME option argument for XCLAIM");
      if (n === undefined) return;
      time = n;
    } else if (isWord(a, "retrycount") && more > 0) {
      const n = longArg(c, args[++j]!, "ERR Invalid RETRYCOUNT option argument for XCLAIM");
      if (n === undefined) return;
      retry = n;
    } else if (isWord(a, "lastid") && more > 0) {
      const id = strictId(c, args[++j]!);
      if (id === undefined) return;
      lastId = id;
    } else return c.out.error(`ERR Unrecognized XCLAIM option '${keyOf(a)}'`);
  }
  c.propagateAs = [];
  let propagateLast = false;
  if (lastId > g.lastId) {
    g.lastId = lastId;
    propagateLast = true;
  }
  if (time === -1 || time < 0 || time > now) time = now;
  const name = keyOf(args[3]!);
  let consumer: Consumer | undefined;
  const out: [StreamId, string[] | undefined][] = [];
  for (const id of ids) {
    let n = g.pel.get(id);
    const fields = s.get(id);
    if (fields === undefined) {
      if (n !== undefined) {
        dropGone(c, key, gname, g, id, n);
        propagateLast = false;
        c.keyspace.dirty++;
      }
      continue;
    }
    const forced = n === undefined && force;
    if (n === undefined && !force) continue;
    if (!forced && minIdle > 0 && now - n!.deliveryTime < minIdle) continue;
    consumer ??= lookupConsumer(c, key, g, name);
    if (n === undefined) n = { deliveryTime: time, deliveryCount: 0, consumer: undefined! };
    n.deliveryTime = time;
    if (retry >= 0) n.deliveryCount = retry;
    else if (!justid) n.deliveryCount++;
    claim(g, id, n, consumer);
    out.push([id, fields]);
    propagateClaim(c, key, gname, g, id, n);
    propagateLast = false;
    c.keyspace.dirty++;
  }
  if (propagateLast) {
    c.server.propagate(
      [
        XGROUP,
        SETID,
        args[1]!,
        args[2]!,
        bytes(formatId(g.lastId)),
        ENTRIESREAD,
        bytes(String(g.entriesRead)),
      ],
      c.db,
    );
    c.keyspace.dirty++;
  }
  c.out.arrayHeader(out.length);
  for (const [id, fields] of out) {
    if (justid) replyId(c, id);
    else replyEntry(c, id, fields!);
  }
}

function xautoclaim(c: Session, args: Uint8Array[]): void {
  const idle = longArg(c, args[4]!, "ERR Invalid min-idle-time argument for XAUTOCLAIM");
  if (idle === undefined) return;
  const minIdle = Math.max(0, idle);
  const a = intervalId(c, args[5]!, 0n);
  if (a === undefined) return;
  let start = a.id;
  if (a.exclusive) {
    if (start === MAX_ID) return c.out.error("ERR invalid start ID for the interval");
    start++;
  }
  let count = 100, justid = false;
  for (let j = 6; j < args.length; j++) {
    if (isWord(args[j]!, "count") && j + 1 < args.length) {
      const n = longArg(c, args[j + 1]!, "ERR COUNT must be > 0");
      if (n === undefined) return;
      if (n < 1 || n > Math.floor(9223372036854775807 / 16)) {
        return c.out.error("ERR COUNT must be > 0");
      }
      count = n;
      j++;
    } else if (isWord(args[j]!, "justid")) justid = true;
    else return c.out.error(Err.syntax);
  }
  const key = keyOf(args[1]!), gname = keyOf(args[2]!);
  const s = readStream(c, key);
  if (s === null) return;
  const g = s?.groups?.get(gname);
  if (s === undefined || g === undefined) return noGroup(c, key, gname);
  c.propagateAs = [];
  let attempts = count * 10;
  const cand = g.pel.range(start, MAX_ID, Math.min(attempts + 1, 1e9));
  const now = c.server.clock.now();
  const name = keyOf(args[3]!);
  let consumer: Consumer | undefined;
  const out: [StreamId, string[]][] = [];
  const gone: StreamId[] = [];
  let k = 0;
  while (attempts-- > 0 && count > 0 && k < cand.length) {
    const [id, n] = cand[k++]!;
    const fields = s.get(id);
    if (fields === undefined) {
      dropGone(c, key, gname, g, id, n);
      gone.push(id);
      count--;
      c.keyspace.dirty++;
      continue;
    }
    if (minIdle > 0 && now - n.deliveryTime < minIdle) continue;
    consumer ??= lookupConsumer(c, key, g, name);
    n.deliveryTime = now;
    if (!justid) n.deliveryCount++;
    claim(g, id, n, consumer);
    out.push([id, fields]);
    count--;
    propagateClaim(c, key, gname, g, id, n);
    c.keyspace.dirty++;
  }
  c.out.arrayHeader(3);
  replyId(c, k < cand.length ? cand[k]![0] : 0n);
  c.out.arrayHeader(out.length);
  for (const [id, fields] of out) {
    if (justid) replyId(c, id);
    else replyEntry(c, id, fields);
  }
  c.out.arrayHeader(gone.length);
  for (const id of gone) replyId(c, id);
}

/** XCLAIM and XAUTOCLAIM. */
export const STREAM_CLAIM_COMMANDS: readonly Command[] = [
  entry(
    "xclaim",
    -6,
    ["write", "fast"],
    ["@write", "@stream", "@fast"],
    (c, a) => propagateAsUnit(c.server, () => xclaim(c, a)),
  ),
  entry(
    "xautoclaim",
    -6,
    ["write", "fast"],
    ["@write", "@stream", "@fast"],
    (c, a) => propagateAsUnit(c.server, () => xautoclaim(c, a)),
  ),
];
