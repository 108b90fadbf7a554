// Server commands: COMMAND (COUNT, INFO, DOCS, LIST: what redis-cli and client libraries ask for
// at startup), CONFIG GET / SET / RESETSTAT (redis-benchmark asks for `save` and `appendonly`),
// and INFO with the server, clients, memory, persistence, stats, replication, cpu and keyspace
// sections, in Redis's text format.

import { keyOf } from "../store/db.ts";
import { globMatch } from "../store/glob.ts";
import type { Client, Command } from "./types.ts";
import { type ArgDoc, docsOf } from "./docs.ts";
import { cString, lowerName } from "./args.ts";
import { Err } from "./errors.ts";
import { helpReply, REDIS_VERSION } from "./connection.ts";
import { parseOutputLimit } from "../options.ts";

/** Flags that are ours only and never shown by COMMAND. */
const HIDDEN_FLAGS = new Set(["pubsub_context"]);

/** Every command and subcommand of the table, subcommands after their container. */
function allCommands(c: Client): Command[] {
  return [...c.server.commands.values()];
}

function findCommand(c: Client, name: string): Command | undefined {
  const bar = name.indexOf("|");
  if (bar === -1) return c.server.commands.get(name);
  return c.server.commands.get(name.slice(0, bar))?.subcommands?.find((s) => s.name === name);
}

function writeKeySpecs(c: Client, cmd: Command): void {
  const o = c.out;
  if (cmd.keys === undefined) {
    o.arrayHeader(0);
    return;
  }
  const [first, last, step] = cmd.keys;
  const write = cmd.flags.includes("write");
  o.arrayHeader(1);
  o.arrayHeader(6);
  o.bulk("flags");
  const flags = write ? ["RW", "update"] : ["RO", "access"];
  o.arrayHeader(flags.length);
  for (const f of flags) o.simple(f);
  o.bulk("begin_search");
  o.arrayHeader(4);
  o.bulk("type");
  o.bulk("index");
  o.bulk("spec");
  o.arrayHeader(2);
  o.bulk("index");
  o.integer(first);
  o.bulk("find_keys");
  o.arrayHeader(4);
  o.bulk("type");
  o.bulk("range");
  o.bulk("spec");
  o.arrayHeader(6);
  o.bulk("lastkey");
  o.integer(last < 0 ? last : last - first);
  o.bulk("keystep");
  o.integer(step);
  o.bulk("limit");
  o.integer(0);
}

/** One command in COMMAND / COMMAND INFO's format. */
function writeCommandInfo(c: Client, cmd: Command): void {
  const o = c.out;
  o.arrayHeader(10);
  o.bulk(cmd.name);
  o.integer(cmd.arity);
  const flags = cmd.flags.filter((f) => !HIDDEN_FLAGS.has(f));
  o.arrayHeader(flags.length);
  for (const f of flags) o.simple(f);
  const [first, last, step] = cmd.keys ?? [0, 0, 0];
  o.integer(first);
  o.integer(last);
  o.integer(step);
  const acl = cmd.acl ?? [];
  o.arrayHeader(acl.length);
  for (const a of acl) o.simple(a);
  o.arrayHeader(0); // tips
  writeKeySpecs(c, cmd);
  const subs = cmd.subcommands ?? [];
  o.arrayHeader(subs.length);
  for (const s of subs) writeCommandInfo(c, s);
}

function writeArgDocs(c: Client, args: readonly ArgDoc[]): void {
  const o = c.out;
  o.arrayHeader(args.length);
  for (const a of args) {
    const flags = [...(a.optional ? ["optional"] : []), ...(a.multiple ? ["multiple"] : [])];
    const fields = 2 + (a.token ? 1 : 0) + (flags.length ? 1 : 0) + (a.arguments ? 1 : 0);
    o.arrayHeader(fields * 2);
    o.bulk("name");
    o.bulk(a.name);
    o.bulk("type");
    o.bulk(a.type);
    if (a.token) {
      o.bulk("token");
      o.bulk(a.token);
    }
    if (flags.length) {
      o.bulk("flags");
      o.arrayHeader(flags.length);
      for (const f of flags) o.simple(f);
    }
    if (a.arguments) {
      o.bulk("arguments");
      writeArgDocs(c, a.arguments);
    }
  }
}

/** One command's COMMAND DOCS map (as a flat array in RESP2). */
function writeDocs(c: Client, cmd: Command): void {
  const o = c.out;
  const docs = docsOf(cmd.name);
  if (docs === undefined) throw new Error(`no COMMAND DOCS entry for ${cmd.name}`);
  const fields = 3 + (docs.complexity ? 1 : 0) + (docs.arguments ? 1 : 0) +
    (cmd.subcommands ? 1 : 0);
  o.arrayHeader(fields * 2);
  o.bulk("summary");
  o.bulk(docs.summary);
  o.bulk("since");
  o.bulk(docs.since);
  o.bulk("group");
  o.bulk(docs.group);
  if (docs.complexity) {
    o.bulk("complexity");
    o.bulk(docs.complexity);
  }
  if (docs.arguments) {
    o.bulk("arguments");
    writeArgDocs(c, docs.arguments);
  }
  if (cmd.subcommands) {
    o.bulk("subcommands");
    o.arrayHeader(cmd.subcommands.length * 2);
    for (const s of cmd.subcommands) {
      o.bulk(s.name);
      writeDocs(c, s);
    }
  }
}

