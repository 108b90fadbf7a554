// `tokserver redis`: the mini-redis server.

import type { RedisOptions } from "./options.ts";

/** Runs the Redis server until a shutdown signal; returns the exit code. */
export function runRedis(_opts: RedisOptions): Promise<number> {
  console.error("tokserver redis: not implemented yet");
  return Promise.resolve(1);
}
