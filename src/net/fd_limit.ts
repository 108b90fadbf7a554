// Each client costs a file descriptor. Deno raises the soft open-file limit to the hard limit when
// it starts; if even that is short of maxclients plus a margin, serve fewer clients (as Redis
// does) and say so in one log line rather than failing accept() later.

/** Descriptors kept for the process itself (stdio, listener, files, the runtime's own). */
export const FD_MARGIN = 32;

/**
 * The soft open-file limit of this process (Linux /proc), or undefined where unknown. Deno lets a
 * process read its own /proc entries only with all permissions; otherwise this is undefined and
 * a short limit shows up as accept failures instead (logged by the server).
 */
export function openFileLimit(): number | undefined {
  try {
    const line = Deno.readTextFileSync("/proc/self/limits")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    if (soft === undefined || soft === "unlimited") return undefined;
    const n = Number(soft);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The number of clients that can really be served: `maxClients`, or less when the open-file
 * limit is too low; `warning` is the log line to print in that case.
 */
export function effectiveMaxClients(
  maxClients: number,
  limit: number | undefined = openFileLimit(),
): { maxClients: number; warning?: string } {
  if (limit === undefined || !Number.isFinite(maxClients) || maxClients + FD_MARGIN <= limit) {
    return { maxClients };
  }
  const reduced = Math.max(1, limit - FD_MARGIN);
  return {
    maxClients: reduced,
    warning: `maxclients ${maxClients} needs ${maxClients + FD_MARGIN} open files but the limit ` +
      `is ${limit} (raised to the hard limit at start); serving at most ${reduced} clients`,
  };
}