function commandList(c: Client): void {
  const cmds = allCommands(c);
  c.out.arrayHeader(cmds.length);
  for (const cmd of cmds) writeCommandInfo(c, cmd);
}

const COMMAND_HELP = [
  "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "(no subcommand)",
  "    Return details about all Redis commands.",
  "COUNT",
  "    Return the total number of commands in this Redis server.",
  "LIST",
  "    Return a list of all commands in this Redis server.",
  "INFO [<command-name> ...]",
  "    Return details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "DOCS [<command-name> ...]",
  "    Return documentation details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "HELP",
  "    Prints this help.",
];

/** A CONFIG parameter: how to read it, and how to change it (absent: immutable). */
interface ConfigParam {
  get(c: Client): string;
  set?(c: Client, value: string): string | undefined;
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

function configGet(c: Client, args: Uint8Array[]): void {
  const names = new Set<string>();
  for (let i = 2; i < args.length; i++) {
    const pat = lowerName(args[i]!);
    for (const name of Object.keys(CONFIG)) if (globMatch(pat, name, true)) names.add(name);
  }
  c.out.arrayHeader(names.size * 2);
  for (const name of names) {
    c.out.bulk(name);
    c.out.bulk(CONFIG[name]!.get(c));
  }
}

function configSet(c: Client, args: Uint8Array[]): void {
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

function human(n: number): string {
  const units = ["B", "K", "M", "G", "T"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n}B` : `${v.toFixed(2)}${units[i]}`;
}

/** The INFO sections, in Redis's order. */
const SECTIONS: Record<string, (c: Client) => string[]> = {
  server: (c) => {
    const s = c.server;
    const uptime = Math.floor((Date.now() - s.startTime) / 1000);
    return [
      `redis_version:${REDIS_VERSION}`,
      `redis_mode:standalone`,
      `tokserver_version:${s.version}`,
      `os:${Deno.build.os} ${Deno.build.arch}`,
      `arch_bits:64`,
      `multiplexing_api:deno`,
      `process_id:${Deno.pid}`,
      `run_id:${s.runId}`,
      `tcp_port:${s.port}`,
      `server_time_usec:${Date.now() * 1000}`,
      `uptime_in_seconds:${uptime}`,
      `uptime_in_days:${Math.floor(uptime / 86400)}`,
      `hz:10`,
      `configured_hz:10`,
      `executable:${Deno.execPath()}`,
      `config_file:`,
    ];
  },
  clients: (c) => {
    let pubsub = 0, maxIn = 0, maxOut = 0;
    for (const cl of c.server.clients.values()) {
      if (cl.channels.size > 0 || cl.patterns.size > 0) pubsub++;
      maxIn = Math.max(maxIn, cl.pendingInput);
      maxOut = Math.max(maxOut, cl.pendingOutput);
    }
    return [
      `connected_clients:${c.server.clients.size}`,
      `cluster_connections:0`,
      `maxclients:${c.server.options.maxclients}`,
      `client_recent_max_input_buffer:${maxIn}`,
      `client_recent_max_output_buffer:${maxOut}`,
      `blocked_clients:0`,
      `tracking_clients:0`,
      `pubsub_clients:${pubsub}`,
    ];
  },
  memory: (c) => {
    const m = Deno.memoryUsage();
    const used = m.heapUsed + m.external;
    c.server.memoryPeak = Math.max(c.server.memoryPeak, used);
    const peak = c.server.memoryPeak;
    return [
      `used_memory:${used}`,
      `used_memory_human:${human(used)}`,
      `used_memory_rss:${m.rss}`,
      `used_memory_rss_human:${human(m.rss)}`,
      `used_memory_peak:${peak}`,
      `used_memory_peak_human:${human(peak)}`,
      `used_memory_heap_total:${m.heapTotal}`,
      `used_memory_external:${m.external}`,
      `maxmemory:0`,
      `maxmemory_human:0B`,
      `maxmemory_policy:noeviction`,
      `mem_fragmentation_ratio:${used > 0 ? (m.rss / used).toFixed(2) : "0.00"}`,
      `mem_allocator:v8`,
    ];
  },
  persistence: (c) => c.server.persistence.info(),
  stats: (c) => {
    const st = c.server.stats;
    const db = c.server.db.stats;
    return [
      `total_connections_received:${st.connectionsReceived}`,
      `total_commands_processed:${st.commandsProcessed}`,
      `instantaneous_ops_per_sec:${c.server.opsPerSec}`,
      `total_net_input_bytes:${st.netInputBytes}`,
      `total_net_output_bytes:${st.netOutputBytes}`,
      `rejected_connections:${st.rejectedConnections}`,
      `expired_keys:${db.expiredKeys}`,
      `evicted_keys:0`,
      `evicted_clients:0`,
      `keyspace_hits:${db.keyspaceHits}`,
      `keyspace_misses:${db.keyspaceMisses}`,
      `pubsub_channels:${c.server.pubsub.channels.size}`,
      `pubsub_patterns:${c.server.pubsub.patterns.size}`,
      `pubsubshard_channels:0`,
      `pubsub_clients_dropped:${st.pubsubClientsDropped}`,
      `total_error_replies:${st.errorReplies}`,
      `unexpected_error_replies:${st.unexpectedErrorReplies}`,
      `total_reads_processed:${st.readsProcessed}`,
      `total_writes_processed:${st.writesProcessed}`,
    ];
  },
  replication: () => [
    `role:master`,
    `connected_slaves:0`,
    `master_failover_state:no-failover`,
    `master_repl_offset:0`,
    `repl_backlog_active:0`,
  ],
  cpu: () => {
    const u = Deno.build.os === "linux" ? cpuTimes() : undefined;
    return [
      `used_cpu_sys:${(u?.sys ?? 0).toFixed(6)}`,
      `used_cpu_user:${(u?.user ?? 0).toFixed(6)}`,
    ];
  },
  cluster: () => [`cluster_enabled:0`],
  keyspace: (c) => {
    const db = c.server.db;
    if (db.size === 0) return [];
    return [`db0:keys=${db.size},expires=${db.expiresCount},avg_ttl=0`];
  },
};

/** Seconds of user and system CPU used by this process (Linux /proc). */
function cpuTimes(): { user: number; sys: number } | undefined {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 };
  } catch {
    return undefined;
  }
}

const DEFAULT_SECTIONS = [
  "server",
  "clients",
  "memory",
  "persistence",
  "stats",
  "replication",
  "cpu",
  "cluster",
  "keyspace",
];

/** The text INFO returns for the requested section names (lowercase). */
export function infoText(c: Client, requested: string[]): string {
  let names: string[];
  if (requested.length === 0 || requested.some((r) => r === "default")) names = DEFAULT_SECTIONS;
  else if (requested.some((r) => r === "all" || r === "everything")) names = DEFAULT_SECTIONS;
  else names = DEFAULT_SECTIONS.filter((s) => requested.includes(s));
  let text = "";
  for (const name of names) {
    if (text !== "") text += "\r\n";
    const title = name === "cpu" ? "CPU" : name[0]!.toUpperCase() + name.slice(1);
    text += `# ${title}\r\n`;
    for (const line of SECTIONS[name]!(c)) text += line + "\r\n";
  }
  return text;
}

/** The server command family. */
export const SERVER_COMMANDS: readonly Command[] = [
  {
    name: "command",
    arity: -1,
    flags: ["loading", "stale"],
    acl: ["@slow", "@connection"],
    handler: commandList,
    subcommands: [
      {
        name: "command|count",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c) => c.out.integer(c.server.commands.size),
      },
      {
        name: "command|list",
        arity: -2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c) => {
          const names = [...c.server.commands.keys()];
          c.out.arrayHeader(names.length);
          for (const n of names) c.out.bulk(n);
        },
      },
      {
        name: "command|info",
        arity: -2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c, args) => {
          if (args.length === 2) return commandList(c);
          c.out.arrayHeader(args.length - 2);
          for (let i = 2; i < args.length; i++) {
            const cmd = findCommand(c, lowerName(args[i]!));
            if (cmd === undefined) c.out.nullBulk();
            else writeCommandInfo(c, cmd);
          }
        },
      },
      {
        name: "command|docs",
        arity: -2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c, args) => {
          const cmds = args.length === 2
            ? allCommands(c)
            : args.slice(2).map((a) => findCommand(c, lowerName(a))).filter((x) => x !== undefined);
          c.out.arrayHeader(cmds.length * 2);
          for (const cmd of cmds) {
            c.out.bulk(cmd.name);
            writeDocs(c, cmd);
          }
        },
      },
      {
        name: "command|help",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c) => helpReply(c, COMMAND_HELP),
      },
    ],
  },
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
  {
    name: "info",
    arity: -1,
    flags: ["loading", "stale"],
    acl: ["@slow", "@dangerous"],
    handler: (c, args) => c.out.bulk(infoText(c, args.slice(1).map(lowerName))),
  },
  {
    name: "time",
    arity: 1,
    flags: ["loading", "stale", "fast"],
    acl: ["@fast"],
    handler: (c) => {
      const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
      c.out.arrayHeader(2);
      c.out.bulk(String(Math.floor(us / 1e6)));
      c.out.bulk(String(us % 1e6));
    },
  },
];
