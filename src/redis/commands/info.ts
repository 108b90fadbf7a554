// INFO with the server, clients, memory, persistence, stats, replication, cpu and keyspace
// sections, in Redis's text format; and TIME.

import type { Command, Session } from "./types.ts";
import { lowerName } from "./args.ts";
import { REDIS_VERSION } from "./connection.ts";

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
const SECTIONS: Record<string, (c: Session) => string[]> = {
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
      `server_time_usec:${s.clock.micros()}`,
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
      if (cl.subscribed) pubsub++;
      maxIn = Math.max(maxIn, cl.pendingInput);
      maxOut = Math.max(maxOut, cl.pendingOutput);
    }
    return [
      `connected_clients:${c.server.clients.size}`,
      `cluster_connections:0`,
      `maxclients:${c.server.options.maxclients}`,
      `client_recent_max_input_buffer:${maxIn}`,
      `client_recent_max_output_buffer:${maxOut}`,
      `blocked_clients:${c.server.blocked.count}`,
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
    const db = c.server.dbs.shared.stats;
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
    const lines: string[] = [];
    for (const db of c.server.dbs.made()) {
      if (db.size === 0) continue;
      lines.push(`db${db.index}:keys=${db.size},expires=${db.expiresCount},avg_ttl=${db.avgTtl}`);
    }
    return lines;
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
export function infoText(c: Session, requested: string[]): string {
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

/** INFO and TIME. */
export const INFO_COMMANDS: readonly Command[] = [
  {
    name: "info",
    arity: -1,
    flags: ["loading", "stale"],
    acl: ["@slow", "@dangerous"],
    handler: (c, args) => c.out.verbatim(infoText(c, args.slice(1).map(lowerName))),
  },
  {
    name: "time",
    arity: 1,
    flags: ["loading", "stale", "fast"],
    acl: ["@fast"],
    handler: (c) => {
      const us = c.server.clock.micros();
      c.out.arrayHeader(2);
      c.out.bulk(String(Math.floor(us / 1e6)));
      c.out.bulk(String(us % 1e6));
    },
  },
];
