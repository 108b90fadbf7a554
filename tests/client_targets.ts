// The servers the client and redis-cli tests run against: a real redis-server (the reference)
// and `tokserver redis`. Each test file registers its tests once per target.

import { type Proc, startRedisServer, startServer, which } from "./_util.ts";

/** A server under test with the port it listens on. */
export type Running = Proc & { port: number };

/** One server the tests run against. */
export interface Target {
  /** Shown in the test names. */
  name: string;
  /** Why the target cannot run here (its tests are ignored), or undefined. */
  missing?: string;
  /** Starts a fresh server; stop it with `await using`. */
  start(): Promise<Running>;
}

/** Real redis-server first, then tokserver redis. */
export const TARGETS: Target[] = [
  {
    name: "redis-server",
    missing: which("redis-server") ? undefined : "redis-server is not installed",
    async start() {
      const srv = await startRedisServer();
      if (!srv) throw new Error("redis-server is not installed");
      return srv;
    },
  },
  {
    name: "tokserver redis",
    // Not --quiet: its per-client log lines show how many connections a test opened.
    start: () => startServer(["redis"]),
  },
];

/** Sends SIGKILL to a test's server, ignoring one already gone. */
export function kill(srv: Running, signal: Deno.Signal = "SIGKILL"): void {
  try {
    srv.child.kill(signal);
  } catch {
    // already gone
  }
}

/**
 * Resolves with `p`'s value, or rejects when it has not settled within `ms` (so a call that
 * never returns fails its test instead of hanging it); the timer is always cleared.
 */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
