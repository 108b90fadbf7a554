// The parameters CONFIG GET reports and CONFIG SET checks: each with Redis 7.0's value type (so a
// bad value gets Redis's error text), how tokserver reads it, and whether it can change. Four
// kinds: "live" (tokserver honours a new value at once), "fixed" (Redis could change it, tokserver
// cannot: a value equal to the current one is accepted, any other refused), "immutable" and
// "protected" (refused as Redis refuses them). docs/redis.md lists them.

import { busyThreshold, setBusyThreshold } from "../scripting/busy.ts";
import { parseInt64 } from "../../resp/integer.ts";
import {
  DEFAULT_OUTPUT_LIMITS,
  type OutputLimits,
  parseMemory,
  parseOutputLimits,
} from "../options.ts";
import type { ServerConfig, Session } from "./types.ts";
import type { ValueLimits } from "../store/value_limits.ts";
import { eventClassesText, parseEventClasses } from "../store/notify_classes.ts";

/** A parsed value (a number, a string, output limits), or Redis's reason for refusing it. */
export type Parsed = { value: unknown } | { error: string };

/** One CONFIG parameter. */
export interface ConfigParam {
  readonly kind: "live" | "fixed" | "immutable" | "protected";
  /** The value as CONFIG GET shows it. */
  get(c: Session): string;
  /** Checks a CONFIG SET value as Redis does; absent for immutable and protected parameters. */
  parse?(text: string, raw: Uint8Array): Parsed;
  /** Applies a parsed value ("live" only); "fixed" ones compare `show(value)` with get(). */
  apply?(c: Session, value: unknown): void;
  /** A parsed value in CONFIG GET's format ("fixed" only). */
  show?(value: unknown): string;
}

const LLONG_MAX = 9223372036854775807n;

function int(min: bigint, max: bigint) {
  return (_: string, raw: Uint8Array): Parsed => {
    const n = parseInt64(raw);
    if (n === undefined) return { error: "argument couldn't be parsed into an integer" };
    const b = BigInt(n);
    if (b < min || b > max) {
      return { error: `argument must be between ${min} and ${max} inclusive` };
    }
    return { value: Number(b) };
  };
}

function memory(min: bigint, max: bigint) {
  return (text: string): Parsed => {
    // memtoull: an empty number is 0; no sign.
    const n = text === "" ? 0 : parseMemory(text);
    if (n === undefined) return { error: "argument must be a memory value" };
    if (BigInt(n) < min || BigInt(n) > max) {
      return { error: `argument must be between ${min} and ${max} inclusive` };
    }
    return { value: n };
  };
}

function oneOf(values: readonly string[]) {
  return (text: string): Parsed => {
    const v = text.toLowerCase();
    return values.includes(v)
      ? { value: v }
      : { error: `argument(s) must be one of the following: ${values.join(", ")}` };
  };
}

function yesNo(text: string): Parsed {
  const v = text.toLowerCase();
  return v === "yes" || v === "no" ? { value: v } : { error: "argument must be 'yes' or 'no'" };
}

function anyText(text: string): Parsed {
  return { value: text };
}

/** `save`: pairs of seconds and changes, as Redis checks them. */
function saveParams(text: string): Parsed {
  if (text === "") return { value: "" };
  const words = text.split(" ");
  if (words.length % 2 !== 0 || words.some((w) => !/^\d+$/.test(w))) {
    return { error: "Invalid save parameters" };
  }
  return { value: words.map((w) => String(Number(w))).join(" ") };
}

const show = String;

function fixed(get: (c: Session) => string, parse: ConfigParam["parse"]): ConfigParam {
  return { kind: "fixed", get, parse, show };
}

function immutable(get: (c: Session) => string): ConfigParam {
  return { kind: "immutable", get };
}

const EVICTION_POLICIES = [
  "volatile-lru",
  "volatile-lfu",
  "volatile-random",
  "volatile-ttl",
  "allkeys-lru",
  "allkeys-lfu",
  "allkeys-random",
  "noeviction",
];

const yn = (b: boolean) => (b ? "yes" : "no");

