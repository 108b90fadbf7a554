// Consumer groups: XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP), XACK and
// XPENDING, as Redis 7.0's t_stream.c. XCLAIM and XAUTOCLAIM are in stream_claim.ts.

import { keyOf, StreamValue } from "../store/db.ts";
import { MAX_ID, type StreamId } from "../store/stream_value.ts";
import { type Nack, StreamGroup } from "../store/stream_group.ts";
import { isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { Err, helpReply } from "./replies.ts";
import { Notify, notify } from "./events.ts";
import { entry } from "./entry.ts";
import { longArg } from "./lists.ts";
import { intervalId, parseId, readStream, replyId, strictId, writeStream } from "./stream_args.ts";
import { signalStream } from "./streams.ts";

/** Redis's NOGROUP reply of XPENDING, XCLAIM and XAUTOCLAIM. */
export function noGroup(c: Session, key: string, group: string): void {
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

/** XGROUP XACK XPENDING. */
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
];
