// Pub/sub commands: PUBLISH, (P)SUBSCRIBE, (P)UNSUBSCRIBE and PUBSUB CHANNELS / NUMSUB / NUMPAT,
// with Redis's confirmation frames (the count is the client's channels plus patterns).

import { keyBytes, keyOf } from "../store/db.ts";
import { globMatch } from "../store/glob.ts";
import { bytes } from "./args.ts";
import { type Command, type Session } from "./types.ts";
import { helpReply } from "./replies.ts";

const SUBSCRIBE = bytes("subscribe");
const UNSUBSCRIBE = bytes("unsubscribe");
const PSUBSCRIBE = bytes("psubscribe");
const PUNSUBSCRIBE = bytes("punsubscribe");

function confirm(c: Session, kind: Uint8Array, name: Uint8Array | null): void {
  const o = c.out;
  o.pushHeader(3);
  o.bulk(kind);
  if (name === null) o.nullBulk();
  else o.bulk(name);
  o.integer(c.channels.size + c.patterns.size);
}

function subscribe(c: Session, args: Uint8Array[]): void {
  const ps = c.server.pubsub;
  for (let i = 1; i < args.length; i++) {
    ps.subscribe(c, keyOf(args[i]!));
    confirm(c, SUBSCRIBE, args[i]!);
  }
}

function psubscribe(c: Session, args: Uint8Array[]): void {
  const ps = c.server.pubsub;
  for (let i = 1; i < args.length; i++) {
    ps.psubscribe(c, keyOf(args[i]!));
    confirm(c, PSUBSCRIBE, args[i]!);
  }
}

function unsubscribe(c: Session, args: Uint8Array[]): void {
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

function punsubscribe(c: Session, args: Uint8Array[]): void {
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

function publish(c: Session, args: Uint8Array[]): void {
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

const context = ["pubsub", "noscript", "loading", "stale", "pubsub_context"] as const;

/** The pub/sub command family. */
export const PUBSUB_COMMANDS: readonly Command[] = [
  {
    name: "publish",
    arity: 3,
    flags: ["pubsub", "loading", "stale", "fast"],
    acl: ["@pubsub", "@fast"],
    handler: publish,
  },
  {
    name: "subscribe",
    arity: -2,
    flags: context,
    acl: ["@pubsub", "@slow"],
    handler: subscribe,
  },
  {
    name: "unsubscribe",
    arity: -1,
    flags: context,
    acl: ["@pubsub", "@slow"],
    handler: unsubscribe,
  },
  {
    name: "psubscribe",
    arity: -2,
    flags: context,
    acl: ["@pubsub", "@slow"],
    handler: psubscribe,
  },
  {
    name: "punsubscribe",
    arity: -1,
    flags: context,
    acl: ["@pubsub", "@slow"],
    handler: punsubscribe,
  },
  {
    name: "pubsub",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    subcommands: [
      {
        name: "pubsub|channels",
        arity: -2,
        flags: ["pubsub", "loading", "stale"],
        acl: ["@pubsub", "@slow"],
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
        handler: (c) => c.out.integer(c.server.pubsub.patterns.size),
      },
      {
        name: "pubsub|help",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@slow"],
        handler: (c) => helpReply(c, PUBSUB_HELP),
      },
    ],
  },
];
