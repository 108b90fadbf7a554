// Looking up a hash or set for a command, as Redis's lookupKeyRead/lookupKeyWrite followed by
// checkType: a key of another type gets the WRONGTYPE error; a write that finds no key can make
// an empty one (added to the keyspace only once something is stored in it).

import { type Db, HashValue, ListValue, SetValue, type Stored, ZSetValue } from "../store/db.ts";
import type { Session } from "./types.ts";
import { Err } from "./replies.ts";

/** A collection class: HashValue, SetValue, ListValue or ZSetValue. */
type Kind<T> = new () => T;

/**
 * The value of `key` for a read (counting hits and misses) when it is a `kind`; undefined when
 * there is no key; null (after writing WRONGTYPE) for another type.
 */
export function readOf<T>(c: Session, key: string, kind: Kind<T>): T | undefined | null {
  const v = c.keyspace.getStored(key);
  if (v === undefined || v instanceof kind) return v as T | undefined;
  c.out.error(Err.wrongType);
  return null;
}

/** Like {@linkcode readOf} for a write: no hit/miss counting (Redis's lookupKeyWrite). */
export function writeOf<T>(c: Session, key: string, kind: Kind<T>): T | undefined | null {
  const v = lookupWrite(c.keyspace, key);
  if (v === undefined || v instanceof kind) return v as T | undefined;
  c.out.error(Err.wrongType);
  return null;
}

/** Redis's lookupKeyWrite: the live value of `key` in `db`, marked as used when found. */
export function lookupWrite(db: Db, key: string): Stored | undefined {
  const v = db.peekStored(key);
  if (v !== undefined) db.touch(key, v);
  return v;
}

/** Records a change of the collection at `key`: stores it when new, deletes it when empty. */
export function commit(
  db: Db,
  key: string,
  v: HashValue | SetValue | ListValue | ZSetValue,
  fresh: boolean,
): void {
  if (v.size === 0) {
    if (!fresh) db.delete(key);
  } else if (fresh) db.set(key, v);
  else db.changed(key);
}

export { HashValue, ListValue, SetValue, ZSetValue };
