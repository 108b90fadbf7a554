// Protected mode, decided before the server listens: Redis refuses clients from other machines
// while no password is set; tokserver refuses to start on a non-loopback address without
// --requirepass instead, so an open server is never reachable by accident. `--protected-mode no`
// turns the check off.

import type { RedisOptions } from "../options.ts";

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(h);
}

/**
 * The one-line reason the server must not start (protected mode on, a non-loopback --host, no
 * --requirepass), or undefined when it may.
 */
export function protectedModeRefusal(opts: RedisOptions): string | undefined {
  if (!opts.protectedMode || opts.requirepass !== undefined || isLoopback(opts.host)) {
    return undefined;
  }
  return `tokserver redis: protected mode: refusing to listen on ${opts.host}, which is not a ` +
    "loopback address, without a password; set --requirepass PASSWORD, or --protected-mode no " +
    "to serve clients from other hosts without one";
}
