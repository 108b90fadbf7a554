// Consumer groups: XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP), XACK, XPENDING,
// XCLAIM and XAUTOCLAIM, as Redis 7.0's t_stream.c. Claims are propagated as the idempotent
// XCLAIM ... FORCE JUSTID LASTID Redis writes (stream_read.ts), never as sent.

import { keyOf, StreamValue } from "../store/db.ts";
import { formatId, MAX_ID, type StreamId } from "../store/stream_value.ts";
import { type Consumer, type Nack, StreamGroup } from "../store/stream_group.ts";
import { bytes, isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { Err, helpReply } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { entry } from "./entry.ts";
import { longArg } from "./lists.ts";
import {
  intervalId,
  parseId,
  readStream,
  replyEntry,
  replyId,
  strictId,
  writeStream,
} from "./stream_args.ts";
import { lookupConsumer, propagateClaim } from "./stream_read.ts";
import { signalStream } from "./streams.ts";

const XGROUP = bytes("XGROUP"), SETID = bytes("SETID"), ENTRIESREAD = bytes("ENTRIESREAD");

/** Redis's NOGROUP reply of XPENDING, XCLAIM and XAUTOCLAIM. */
function noGroup(c: Session, key: string, group: string): void {
  c.out.error(`NOGROUP No such key '${key}' or consumer group '${group}'`);
}

/** Redis's addReplySubcommandSyntaxError for XGROUP / XINFO. */
export function subSyntax(c: Session, args: Uint8Array[], container: string): void {
  c.out.error(
    `ERR unknown subcommand or wrong number of arguments for '${
      keyOf(args[1]!).slice(0, 128)
    }'. Try ${container} HELP.`,
  );
}

const GROUP_HELP = [
  "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CREATE <key> <groupname> <id|$> [option]",
  "    Create a new consumer group. Options are:",
  "    * MKSTREAM",
  "      Create the empty stream if it does not exist.",
  "    * ENTRIESREAD entries_read",
  "      Set the group's entries_read counter (internal use).",
  "CREATECONSUMER <key> <groupname> <consumer>",
  "    Create a new consumer in the specified group.",
  "DELCONSUMER <key> <groupname> <consumer>",
  "    Remove the specified consumer.",
  "DESTROY <key> <groupname>",
  "    Remove the specified group.",
  "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
  "    Set the current group ID and entries_read counter.",
  "HELP",
  "    Prints this help.",
];

/** ENTRIESREAD's value; undefined after replying. */
function entriesReadArg(c: Session, b: Uint8Array): number | undefined {
  const n = longArg(c, b);
  if (n === undefined) return undefined;
  if (n < 0 && n !== -1) {
    c.out.error("ERR value for ENTRIESREAD must be positive or -1");
    return undefined;
  }
  return n;
}

/** XGROUP's common part: the stream (created by CREATE MKSTREAM) and the group. */
function xgroup(c: Session, args: Uint8Array[], sub: string): void {
  const key = keyOf(args[2]!);
  let mkstream = false, entriesRead = -1;
  if (sub === "create") {
    for (let i = 5; i < args.length;) {
      if (isWord(args[i]!, "mkstream")) {
        mkstream = true;
        i++;
      } else if (isWord(args[i]!, "entriesread") && i + 1 < args.length) {
        const n = entriesReadArg(c, args[i + 1]!);
        if (n === undefined) return;
        entriesRead = n;
        i += 2;
      } else return subSyntax(c, args, "XGROUP");
    }
  }
  const s = writeStream(c, key);
  if (s === null) return;
  const name = keyOf(args[3]!);
  const g = s?.groups?.get(name);
  if (s === undefined && !(sub === "create" && mkstream)) {
    return c.out.error(
      "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
    );
  }
  if (g === undefined && (sub === "setid" || sub === "createconsumer" || sub === "delconsumer")) {
    return c.out.error(`NOGROUP No such consumer group '${name}' for key name '${key}'`);
  }
  if (sub === "create") {
    if (args.length > 8) return subSyntax(c, args, "XGROUP");
    let id: StreamId;
    if (args[4]!.length === 1 && args[4]![0] === 36) id = s?.lastId ?? 0n;
    else {
      const p = strictId(c, args[4]!);
      if (p === undefined) return;
      id = p;
    }
    let stream = s;
    if (stream === undefined) {
      stream = new StreamValue();
      c.keyspace.set(key, stream);
    }
    stream.groups ??= new Map();
    if (stream.groups.has(name)) return c.out.error("BUSYGROUP Consumer Group name already exists");
    stream.groups.set(name, new StreamGroup(id, entriesRead));
    c.keyspace.dirty++;
    c.out.simple("OK");
    notify(c, Notify.STREAM, "xgroup-create", key);
  } else if (sub === "setid") {
    if (args.length !== 5 && args.length !== 7) return subSyntax(c, args, "XGROUP");
    let id: StreamId;
    if (args[4]!.length === 1 && args[4]![0] === 36) id = s!.lastId;
    else {
      const p = parseId(c, args[4]!, 0n, false);
      if (p === undefined) return;
      id = p.id;
    }
    if (args.length === 7) {
      if (!isWord(args[5]!, "entriesread")) return subSyntax(c, args, "XGROUP");
      const n = entriesReadArg(c, args[6]!);
      if (n === undefined) return;
      entriesRead = n;
    }
    g!.lastId = id;
    g!.entriesRead = entriesRead;
    c.keyspace.dirty++;
    c.out.simple("OK");
    notify(c, Notify.STREAM, "xgroup-setid", key);
  } else if (sub === "destroy") {
    if (g === undefined) return c.out.integer(0);
    s!.groups!.delete(name);
    c.keyspace.dirty++;
    c.out.integer(1);
    notify(c, Notify.STREAM, "xgroup-destroy", key);
    signalStream(c, key);
  } else if (sub === "createconsumer") {
    const r = g!.consumer(keyOf(args[4]!), c.server.clock.now());
    if (r.created) {
      c.keyspace.dirty++;
      notify(c, Notify.STREAM, "xgroup-createconsumer", key);
    }
    c.out.integer(r.created ? 1 : 0);
  } else {
    const pending = g!.deleteConsumer(keyOf(args[4]!));
    c.keyspace.dirty++;
    c.out.integer(pending);
    notify(c, Notify.STREAM, "xgroup-delconsumer", key);
  }
}

function xack(c: Session, args: Uint8Array[]): void {
  const s = readStream(c, keyOf(args[1]!));
  if (s === null) return;
  const g = s?.groups?.get(keyOf(args[2]!));
  if (g === undefined) return c.out.integer(0);
  const ids: StreamId[] = [];
  for (let i = 3; i < args.length; i++) {
    const id = strictId(c, args[i]!);
    if (id === undefined) return;
    ids.push(id);
  }
  let n = 0;
  for (const id of ids) {
    const nack = g.pel.get(id);
    if (nack === undefined) continue;
    g.pel.delete(id);
    nack.consumer.pel.delete(id);
    n++;
  }
  c.keyspace.dirty += n;
  c.out.integer(n);
}

function xpending(c: Session, args: Uint8Array[]): void {
  const argc = args.length;
  if (argc !== 3 && (argc < 6 || argc > 9)) return c.out.error(Err.syntax);
  let start = 0n, end = MAX_ID, count = 0, minIdle = 0;
  let consumerName: string | undefined;
  if (argc >= 6) {
    let at = 3;
    if (isWord(args[3]!, "idle")) {
      const n = longArg(c, args[4]!);
      if (n === undefined) return;
      minIdle = n;
      if (argc < 8) return c.out.error(Err.syntax);
      at += 2;
    }
    const n = longArg(c, args[at + 2]!);
    if (n === undefined) return;
    count = n < 0 ? 0 : n;
    const a = intervalId(c, args[at]!, 0n);
    if (a === undefined) return;
    start = a.id;
    if (a.exclusive) {
      if (start === MAX_ID) return c.out.error("ERR invalid start ID for the interval");
      start++;
    }
    const b = intervalId(c, args[at + 1]!, (1n << 64n) - 1n);
    if (b === undefined) return;
    end = b.id;
    if (b.exclusive) {
      if (end === 0n) return c.out.error("ERR invalid end ID for the interval");
      end--;
    }
    if (at + 3 < argc) consumerName = keyOf(args[at + 3]!);
  }
  const key = keyOf(args[1]!), name = keyOf(args[2]!);
  const s = readStream(c, key);
  if (s === null) return;
  const g = s?.groups?.get(name);
  if (g === undefined) return noGroup(c, key, name);
  if (argc === 3) {
    c.out.arrayHeader(4);
    c.out.integer(g.pel.size);
    const edges = g.pel.edges();
    if (edges === undefined) {
      c.out.nullBulk();
      c.out.nullBulk();
      c.out.nullArray();
      return;
    }
    replyId(c, edges[0]);
    replyId(c, edges[1]);
    const withPending = g.sortedConsumers().filter((x) => x.pel.size > 0);
    c.out.arrayHeader(withPending.length);
    for (const x of withPending) {
      c.out.arrayHeader(2);
      c.out.binary(x.name);
      c.out.binary(String(x.pel.size));
    }
    return;
  }
  let pel = g.pel;
  if (consumerName !== undefined) {
    const x = g.consumers.get(consumerName);
    if (x === undefined) return c.out.arrayHeader(0);
    pel = x.pel;
  }
  const now = c.server.clock.now();
  const rows: [StreamId, Nack][] = [];
  if (count > 0) {
    for (const [id, n] of pel.range(start, end)) {
      if (minIdle !== 0 && now - n.deliveryTime < minIdle) continue;
      rows.push([id, n]);
      if (rows.length === count) break;
    }
  }
  c.out.arrayHeader(rows.length);
  for (const [id, n] of rows) {
    c.out.arrayHeader(4);
    replyId(c, id);
    c.out.binary(n.consumer.name);
    c.out.integer(Math.max(0, now - n.deliveryTime));
    c.out.integer(n.deliveryCount);
  }
}

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

function sub(
  name: string,
  arity: number,
  flags: Command["flags"],
  acl: string[],
  keys: [number, number, number],
): Command {
  return {
    name: `xgroup|${name}`,
    arity,
    flags,
    keys,
    acl,
    handler: (c, a) => xgroup(c, a, name),
  };
}

const W = ["@write", "@stream", "@slow"];

/** XGROUP XACK XPENDING XCLAIM XAUTOCLAIM. */
export const STREAM_GROUP_COMMANDS: readonly Command[] = [
  {
    name: "xgroup",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    subcommands: [
      sub("create", -5, ["write", "denyoom"], W, [2, 2, 1]),
      sub("setid", -5, ["write"], W, [2, 2, 1]),
      sub("destroy", 4, ["write"], W, [2, 2, 1]),
      sub("createconsumer", 5, ["write", "denyoom"], W, [2, 2, 1]),
      sub("delconsumer", 5, ["write"], W, [2, 2, 1]),
      {
        name: "xgroup|help",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@stream", "@slow"],
        handler: (c) => helpReply(c, GROUP_HELP),
      },
    ],
  },
  entry("xack", -4, ["write", "fast"], ["@write", "@stream", "@fast"], xack),
  entry("xpending", -3, ["readonly"], ["@read", "@stream", "@slow"], xpending),
  entry("xclaim", -6, ["write", "fast"], ["@write", "@stream", "@fast"], xclaim),
  entry("xautoclaim", -6, ["write", "fast"], ["@write", "@stream", "@fast"], xautoclaim),
];
