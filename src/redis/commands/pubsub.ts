// Pub/sub commands: PUBLISH, (P)SUBSCRIBE, (P)UNSUBSCRIBE and PUBSUB CHANNELS / NUMSUB / NUMPAT,
// with Redis's confirmation frames (the count is the client's channels plus patterns).

import { keyBytes, keyOf } from "../db.ts";
import { globMatch } from "../glob.ts";
import { bytes, type Client, type Command } from "./command.ts";
import { helpReply } from "./connection.ts";

const SUBSCRIBE = bytes("subscribe");
const UNSUBSCRIBE = bytes("unsubscribe");
const PSUBSCRIBE = bytes("psubscribe");
const PUNSUBSCRIBE = bytes("punsubscribe");

function confirm(c: Client, kind: Uint8Array, name: Uint8Array | null): void {
  const o = c.out;
  o.arrayHeader(3);
  o.bulk(kind);
  if (name === null) o.nullBulk();
  else o.bulk(name);
  o.integer(c.channels.size + c.patterns.size);
}

function subscribe(c: Client, args: Uint8Array[]): void {
  const ps = c.server.pubsub;
  for (let i = 1; i < args.length; i++) {
    ps.subscribe(c, keyOf(args[i]!));
    confirm(c, SUBSCRIBE, args[i]!);
  }
}

function psubscribe(c: Client, args: Uint8Array[]): void {
  const ps = c.server.pubsub;
  for (let i = 1; i < args.length; i++) {
    ps.psubscribe(c, keyOf(args[i]!));
    confirm(c, PSUBSCRIBE, args[i]!);
  }
}

function unsubscribe(c: Client, args: Uint8Array[]): void {
  const ps = c.server.pubsub;
  if (args.length === 1) {
    if (c.channels.size === 0) confirm(c, UNSUBSCRIBE, null);
    for (const ch of [...c.channels]) {
      ps.unsubscribe(c, ch);
      confirm(c, UNSUBSCRIBE, keyBytes(ch));
    }
    return;
  }
  for (let i = 1; i < args.length; i++) {
    ps.unsubscribe(c, keyOf(args[i]!));
    confirm(c, UNSUBSCRIBE, args[i]!);
  }
}

function punsubscribe(c: Client, args: Uint8Array[]): void {
  const ps = c.server.pubsub;
  if (args.length === 1) {
    if (c.patterns.size === 0) confirm(c, PUNSUBSCRIBE, null);
    for (const pat of [...c.patterns]) {
      ps.punsubscribe(c, pat);
      confirm(c, PUNSUBSCRIBE, keyBytes(pat));
    }
    return;
  }
  for (let i = 1; i < args.length; i++) {
    ps.punsubscribe(c, keyOf(args[i]!));
    confirm(c, PUNSUBSCRIBE, args[i]!);
  }
}

function publish(c: Client, args: Uint8Array[]): void {
  const channel = args[1]!;
  c.out.integer(c.server.pubsub.publish(channel, keyOf(channel), args[2]!));
}

const PUBSUB_HELP = [
  "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CHANNELS [<pattern>]",
  "    Return the currently active channels matching a <pattern> (default: '*').",
  "NUMPAT",
  "    Return number of subscriptions to patterns.",
  "NUMSUB [<channel> ...]",
  "    Return the number of subscribers for the specified channels, excluding",
  "    pattern subscriptions(default: no channels).",
  "HELP",
  "    Prints this help.",
];

const pubsubInfo = { group: "pubsub", since: "2.0.0" } as const;
const context = ["pubsub", "noscript", "loading", "stale", "pubsub_context"] as const;

