// Why `tokserver redis` serves from a worker thread: the Deno runtime checks its sockets once in
// 61 turns of its event loop while JavaScript keeps it running (tokio's event interval), which
// makes busy polling (src/net/busy_poll.ts) notice a read up to ~45 µs late. The interval is read
// from DENO_TOKIO_EVENT_INTERVAL when a runtime is made: the main thread's was made before any
// code ran, but a worker's is made here, after the variable is set to 1. The server then polls
// its sockets on every turn, and busy polling pays everywhere: 4 or 8 clients without pipelining
// went from 0.64-0.79x (polling on the main thread) to 1.10x the rate without polling, 1-2 clients
// to 1.5-2.5x (docs/benchmarks.md).
//
// The main thread only starts the worker and waits for its exit code; signals, logs and the
// server's whole life are the worker's. A value of the variable the user set is kept.

import { isExitMessage } from "../../net/exit.ts";
import type { RedisOptions } from "../options.ts";

const EVENT_INTERVAL = "DENO_TOKIO_EVENT_INTERVAL";

/**
 * Runs the Redis server in a worker thread until it stops; resolves with the exit code.
 *
 * @example
 * ```ts ignore
 * import { runRedisInWorker } from "./worker_host.ts";
 * Deno.exit(await runRedisInWorker(options));
 * ```
 */
export async function runRedisInWorker(opts: RedisOptions): Promise<number> {
  const url = new URL("./worker_main.ts", import.meta.url);
  // Without read access to its module a worker cannot start: the server then runs here, with the
  // runtime's interval (the way it ran before it had a thread of its own).
  if (Deno.permissions.querySync({ name: "read", path: url }).state !== "granted") {
    const { runRedis } = await import("./server.ts");
    return runRedis(opts);
  }
  try {
    if (Deno.env.get(EVENT_INTERVAL) === undefined) Deno.env.set(EVENT_INTERVAL, "1");
  } catch {
    // Run without --allow-env: the worker keeps the runtime's interval, and serves all the same.
  }
  const worker = new Worker(url, { type: "module", name: "redis" });
  return await new Promise((resolve) => {
    // The exit code of a server that stopped, or of a fatal error (the worker then waits to end).
    worker.onmessage = (e: MessageEvent) => {
      if (isExitMessage(e.data)) resolve(e.data.exit);
    };
    // An uncaught error in the server (Deno has printed it): the process fails as it would.
    worker.onerror = (e) => {
      e.preventDefault();
      resolve(1);
    };
    worker.postMessage(opts);
  });
}
