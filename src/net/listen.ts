// Opening a TCP listener, with the failures people hit every day (port taken, port needs root)
// turned into one readable line instead of a stack trace.

/** A listener could not be opened; `message` is the one line to show the user. */
export class ListenError extends Error {
  override name = "ListenError";
}

/** Why listening failed, in a few words (the kernel's own words where we know them). */
function reason(err: unknown): string {
  if (err instanceof Deno.errors.AddrInUse) return "address already in use";
  if (err instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (err instanceof Deno.errors.AddrNotAvailable) return "address not available";
  if (err instanceof Deno.errors.NotCapable) return "not allowed (run with --allow-net)";
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\(os error \d+\)$/, "").toLowerCase();
}

/** Formats `host:port`, bracketing IPv6 literals. */
export function formatAddr(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Formats a socket address of a connection. */
export function formatNetAddr(addr: Deno.Addr): string {
  return addr.transport === "tcp" || addr.transport === "udp"
    ? formatAddr(addr.hostname, addr.port)
    : String((addr as Deno.UnixAddr).path ?? addr.transport);
}

/**
 * Opens a TCP listener on `host:port` (port 0 picks a free port).
 * @throws {ListenError} with a message like
 *   `cannot listen on 127.0.0.1:6379: address already in use`.
 */
export function listen(host: string, port: number): Deno.TcpListener {
  try {
    return Deno.listen({ hostname: host, port, transport: "tcp" });
  } catch (err) {
    throw new ListenError(`cannot listen on ${formatAddr(host, port)}: ${reason(err)}`);
  }
}