/** The output limits CONFIG GET shows, per server config (only pubsub's are applied). */
const outputLimits = new WeakMap<ServerConfig, OutputLimits>();

function limitsOf(c: Session): OutputLimits {
  let l = outputLimits.get(c.server.config);
  if (l === undefined) {
    const first = parseOutputLimits(c.server.options.clientOutputBufferLimit);
    l = { ...("error" in first ? DEFAULT_OUTPUT_LIMITS : first) };
    l.pubsub = c.server.config.pubsubLimit;
    outputLimits.set(c.server.config, l);
  }
  return l;
}

function showLimits(l: OutputLimits): string {
  const one = (x: { hard: number; soft: number; seconds: number }) =>
    `${x.hard} ${x.soft} ${x.seconds}`;
  return `normal ${one(l.normal)} slave ${one(l.slave)} pubsub ${one(l.pubsub)}`;
}

function realDir(dir: string): string {
  try {
    return Deno.realPathSync(dir);
  } catch {
    return dir;
  }
}

/** A live encoding threshold under its name and (when it has one) its alias. */
function limitParam(
  name: string,
  alias: string | undefined,
  field: keyof ValueLimits,
  isMemory: boolean,
  min = 0n,
  max = LLONG_MAX,
): [string, ConfigParam][] {
  // Two entries (CONFIG GET with a pattern lists both names, as Redis does), one setting.
  const param = (): ConfigParam => ({
    kind: "live",
    get: (c) => String(c.server.dbs.shared.limits[field]),
    parse: isMemory ? memory(min, max) : int(min, max),
    apply: (c, v) => c.server.dbs.shared.limits[field] = v as number,
  });
  return alias === undefined ? [[name, param()]] : [[name, param()], [alias, param()]];
}

const INT_MIN = -2147483648n, INT_MAX = 2147483647n;

/** busy-reply-threshold and its old name lua-time-limit: one setting (scripting/busy.ts). */
function busyParam(): ConfigParam {
  return {
    kind: "live",
    get: (c) => String(busyThreshold(c.server.config)),
    parse: int(0n, LLONG_MAX),
    apply: (c, v) => setBusyThreshold(c.server.config, v as number),
  };
}

