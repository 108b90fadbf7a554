// `tokserver redis-cli`: a redis-cli work-alike on the message-passing client.

import type { CliOptions } from "./cli_options.ts";

/** Runs one command or the interactive prompt; returns the exit code. */
export function runCli(_opts: CliOptions): Promise<number> {
  console.error("tokserver redis-cli: not implemented yet");
  return Promise.resolve(1);
}
