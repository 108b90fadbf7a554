// The naming rules of rooms mode, for people and rooms alike: 1 to 32 ASCII letters, digits, `_`
// and `-`, unique without regard to case. Kept apart so the mode and its tests share one source.

/** Longest name or room name. */
export const NAME_MAX = 32;

const NAME_RE = /^[A-Za-z0-9_-]+$/;

/** Why `name` cannot be a name (or a room's name), or undefined when it can. */
export function badName(name: string): string | undefined {
  if (name.length === 0) return "empty (1 to 32 letters, digits, _ or -)";
  if (name.length > NAME_MAX) return `too long (at most ${NAME_MAX} characters)`;
  if (!NAME_RE.test(name)) return "only letters, digits, _ and - please";
  return undefined;
}

/**
 * The room `arg` names (`rust`, `#Rust`: `#rust`), or why it cannot be one. Rooms are
 * lower-case and start with `#`.
 */
export function roomName(arg: string): { room: string } | { why: string } {
  const bare = arg.startsWith("#") ? arg.slice(1) : arg;
  const why = badName(bare);
  return why === undefined ? { room: `#${bare.toLowerCase()}` } : { why };
}

/** Compares names as people read them: without regard to case. */
export function byName(a: string, b: string): number {
  const x = a.toLowerCase(), y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