/** Every parameter tokserver reports, by name; CONFIG GET with a pattern lists them in this order. */
export const CONFIG_PARAMS: ReadonlyMap<string, ConfigParam> = new Map<string, ConfigParam>([
  // Honoured and changeable at run time.
  ["timeout", {
    kind: "live",
    get: (c) => String(c.server.config.timeout),
    parse: int(0n, 2147483647n),
    apply: (c, v) => c.server.config.timeout = v as number,
  }],
  ["requirepass", {
    kind: "live",
    get: (c) => c.server.options.requirepass ?? "",
    parse: anyText,
    // New connections need the new password; connected clients stay authenticated, as in Redis.
    apply: (c, v) => c.server.options.requirepass = v === "" ? undefined : v as string,
  }],
  ["client-output-buffer-limit", {
    kind: "live",
    get: (c) => showLimits(limitsOf(c)),
    parse: (text) => {
      const r = parseOutputLimits(text);
      return "error" in r ? r : { value: text };
    },
    apply: (c, v) => {
      const l = parseOutputLimits(v as string, limitsOf(c)) as OutputLimits;
      outputLimits.set(c.server.config, l);
      c.server.config.pubsubLimit = l.pubsub;
    },
  }],
  ["proto-max-bulk-len", {
    kind: "live",
    get: (c) => String(c.server.config.parserLimits.maxBulkLen),
    parse: memory(1048576n, LLONG_MAX),
    apply: (c, v) => c.server.config.parserLimits.maxBulkLen = v as number,
  }],
  ["client-query-buffer-limit", {
    kind: "live",
    get: (c) => String(c.server.config.parserLimits.maxQueryBuffer),
    parse: memory(1048576n, LLONG_MAX),
    apply: (c, v) => c.server.config.parserLimits.maxQueryBuffer = v as number,
  }],
  // The time after which a running script lets other clients in to answer them BUSY.
  ["busy-reply-threshold", busyParam()],
  ["lua-time-limit", busyParam()],
  // Fixed for the life of a tokserver process (Redis could change them).
  ["save", fixed(() => "", saveParams)],
  ["appendonly", fixed((c) => yn(c.server.options.appendonly), yesNo)],
  ["appendfsync", fixed((c) => c.server.options.appendfsync, oneOf(["everysec", "always", "no"]))],
  ["port", fixed((c) => String(c.server.port), int(0n, 65535n))],
  ["bind", fixed((c) => c.server.options.host, anyText)],
  ["maxclients", fixed((c) => String(c.server.options.maxclients), int(1n, 4294967295n))],
  ["protected-mode", fixed((c) => yn(c.server.options.protectedMode), yesNo)],
  ["hz", {
    kind: "fixed",
    get: () => "10",
    parse: int(0n, 2147483647n),
    // Redis keeps hz within 1..500.
    show: (v) => String(Math.min(500, Math.max(1, v as number))),
  }],
  ["maxmemory", fixed(() => "0", memory(0n, 18446744073709551615n))],
  // Nothing is evicted (maxmemory stays 0, as Redis without a limit); an LFU policy switches
  // what OBJECT FREQ and OBJECT IDLETIME report.
  ["maxmemory-policy", {
    kind: "live",
    get: (c) => c.server.dbs.shared.access.policy,
    parse: oneOf(EVICTION_POLICIES),
    apply: (c, v) => {
      const a = c.server.dbs.shared.access;
      a.policy = v as string;
      a.lfu = a.policy.endsWith("-lfu");
    },
  }],
  ["lfu-log-factor", {
    kind: "live",
    get: (c) => String(c.server.dbs.shared.access.lfuLogFactor),
    parse: int(0n, INT_MAX),
    apply: (c, v) => c.server.dbs.shared.access.lfuLogFactor = v as number,
  }],
  ["lfu-decay-time", {
    kind: "live",
    get: (c) => String(c.server.dbs.shared.access.lfuDecayTime),
    parse: int(0n, INT_MAX),
    apply: (c, v) => c.server.dbs.shared.access.lfuDecayTime = v as number,
  }],
  [
    "loglevel",
    fixed(
      (c) => (c.server.options.verbose ? "verbose" : "notice"),
      oneOf(["debug", "verbose", "notice", "warning"]),
    ),
  ],
  ["slowlog-log-slower-than", fixed(() => "10000", int(-1n, LLONG_MAX))],
  ["notify-keyspace-events", {
    kind: "live",
    get: (c) => eventClassesText(c.server.events.flags),
    parse: (text) => {
      const flags = parseEventClasses(text);
      return flags === undefined
        ? { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." }
        : { value: flags };
    },
    apply: (c, v) => c.server.events.flags = v as number,
  }],
  // The encoding thresholds of hashes and sets (store/value_limits.ts), with Redis's old names.
  ...limitParam("hash-max-listpack-entries", "hash-max-ziplist-entries", "hashEntries", false),
  ...limitParam("hash-max-listpack-value", "hash-max-ziplist-value", "hashValue", true),
  ...limitParam("set-max-intset-entries", undefined, "setIntEntries", false),
  ...limitParam("zset-max-listpack-entries", "zset-max-ziplist-entries", "zsetEntries", false),
  ...limitParam("zset-max-listpack-value", "zset-max-ziplist-value", "zsetValue", true),
  ...limitParam(
    "list-max-listpack-size",
    "list-max-ziplist-size",
    "listSize",
    false,
    INT_MIN,
    INT_MAX,
  ),
  ...limitParam("list-compress-depth", undefined, "listCompress", false, 0n, INT_MAX),
  // Immutable in Redis too.
  ["databases", immutable((c) => String(c.server.dbs.count))],
  ["appendfilename", immutable((c) => c.server.options.appendfilename)],
  ["cluster-enabled", immutable(() => "no")],
  // Protected in Redis (enable-protected-configs is off by default).
  ["dir", { kind: "protected", get: (c) => realDir(c.server.options.dir) }],
]);