/** The pub/sub command family. */
export const PUBSUB_COMMANDS: readonly Command[] = [
  {
    name: "publish",
    arity: 3,
    flags: ["pubsub", "loading", "stale", "fast", "may_replicate"],
    acl: ["@pubsub", "@fast"],
    summary: "Post a message to a channel",
    complexity:
      "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
    args: [{ name: "channel", type: "string" }, { name: "message", type: "string" }],
    handler: publish,
    ...pubsubInfo,
  },
  {
    name: "subscribe",
    arity: -2,
    flags: context,
    acl: ["@pubsub", "@slow"],
    summary: "Listen for messages published to the given channels",
    complexity: "O(N) where N is the number of channels to subscribe to.",
    args: [{ name: "channel", type: "string", multiple: true }],
    handler: subscribe,
    ...pubsubInfo,
  },
  {
    name: "unsubscribe",
    arity: -1,
    flags: context,
    acl: ["@pubsub", "@slow"],
    summary: "Stop listening for messages posted to the given channels",
    complexity: "O(N) where N is the number of clients already subscribed to a channel.",
    args: [{ name: "channel", type: "string", optional: true, multiple: true }],
    handler: unsubscribe,
    ...pubsubInfo,
  },
  {
    name: "psubscribe",
    arity: -2,
    flags: context,
    acl: ["@pubsub", "@slow"],
    summary: "Listen for messages published to channels matching the given patterns",
    complexity: "O(N) where N is the number of patterns the client is already subscribed to.",
    args: [{ name: "pattern", type: "pattern", multiple: true }],
    handler: psubscribe,
    ...pubsubInfo,
  },
  {
    name: "punsubscribe",
    arity: -1,
    flags: context,
    acl: ["@pubsub", "@slow"],
    summary: "Stop listening for messages posted to channels matching the given patterns",
    complexity:
      "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
    args: [{ name: "pattern", type: "pattern", optional: true, multiple: true }],
    handler: punsubscribe,
    ...pubsubInfo,
  },
  {
    name: "pubsub",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    summary: "A container for Pub/Sub commands",
    complexity: "Depends on subcommand.",
    ...pubsubInfo,
    subcommands: [
      {
        name: "pubsub|channels",
        arity: -2,
        flags: ["pubsub", "loading", "stale"],
        acl: ["@pubsub", "@slow"],
        summary: "List active channels",
        since: "2.8.0",
        group: "pubsub",
        complexity: "O(N) where N is the number of active channels",
        args: [{ name: "pattern", type: "pattern", optional: true }],
        handler: (c, args) => {
          if (args.length > 3) {
            // Redis's addReplySubcommandSyntaxError, with the subcommand as it was spelled.
            c.out.error(
              `ERR unknown subcommand or wrong number of arguments for '${
                keyOf(args[1]!)
              }'. Try PUBSUB HELP.`,
            );
            return;
          }
          const pat = args[2] === undefined ? undefined : keyOf(args[2]);
          const names = [...c.server.pubsub.channels.keys()].filter((ch) =>
            pat === undefined || globMatch(pat, ch)
          );
          c.out.arrayHeader(names.length);
          for (const ch of names) c.out.bulk(keyBytes(ch));
        },
      },
      {
        name: "pubsub|numsub",
        arity: -2,
        flags: ["pubsub", "loading", "stale"],
        acl: ["@pubsub", "@slow"],
        summary: "Get the count of subscribers for channels",
        since: "2.8.0",
        group: "pubsub",
        complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        args: [{ name: "channel", type: "string", optional: true, multiple: true }],
        handler: (c, args) => {
          c.out.arrayHeader((args.length - 2) * 2);
          for (let i = 2; i < args.length; i++) {
            c.out.bulk(args[i]!);
            c.out.integer(c.server.pubsub.channels.get(keyOf(args[i]!))?.size ?? 0);
          }
        },
      },
      {
        name: "pubsub|numpat",
        arity: 2,
        flags: ["pubsub", "loading", "stale"],
        acl: ["@pubsub", "@slow"],
        summary: "Get the count of unique patterns pattern subscriptions",
        since: "2.8.0",
        group: "pubsub",
        complexity: "O(1)",
        handler: (c) => c.out.integer(c.server.pubsub.patterns.size),
      },
      {
        name: "pubsub|help",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@slow"],
        summary: "Show helpful text about the different subcommands",
        since: "6.2.0",
        group: "pubsub",
        complexity: "O(1)",
        handler: (c) => helpReply(c, PUBSUB_HELP),
      },
    ],
  },
];
