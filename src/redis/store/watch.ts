// WATCH's bookkeeping, kept apart from the commands: which clients watch which keys, and flagging a
// watcher's next EXEC to fail when a watched key changes. Every change reaches it through the
// keyspace's one `onModified` hook: a write from any connection, an expiry (lazy or by the sweep),
// FLUSHDB/FLUSHALL. The rules are Redis 7.0's:
//
// - a key that had already expired (but was still stored) when WATCH ran is remembered as such;
//   its removal is no change, so the flag is cleared instead of failing the transaction;
// - a flush fails the transaction only for watched keys that were stored when it ran;
// - at EXEC, a watched key that expired since WATCH fails the transaction even if nobody has
//   removed it yet.
//
// Each database has its own registry; a client may watch keys of several databases (WATCH, SELECT,
// WATCH), so its watched keys are held by database and key.
//
// The registry is created on the first WATCH, so a server whose clients never WATCH pays nothing
// for it beyond the hook's empty check.

import type { Db } from "./db.ts";

/** What a watched key marks when it changes: the state of the client's transaction. */
export interface Watcher {
  /** Set when a watched key changed (Redis's CLIENT_DIRTY_CAS): EXEC answers a null array. */
  touched: boolean;
  /**
   * The client's watched keys, in WATCH order, by database index and key (see
   * {@linkcode watchId}); undefined when none.
   */
  watched: Map<string, WatchedKey> | undefined;
}

/** One key watched by one client. */
export interface WatchedKey {
  readonly key: string;
  /** The registry (database) the key is watched in. */
  readonly registry: Watches;
  readonly owner: Watcher;
  /** The key had expired, but was still stored, when WATCH ran. */
  expired: boolean;
}

/** How a watcher's map names `key` of database `index`. */
function watchId(index: number, key: string): string {
  return `${index}:${key}`;
}

/** The watched keys of one keyspace and the clients watching each. */
export class Watches {
  readonly #db: Db;
  readonly #byKey = new Map<string, Set<WatchedKey>>();

  constructor(db: Db) {
    this.#db = db;
    // Another user of the hook installed before this one keeps being called.
    const previous = db.onModified;
    db.onModified = (key) => {
      previous?.(key);
      if (this.#byKey.size === 0) return;
      if (key === null) this.#flushing();
      else this.#touch(key);
    };
  }

  /** Keys watched by at least one client. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Adds `key` to what `w` watches (once). */
  watch(w: Watcher, key: string): void {
    const mine = w.watched ??= new Map();
    const id = watchId(this.#db.index, key);
    if (mine.has(id)) return;
    const wk: WatchedKey = { key, registry: this, owner: w, expired: this.#db.isExpired(key) };
    mine.set(id, wk);
    let set = this.#byKey.get(key);
    if (set === undefined) this.#byKey.set(key, set = new Set());
    set.add(wk);
  }

  /** Forgets `wk` (a key of this registry). */
  forget(wk: WatchedKey): void {
    const set = this.#byKey.get(wk.key);
    if (set === undefined) return;
    set.delete(wk);
    if (set.size === 0) this.#byKey.delete(wk.key);
  }

  /** Whether `key` is stored here and its time has run out. */
  isExpired(key: string): boolean {
    return this.#db.isExpired(key);
  }

  /**
   * This database is about to exchange its keys with `other` (SWAPDB): as Redis's
   * touchAllWatchedKeysInDb(this, other), a watched key stored in either changes.
   */
  swapping(other: Db): void {
    const db = this.#db;
    for (const [key, set] of this.#byKey) {
      const inOther = other.holds(key);
      if (!inOther && !db.holds(key)) continue;
      for (const wk of set) {
        if (wk.expired) {
          // An expired key replaced by nothing: no change a reader could see. Redis stops
          // looking at this key's watchers when the other database has it.
          if (!inOther) {
            wk.expired = false;
            continue;
          }
          break;
        }
        wk.owner.touched = true;
      }
    }
  }

  /** A key was written, deleted or expired (the hook runs after the change). */
  #touch(key: string): void {
    const set = this.#byKey.get(key);
    if (set === undefined) return;
    let gone: boolean | undefined;
    for (const wk of set) {
      if (wk.expired) {
        // Already expired at WATCH: its removal changes nothing a reader could have seen.
        gone ??= !this.#db.holds(key);
        if (gone) {
          wk.expired = false;
          continue;
        }
      }
      wk.owner.touched = true;
    }
  }

  /** Every key is about to go (the hook runs before the flush). */
  #flushing(): void {
    const db = this.#db;
    for (const [key, set] of this.#byKey) {
      if (!db.holds(key)) continue;
      for (const wk of set) {
        if (wk.expired) wk.expired = false;
        else wk.owner.touched = true;
      }
    }
  }
}

/** Forgets every key `w` watches, in every database. */
export function unwatchAll(w: Watcher): void {
  const mine = w.watched;
  if (mine === undefined) return;
  w.watched = undefined;
  for (const wk of mine.values()) wk.registry.forget(wk);
}

/**
 * Whether a key `w` watches has expired since WATCH (still stored or not yet noticed): Redis
 * fails such an EXEC.
 */
export function expiredSinceWatch(w: Watcher): boolean {
  const mine = w.watched;
  if (mine === undefined) return false;
  for (const wk of mine.values()) {
    if (!wk.expired && wk.registry.isExpired(wk.key)) return true;
  }
  return false;
}

const registries = new WeakMap<Db, Watches>();

/** The WATCH registry of `db`, created (and hooked to its changes) on first use. */
export function watchesOf(db: Db): Watches {
  let w = registries.get(db);
  if (w === undefined) registries.set(db, w = new Watches(db));
  return w;
}

/** The registry of `db` if one was ever created (for cleanup paths that must not create it). */
export function existingWatches(db: Db): Watches | undefined {
  return registries.get(db);
}
