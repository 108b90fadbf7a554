// Replies several command families share: Redis's common error texts, spelled once, and the
// HELP reply format.

import type { Session } from "./types.ts";

/** Redis's error texts, in one place. */
export const Err = {
  syntax: "ERR syntax error",
  notInteger: "ERR value is not an integer or out of range",
  wrongType: "WRONGTYPE Operation against a key holding the wrong kind of value",
  arity: (name: string) => `ERR wrong number of arguments for '${name}' command`,
  unknownSubcommand: (sub: string, container: string) =>
    `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`,
} as const;

/** Writes a HELP reply: an array of status lines. */
export function helpReply(c: Session, lines: readonly string[]): void {
  c.out.arrayHeader(lines.length);
  for (const l of lines) c.out.simple(l);
}
