// CONFIG GET / SET / RESETSTAT / HELP over the parameters of config_params.ts, with Redis 7.0's
// matching rules, error texts and all-or-nothing CONFIG SET.

import { keyOf } from "../store/db.ts";
import { globMatch } from "../store/glob.ts";
import type { Command, Session } from "./types.ts";
import { cString } from "./args.ts";
import { Err, helpReply } from "./replies.ts";
import { CONFIG_PARAMS, type ConfigParam } from "./config_params.ts";

/**
 * CONFIG GET: a name without glob characters is looked up (any case; the reply repeats it as
 * sent), a pattern matches every parameter (nocase); each parameter is listed once. Redis lists
 * them in the order of a hash table seeded at random on each start; tokserver in the order of
 * the first argument that named them, and a pattern's matches in table order.
 */
function configGet(c: Session, args: Uint8Array[]): void {
  const found = new Map<ConfigParam, string>();
  for (let i = 2; i < args.length; i++) {
    const pat = keyOf(args[i]!);
    if (!/[[*?]/.test(pat)) {
      const param = CONFIG_PARAMS.get(pat.toLowerCase());
      if (param !== undefined && !found.has(param)) found.set(param, pat);
      continue;
    }
    for (const [name, param] of CONFIG_PARAMS) {
      if (!found.has(param) && globMatch(pat, name, true)) found.set(param, name);
    }
  }
  c.out.mapHeader(found.size);
  for (const [param, name] of found) {
    c.out.bulk(name);
    c.out.bulk(param.get(c));
  }
}

/**
 * CONFIG SET: every name is checked first (unknown, immutable, protected, repeated: Redis's
 * first-found error), then every value; nothing changes unless all are good.
 */
function configSet(c: Session, args: Uint8Array[]): void {
  if (args.length % 2 !== 0) {
    c.out.error(Err.syntax);
    return;
  }
  const params: ConfigParam[] = [];
  let unknown: string | undefined, failed: string | undefined, reason = "";
  for (let i = 2; i < args.length; i += 2) {
    const given = cString(args[i]!, Infinity);
    const param = CONFIG_PARAMS.get(given.toLowerCase());
    if (param === undefined) {
      if (failed === undefined) unknown ??= given;
      continue;
    }
    if (unknown !== undefined || failed !== undefined) continue;
    if (param.kind === "immutable" || param.kind === "protected") {
      failed = given;
      reason = `can't set ${param.kind} config`;
      continue;
    }
    if (params.includes(param)) {
      failed = given;
      reason = "duplicate parameter";
    }
    params.push(param);
  }
  if (unknown !== undefined) {
    c.out.error(`ERR Unknown option or number of arguments for CONFIG SET - '${unknown}'`);
    return;
  }
  const values: unknown[] = [];
  for (let i = 0; failed === undefined && i < params.length; i++) {
    const param = params[i]!, raw = args[3 + 2 * i]!;
    const r = param.parse!(keyOf(raw), raw);
    if ("error" in r) reason = r.error;
    else if (param.kind === "fixed" && param.show!(r.value) !== param.get(c)) {
      reason = "tokserver cannot change it while running";
    } else {
      values.push(r.value);
      continue;
    }
    failed = nameOf(param);
  }
  if (failed !== undefined) {
    c.out.error(`ERR CONFIG SET failed (possibly related to argument '${failed}') - ${reason}`);
    return;
  }
  for (let i = 0; i < params.length; i++) params[i]!.apply?.(c, values[i]);
  c.out.simple("OK");
}

function nameOf(param: ConfigParam): string {
  for (const [name, p] of CONFIG_PARAMS) if (p === param) return name;
  return "";
}

const CONFIG_HELP = [
  "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "GET <pattern>",
  "    Return parameters matching the glob-like <pattern> and their values.",
  "SET <directive> <value>",
  "    Set the configuration <directive> to <value>.",
  "RESETSTAT",
  "    Reset statistics reported by the INFO command.",
  "REWRITE",
  "    Rewrite the configuration file.",
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
        name: "config|rewrite",
        arity: 2,
        flags: ["admin", "noscript", "loading", "stale"],
        acl: ["@admin", "@slow", "@dangerous"],
        // tokserver is configured by its command line only.
        handler: (c) => c.out.error("ERR The server is running without a config file"),
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
