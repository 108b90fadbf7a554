// The servers a benchmark compares: a real redis-server from Debian's package and tokserver
// itself, each on a free loopback port, always stopped afterwards. Thin wrappers over the test
// helpers, so benchmarks and tests start servers the same way.

import { startRedisServer, startServer } from "../tests/_util.ts";
import { connect } from "../src/client/client.ts";

/** A server process under measurement. */
export interface BenchServer {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Resident set size of a process in bytes (Linux /proc), or 0 if unknown. */
export function rss(pid: number): number {
  try {
    const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** INFO memory's used_memory of the server on `port`, asked over a connection of its own. */
export async function usedMemory(port: number): Promise<number> {
  const c = await connect({ port });
  try {
    return Number((await c.info("memory")).match(/used_memory:(\d+)/)?.[1] ?? 0);
  } finally {
    await c.close();
  }
}

/** Starts Debian's redis-server (no persistence) on a free port; undefined if not installed. */
export async function startRedis(extra: string[] = []): Promise<BenchServer | undefined> {
  const srv = await startRedisServer(["--maxclients", "20000", ...extra]);
  if (!srv) return undefined;
  return {
    name: "redis",
    port: srv.port,
    pid: srv.child.pid,
    stop: async () => void await srv.stop(),
  };
}

/** Starts `tokserver <args>` on port 0 (quiet) and waits for its listening line. */
export async function startTokserver(args: string[]): Promise<BenchServer> {
  // BENCH_REDIS_FLAGS adds flags to `tokserver redis` for an A/B run, e.g. "--busy-poll 0".
  const extra = args[0] !== "redis"
    ? []
    : (Deno.env.get("BENCH_REDIS_FLAGS") ?? "").split(" ").filter((s) => s !== "");
  const srv = await startServer([...args, "--quiet", ...extra]);
  return {
    name: "tokserver",
    port: srv.port,
    pid: srv.child.pid,
    stop: async () => void await srv[Symbol.asyncDispose](),
  };
}
