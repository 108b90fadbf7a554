// The numbered databases of one server (`--databases N`, SELECT's indexes). A database is made on
// first use, so a server started with many of them pays only for those it touches. They share
// one DbShared (the dirty counter, INFO's counters, the loading flag, keyspace events). SWAPDB
// exchanges two databases' contents and touches their watchers the way Redis does.

import type { Clock } from "./clock.ts";
import { Db, type DbShared, dbShared } from "./db.ts";
import { existingWatches } from "./watch.ts";
import { tickAccessClock } from "./access_clock.ts";

/** The databases 0..count-1 of a server. */
export class Databases {
  /** How many there are (`--databases`). */
  readonly count: number;
  /** What they share. */
  readonly shared: DbShared;
  readonly #all: (Db | undefined)[] = [];
  readonly #setup: ((db: Db) => void) | undefined;

  /**
   * `setup` is called on each database when it is made (the server's hooks); every database
   * reads `clock` (a fresh wall clock by default).
   */
  constructor(count: number, setup?: (db: Db) => void, clock?: Clock) {
    this.count = count;
    this.shared = dbShared(clock);
    this.#setup = setup;
  }

  /** Database `index` (0 <= index < count), made if it was never used. */
  get(index: number): Db {
    let db = this.#all[index];
    if (db === undefined) {
      db = this.#all[index] = new Db(index, this.shared);
      this.#setup?.(db);
    }
    return db;
  }

  /** The databases made so far, by index. */
  *made(): IterableIterator<Db> {
    for (const db of this.#all) if (db !== undefined) yield db;
  }

  /** Changes made so far in any database. */
  get dirty(): number {
    return this.shared.dirty;
  }

  set dirty(n: number) {
    this.shared.dirty = n;
  }

  /** Sets or clears the loading flag (no expiry while the append-only file is replayed). */
  set loading(on: boolean) {
    this.shared.loading = on;
  }

  get loading(): boolean {
    return this.shared.loading;
  }

  /** Keys in every database. */
  get size(): number {
    let n = 0;
    for (const db of this.made()) n += db.size;
    return n;
  }

  /** Empties every database (FLUSHALL); returns how many keys there were. */
  flushAll(): number {
    let n = 0;
    for (const db of this.made()) n += db.flush();
    // Propagated even when there was nothing to flush, as Redis does.
    this.shared.dirty++;
    return n;
  }

  /**
   * Exchanges the contents of databases `a` and `b` (SWAPDB). As Redis's touchAllWatchedKeysInDb,
   * a key watched in one of them that is stored in either fails its watchers' EXEC first.
   */
  swap(a: number, b: number): void {
    const da = this.get(a), db = this.get(b);
    existingWatches(da)?.swapping(db);
    existingWatches(db)?.swapping(da);
    da.swapWith(db);
    this.shared.dirty++;
  }

  /**
   * One round of the active expiry sweep in each database; `sample` and `budgetMs` as
   * {@linkcode Db.sweep}'s (Infinity for both looks at every key with a time to live).
   */
  sweep(sample?: number, budgetMs?: number): void {
    // Redis's cron also moves the cached clocks that key access times read.
    tickAccessClock(this.shared.access, this.shared.clock.now());
    for (const db of this.made()) db.sweep(sample, budgetMs);
  }
}
