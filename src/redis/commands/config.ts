// CONFIG GET / SET / RESETSTAT: the parameters tokserver has (redis-benchmark asks for `save` and
// `appendonly`), read from the options and changed where Redis allows it at run time.

import { keyOf } from "../store/db.ts";
import { globMatch } from "../store/glob.ts";
import type { Command, Session } from "./types.ts";
import { cString, lowerName } from "./args.ts";
import { Err } from "./replies.ts";
import { helpReply } from "./replies.ts";
import { parseOutputLimit } from "../options.ts";

/** A CONFIG parameter: how to read it, and how to change it (absent: immutable). */
interface ConfigParam {
  get(c: Session): string;
  set?(c: Session, value: string): string | undefined;
}

function sizeText(n: number): string {
  return String(n);
}

const CONFIG: Record<string, ConfigParam> = {
  save: { get: () => "" },
  appendonly: { get: (c) => (c.server.options.appendonly ? "yes" : "no") },
  appendfsync: { get: (c) => c.server.options.appendfsync },
  appendfilename: { get: (c) => c.server.options.appendfilename },
  dir: {
    get: (c) => {
      try {
        return Deno.realPathSync(c.server.options.dir);
      } catch {
        return c.server.options.dir;
      }
    },
  },
  port: { get: (c) => String(c.server.port) },
  bind: { get: (c) => c.server.options.host },
  databases: { get: () => "1" },
  maxclients: { get: (c) => String(c.server.options.maxclients) },
  "protected-mode": { get: (c) => (c.server.options.protectedMode ? "yes" : "no") },
  requirepass: { get: (c) => c.server.options.requirepass ?? "" },
  "proto-max-bulk-len": { get: (c) => sizeText(c.server.options.protoMaxBulkLen) },
  "client-query-buffer-limit": {
    get: (c) => sizeText(c.server.options.clientQueryBufferLimit),
  },
  timeout: {
    get: (c) => String(c.server.config.timeout),
    set: (c, v) => {
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n)) return "argument couldn't be parsed into an integer";
      c.server.config.timeout = n;
      return undefined;
    },
  },
  "client-output-buffer-limit": {
    get: (c) => {
      const p = c.server.config.pubsubLimit;
      return `normal 0 0 0 slave 268435456 67108864 60 pubsub ${p.hard} ${p.soft} ${p.seconds}`;
    },
    set: (c, v) => {
      const r = parseOutputLimit(v, c.server.config.pubsubLimit);
      if ("error" in r) return r.error;
      c.server.config.pubsubLimit = r;
      return undefined;
    },
  },
  hz: { get: () => "10" },
  maxmemory: { get: () => "0" },
  "maxmemory-policy": { get: () => "noeviction" },
  loglevel: { get: (c) => (c.server.options.verbose ? "verbose" : "notice") },
  "slowlog-log-slower-than": { get: () => "10000" },
  "notify-keyspace-events": { get: () => "" },
  "cluster-enabled": { get: () => "no" },
};

function configGet(c: Session, args: Uint8Array[]): void {
  const names = new Set<string>();
  for (let i = 2; i < args.length; i++) {
    const pat = lowerName(args[i]!);
    for (const name of Object.keys(CONFIG)) if (globMatch(pat, name, true)) names.add(name);
  }
  c.out.mapHeader(names.size);
  for (const name of names) {
    c.out.bulk(name);
    c.out.bulk(CONFIG[name]!.get(c));
  }
}

function configSet(c: Session, args: Uint8Array[]): void {
  if (args.length % 2 !== 0) {
    c.out.error(Err.arity("config|set"));
    return;
  }
  const changes: Array<[ConfigParam, string, string]> = [];
  for (let i = 2; i < args.length; i += 2) {
    const name = lowerName(args[i]!);
    const param = CONFIG[name];
    if (param === undefined) {
      c.out.error(
        `ERR Unknown option or number of arguments for CONFIG SET - '${cString(args[i]!)}'`,
      );
      return;
    }
    if (param.set === undefined) {
      c.out.error(
        `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`,
      );
      return;
    }
    changes.push([param, name, keyOf(args[i + 1]!)]);
  }
  for (const [param, name, value] of changes) {
    const err = param.set!(c, value);
    if (err !== undefined) {
      c.out.error(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${err}`);
      return;
    }
  }
  c.out.simple("OK");
}

const CONFIG_HELP = [
  "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "GET <pattern>",
  "    Return parameters matching the glob-like <pattern> and their values.",
  "SET <directive> <value>",
  "    Set the configuration <directive> to <value>.",
  "RESETSTAT",
  "    Reset statistics reported by the INFO command.",
  "HELP",
  "    Prints this help.",
];

/** CONFIG and its subcommands. */
export const CONFIG_COMMANDS: readonly Command[] = [
  {
    name: "config",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    subcommands: [
      {
        name: "config|get",
        arity: -3,
        flags: ["admin", "noscript", "loading", "stale"],
        acl: ["@admin", "@slow", "@dangerous"],
        handler: configGet,
      },
      {
        name: "config|set",
        arity: -4,
        flags: ["admin", "noscript", "loading", "stale"],
        acl: ["@admin", "@slow", "@dangerous"],
        handler: configSet,
      },
      {
        name: "config|resetstat",
        arity: 2,
        flags: ["admin", "noscript", "loading", "stale"],
        acl: ["@admin", "@slow", "@dangerous"],
        handler: (c) => {
          c.server.resetStats();
          c.out.simple("OK");
        },
      },
      {
        name: "config|help",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@slow"],
        handler: (c) => helpReply(c, CONFIG_HELP),
      },
    ],
  },
];
