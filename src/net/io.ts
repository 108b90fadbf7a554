// Writing a whole buffer: a socket or a file may take only part of a write, so every writer in
// tokserver (sockets, the append-only file, stdout) goes through these two loops.

/**
 * Writes all of `bytes`, however many writes `w` needs.
 *
 * @example
 * ```ts ignore
 * await writeAll(conn, new TextEncoder().encode("PING\r\n"));
 * ```
 */
export async function writeAll(
  w: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  let off = await w.write(bytes);
  while (off < bytes.length) off += await w.write(bytes.subarray(off));
}

/**
 * Writes all of `bytes` synchronously (a file at shutdown, or under appendfsync always).
 *
 * @example
 * ```ts ignore
 * writeAllSync(file, bytes);
 * ```
 */
export function writeAllSync(w: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let off = w.writeSync(bytes);
  while (off < bytes.length) off += w.writeSync(bytes.subarray(off));
}
