// Running a server as a program: listen (a taken port is one line and exit 1), log the start,
// serve until SIGINT/SIGTERM, shut down gracefully, log the stop. Every subcommand's server uses it.

import { effectiveMaxClients } from "./fd_limit.ts";
import { listen, ListenError } from "./listen.ts";
import type { Logger } from "./log.ts";
import { onShutdownSignal, type ServerOptions, TcpServer } from "./server.ts";

/** What {@linkcode runServer} needs besides the server's own options. */
export interface RunOptions extends Omit<ServerOptions, "listener"> {
  host: string;
  port: number;
  /** Shown in the start line: `listening on 127.0.0.1:8080 (chat, mode complete)`. */
  label: string;
  log: Logger;
  /** Called with the server once it listens (e.g. to start background jobs). */
  started?: (server: TcpServer) => void | Promise<void>;
  /** Called after the connections are closed (e.g. to flush files). */
  stopped?: () => void | Promise<void>;
  /** Mode-specific figures for the one-line summary at stop, e.g. `1234 lines relayed`. */
  summary?: () => string;
}

/** Listens, serves until a shutdown signal (or `server.shutdown()`), and returns the exit code. */
export async function runServer(opts: RunOptions): Promise<number> {
  let listener: Deno.TcpListener;
  try {
    listener = listen(opts.host, opts.port);
  } catch (err) {
    if (err instanceof ListenError) {
      opts.log.info(`tokserver: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const limit = effectiveMaxClients(opts.maxClients ?? Infinity);
  if (limit.warning) opts.log.info(limit.warning);
  const server = new TcpServer({ ...opts, maxClients: limit.maxClients, listener });
  let signal: string | undefined;
  const removeSignals = onShutdownSignal((sig) => {
    signal = sig;
    server.shutdown();
  });
  opts.log.info(`listening on ${server.addr} (${opts.label})`);
  await opts.started?.(server);
  await server.serve();
  await server.shutdown();
  await opts.stopped?.();
  removeSignals();
  const { accepted, rejected, timedOut } = server.stats;
  const figures = [
    `${accepted} client${accepted === 1 ? "" : "s"} served`,
    ...(rejected ? [`${rejected} refused (maxclients)`] : []),
    ...(timedOut ? [`${timedOut} closed idle`] : []),
    ...(opts.summary ? [opts.summary()] : []),
  ];
  opts.log.info(`stopped${signal ? ` on ${signal}` : ""}: ${figures.join(", ")}`);
  return 0;
}
