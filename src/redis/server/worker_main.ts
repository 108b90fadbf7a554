// The worker thread `tokserver redis` serves from (worker_host.ts says why): it receives the
// options, runs the server until it stops, and sends back the exit code.

import type { ExitMessage } from "../../net/exit.ts";
import type { RedisOptions } from "../options.ts";
import { runRedis } from "./server.ts";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<RedisOptions>) => void) | null;
  postMessage(m: ExitMessage): void;
};

scope.onmessage = async (e) => {
  scope.onmessage = null;
  scope.postMessage({ exit: await runRedis(e.data) });
};
