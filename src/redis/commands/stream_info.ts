// XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS and XINFO HELP, as Redis 7.0's
// xinfoCommand: the stream's bookkeeping (length, last and first ids, entries added, the
// largest deleted id), each group's entries-read counter and lag, and the consumers.

import { keyOf, type StreamValue } from "../store/db.ts";
import { MAX_ID } from "../store/stream_value.ts";
import { INVALID_ENTRIES_READ, type StreamGroup } from "../store/stream_group.ts";
import { isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { helpReply } from "./replies.ts";
import { longArg } from "./lists.ts";
import { readStream, replyEntry, replyId, replyRange } from "./stream_args.ts";
import { subSyntax } from "./stream_groups.ts";

const HELP = [
  "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CONSUMERS <key> <groupname>",
  "    Show consumers of <groupname>.",
  "GROUPS <key>",
  "    Show the stream consumer groups.",
  "STREAM <key> [FULL [COUNT <count>]",
  "    Show information about the stream.",
  "HELP",
  "    Prints this help.",
];

/** The stream named by argv[2], or undefined after replying ("no such key" or WRONGTYPE). */
function lookup(c: Session, args: Uint8Array[]): StreamValue | undefined {
  const s = readStream(c, keyOf(args[2]!));
  if (s === undefined) c.out.error("ERR no such key");
  return s ?? undefined;
}

/** The groups sorted by name (Redis keeps them in a radix tree). */
function sortedGroups(s: StreamValue): [string, StreamGroup][] {
  return [...(s.groups ?? [])].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A group's entries-read, or a null. */
function entriesRead(c: Session, g: StreamGroup): void {
  if (g.entriesRead !== INVALID_ENTRIES_READ) c.out.integer(g.entriesRead);
  else c.out.nullBulk();
}

/** Redis's streamReplyWithCGLag: entries not yet delivered to the group, or a null. */
function lag(c: Session, s: StreamValue, g: StreamGroup): void {
  if (s.entriesAdded === 0) return c.out.integer(0);
  if (g.entriesRead !== INVALID_ENTRIES_READ && !s.hasTombstones(g.lastId, undefined)) {
    return c.out.integer(s.entriesAdded - g.entriesRead);
  }
  const read = s.distanceFromFirstEver(g.lastId);
  if (read !== INVALID_ENTRIES_READ) c.out.integer(s.entriesAdded - read);
  else c.out.nullBulk();
}

function field(c: Session, name: string): void {
  c.out.binary(name);
}

function xinfoStream(c: Session, args: Uint8Array[]): void {
  let full = false, count = 10;
  if (args.length > 3) {
    if (!isWord(args[3]!, "full")) return subSyntax(c, args, "XINFO");
    full = true;
    if (args.length > 4) {
      if (args.length !== 6 || !isWord(args[4]!, "count")) return subSyntax(c, args, "XINFO");
      const n = longArg(c, args[5]!);
      if (n === undefined) return;
      count = n < 0 ? 10 : n;
    }
  }
  const s = lookup(c, args);
  if (s === undefined) return;
  c.out.mapHeader(full ? 9 : 10);
  field(c, "length");
  c.out.integer(s.length);
  field(c, "radix-tree-keys");
  c.out.integer(s.nodes);
  field(c, "radix-tree-nodes");
  c.out.integer(s.raxNodes);
  field(c, "last-generated-id");
  replyId(c, s.lastId);
  field(c, "max-deleted-entry-id");
  replyId(c, s.maxDeletedId);
  field(c, "entries-added");
  c.out.integer(s.entriesAdded);
  field(c, "recorded-first-entry-id");
  replyId(c, s.firstId);
  if (!full) {
    field(c, "groups");
    c.out.integer(s.groups?.size ?? 0);
    for (const rev of [false, true]) {
      field(c, rev ? "last-entry" : "first-entry");
      const e = s.range(0n, MAX_ID, rev, 1).next();
      if (e.done) c.out.nullBulk();
      else replyEntry(c, e.value.id, e.value.fields);
    }
    return;
  }
  field(c, "entries");
  replyRange(c, s, 0n, MAX_ID, count, false);
  field(c, "groups");
  const groups = sortedGroups(s);
  c.out.arrayHeader(groups.length);
  for (const [name, g] of groups) {
    c.out.mapHeader(7);
    field(c, "name");
    c.out.binary(name);
    field(c, "last-delivered-id");
    replyId(c, g.lastId);
    field(c, "entries-read");
    entriesRead(c, g);
    field(c, "lag");
    lag(c, s, g);
    field(c, "pel-count");
    c.out.integer(g.pel.size);
    field(c, "pending");
    const pending = g.pel.range(0n, MAX_ID, count);
    c.out.arrayHeader(pending.length);
    for (const [id, n] of pending) {
      c.out.arrayHeader(4);
      replyId(c, id);
      c.out.binary(n.consumer.name);
      c.out.integer(n.deliveryTime);
      c.out.integer(n.deliveryCount);
    }
    field(c, "consumers");
    const consumers = g.sortedConsumers();
    c.out.arrayHeader(consumers.length);
    for (const x of consumers) {
      c.out.mapHeader(4);
      field(c, "name");
      c.out.binary(x.name);
      field(c, "seen-time");
      c.out.integer(x.seenTime);
      field(c, "pel-count");
      c.out.integer(x.pel.size);
      field(c, "pending");
      const mine = x.pel.range(0n, MAX_ID, count);
      c.out.arrayHeader(mine.length);
      for (const [id, n] of mine) {
        c.out.arrayHeader(3);
        replyId(c, id);
        c.out.integer(n.deliveryTime);
        c.out.integer(n.deliveryCount);
      }
    }
  }
}

function xinfoGroups(c: Session, args: Uint8Array[]): void {
  const s = lookup(c, args);
  if (s === undefined) return;
  const groups = sortedGroups(s);
  c.out.arrayHeader(groups.length);
  for (const [name, g] of groups) {
    c.out.mapHeader(6);
    field(c, "name");
    c.out.binary(name);
    field(c, "consumers");
    c.out.integer(g.consumers.size);
    field(c, "pending");
    c.out.integer(g.pel.size);
    field(c, "last-delivered-id");
    replyId(c, g.lastId);
    field(c, "entries-read");
    entriesRead(c, g);
    field(c, "lag");
    lag(c, s, g);
  }
}

function xinfoConsumers(c: Session, args: Uint8Array[]): void {
  const s = lookup(c, args);
  if (s === undefined) return;
  const name = keyOf(args[3]!);
  const g = s.groups?.get(name);
  if (g === undefined) {
    return c.out.error(
      `NOGROUP No such consumer group '${name}' for key name '${keyOf(args[2]!)}'`,
    );
  }
  const now = c.server.clock.now();
  const consumers = g.sortedConsumers();
  c.out.arrayHeader(consumers.length);
  for (const x of consumers) {
    c.out.mapHeader(3);
    field(c, "name");
    c.out.binary(x.name);
    field(c, "pending");
    c.out.integer(x.pel.size);
    field(c, "idle");
    c.out.integer(Math.max(0, now - x.seenTime));
  }
}

function sub(name: string, arity: number, handler: Command["handler"]): Command {
  return {
    name: `xinfo|${name}`,
    arity,
    flags: ["readonly"],
    keys: [2, 2, 1],
    acl: ["@read", "@stream", "@slow"],
    handler,
  };
}

/** XINFO. */
export const STREAM_INFO_COMMANDS: readonly Command[] = [
  {
    name: "xinfo",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    subcommands: [
      sub("consumers", 4, xinfoConsumers),
      sub("groups", 3, xinfoGroups),
      sub("stream", -3, xinfoStream),
      {
        name: "xinfo|help",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@stream", "@slow"],
        handler: (c) => helpReply(c, HELP),
      },
    ],
  },
];
