// Keyspace notification classes (Redis's notify.c): the bits `notify-keyspace-events` sets and
// their letters both ways. Apart from the publishing (notify.ts) so the keyspace (db.ts) can test
// a class without depending on pub/sub.

/** Event classes, with Redis's bit values. */
export const Notify = {
  KEYSPACE: 1 << 0,
  KEYEVENT: 1 << 1,
  GENERIC: 1 << 2,
  STRING: 1 << 3,
  LIST: 1 << 4,
  SET: 1 << 5,
  HASH: 1 << 6,
  ZSET: 1 << 7,
  EXPIRED: 1 << 8,
  EVICTED: 1 << 9,
  STREAM: 1 << 10,
  KEY_MISS: 1 << 11,
  LOADED: 1 << 12,
  MODULE: 1 << 13,
  NEW: 1 << 14,
} as const;

/** What `A` stands for: every class but key misses and new keys (`g$lshzxetd`). */
export const NOTIFY_ALL = Notify.GENERIC | Notify.STRING | Notify.LIST | Notify.SET |
  Notify.HASH | Notify.ZSET | Notify.EXPIRED | Notify.EVICTED | Notify.STREAM | Notify.MODULE;

const LETTERS: Record<string, number> = {
  A: NOTIFY_ALL,
  g: Notify.GENERIC,
  $: Notify.STRING,
  l: Notify.LIST,
  s: Notify.SET,
  h: Notify.HASH,
  z: Notify.ZSET,
  x: Notify.EXPIRED,
  e: Notify.EVICTED,
  K: Notify.KEYSPACE,
  E: Notify.KEYEVENT,
  t: Notify.STREAM,
  m: Notify.KEY_MISS,
  d: Notify.MODULE,
  n: Notify.NEW,
};

/** Parses Redis's class letters (`KEA`, `Ex`...); undefined on a letter Redis does not know. */
export function parseEventClasses(s: string): number | undefined {
  let flags = 0;
  for (const ch of s) {
    const f = LETTERS[ch];
    if (f === undefined) return undefined;
    flags |= f;
  }
  return flags;
}

/**
 * The classes as CONFIG GET shows them, in Redis's order: `A` or the type letters (with `n`
 * among them, so Redis leaves it out after `A`), then K, E, m.
 */
export function eventClassesText(flags: number): string {
  let s = "";
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) s = "A";
  else {
    for (const ch of "g$lshzxetdn") if (flags & LETTERS[ch]!) s += ch;
  }
  if (flags & Notify.KEYSPACE) s += "K";
  if (flags & Notify.KEYEVENT) s += "E";
  if (flags & Notify.KEY_MISS) s += "m";
  return s;
}
