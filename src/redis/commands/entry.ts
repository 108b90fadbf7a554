// The table entry most commands have: a name, Redis's arity, flags, ACL categories, a handler and
// key positions (the first argument unless given), written as one call per command.

import type { Command } from "./types.ts";

/**
 * A command's table entry.
 *
 * @example
 * ```ts ignore
 * entry("llen", 2, ["readonly", "fast"], ["@read", "@list", "@fast"], llen);
 * ```
 */
export function entry(
  name: string,
  arity: number,
  flags: Command["flags"],
  acl: readonly string[],
  handler: Command["handler"],
  keys: [number, number, number] = [1, 1, 1],
): Command {
  return { name, arity, flags, keys, acl, handler };
}
