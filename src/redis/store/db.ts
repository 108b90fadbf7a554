// The one keyspace every connection shares. Keys are bytes, held as binary ("latin1") strings so a
// JS Map can index them; values are bytes. Expiry is kept apart (as Redis keeps an `expires` dict)
// and enforced two ways: lazily when a key is touched, and by an active sweep that samples keys
// with a deadline each tick and stops early when few of them have expired.
//
// Every change of a key goes through `#touch`, which bumps `dirty` (what write commands check to
// decide whether to propagate) and calls the `onModified` hook (what WATCH will use). An expiry
// calls `onModified` and `onExpired` (which propagates a DEL) but leaves `dirty` alone, so a write
// command that only found an expired key is not propagated.
//
// Expiry times are exact signed 64-bit milliseconds ({@linkcode Millis}): a number while the
// time is a safe integer (every realistic one), a bigint beyond, compared with the clock as they
// are (JS compares a bigint with a number exactly). While `loading` is set (the append-only file
// is being replayed) nothing expires, as in Redis: a logged command must find the key the
// original command found; keys whose time has passed go after the load, by the usual paths.
//
// A server has several databases (databases.ts); they share one {@linkcode DbShared}: the
// `dirty` counter, the INFO counters, the loading flag and the keyspace events, which the
// keyspace itself emits for what only it sees (`expired`, `new`, `keymiss`).

import { Clock } from "./clock.ts";
import { Notify } from "./notify_classes.ts";
import { HashValue } from "./hash_value.ts";
import { SetValue } from "./set_value.ts";
import { ListValue } from "./list_value.ts";
import { ZSetValue } from "./zset_value.ts";
import { StreamValue } from "./stream_value.ts";
import { type AccessPolicy, accessPolicy, AccessTimes } from "./access_clock.ts";
import { keyBytes, type Stored, type Value } from "./stored.ts";
import { defaultLimits, type ValueLimits } from "./value_limits.ts";

export { HashValue, ListValue, SetValue, StreamValue, ZSetValue };

export {
  isStr,
  keyBytes,
  keyOf,
  RELEASE_FROM,
  releaseBytes,
  type Stored,
  type Str,
  toStored,
  typeName,
  type Value,
} from "./stored.ts";

/** Counters for INFO. */
export interface DbStats {
  /** Keys removed because their time ran out (lazily or by the sweep). */
  expiredKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
}

/** How {@linkcode Db.set} treats an existing time to live. */
export const KEEP_TTL = -1;

/**
 * An absolute time in ms since the epoch, exact over the signed 64-bit range: a number when it
 * is a safe integer, otherwise a bigint (see {@linkcode millis}), so equal times are `===`.
 */
export type Millis = number | bigint;

/** `v` in the {@linkcode Millis} form: a number when it is a safe integer. */
export function millis(v: bigint): Millis {
  return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Where the keyspace sends the events only it sees (notify.ts's KeyspaceEvents). */
export interface KeyEventSink {
  /** The enabled classes (notify_classes.ts's bits). */
  readonly flags: number;
  emit(type: number, event: string, key: string, db: number): void;
}

/** What the databases of one server share. */
export interface DbShared {
  /** Changes made so far, in any database; a command that changed the dataset raises it. */
  dirty: number;
  readonly stats: DbStats;
  /** Set while the append-only file is replayed. */
  loading: boolean;
  /** Keyspace events; undefined when nobody can listen. */
  events: KeyEventSink | undefined;
  /** The server's clock, which expiry reads (clock.ts). */
  readonly clock: Clock;
  /** When hashes and sets change encoding (CONFIG's hash-max-listpack-* and the like). */
  readonly limits: ValueLimits;
  /**
   * Called when a list is stored at a key that held nothing (Redis's dbAdd signalling a key as
   * ready): a push, LMOVE, RENAME, MOVE, COPY... may serve clients blocked on it.
   */
  listAdded: ((db: number, key: string) => void) | undefined;
  /** What OBJECT IDLETIME / FREQ read: the eviction policy's kind and the cached clocks. */
  readonly access: AccessPolicy;
}

/** A fresh {@linkcode DbShared} reading `clock`. */
export function dbShared(clock: Clock = new Clock()): DbShared {
  return {
    dirty: 0,
    stats: { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 },
    loading: false,
    events: undefined,
    clock,
    limits: defaultLimits(),
    listAdded: undefined,
    access: accessPolicy(clock.now()),
  };
}

/** One Redis database: values by key, absolute expiry times in ms by key. */
export class Db {
  #data = new Map<string, Stored>();
  #expires = new Map<string, Millis>();
  /** The database's index (SELECT's number). */
  readonly index: number;
  readonly #shared: DbShared;
  /**
   * Redis's running estimate of the keys' remaining time to live (INFO keyspace's avg_ttl),
   * updated by the active sweep from the keys it samples; 0 without keys with a time to live.
   */
  avgTtl = 0;
  /**
   * Called with each key that is written, deleted or expired (after the change); with null when
   * all keys go (before they go).
   */
  onModified: ((key: string | null) => void) | undefined;
  /** Called with each key removed by expiry (for propagating a DEL, as Redis does). */
  onExpired: ((key: string) => void) | undefined;
  /** The clock (ms since the epoch): the server's shared Clock; tests may replace it. */
  now: () => number;
  #sweep: Iterator<[string, Millis]> | undefined;
  /** When each key was last used (OBJECT IDLETIME / FREQ). */
  #access: AccessTimes;

  /** Database `index`, sharing `shared` with the server's other databases. */
  constructor(index = 0, shared: DbShared = dbShared()) {
    this.index = index;
    this.#shared = shared;
    this.now = shared.clock.now;
    this.#access = new AccessTimes(shared.access);
  }

  /** Changes made so far (in every database of the server). */
  get dirty(): number {
    return this.#shared.dirty;
  }

  set dirty(n: number) {
    this.#shared.dirty = n;
  }

  /** Counters for INFO (the server's, shared by its databases). */
  get stats(): DbStats {
    return this.#shared.stats;
  }

  /**
   * Set while logged commands are replayed: no key counts as expired (lazily, by the sweep, or
   * for commands that check whether a time has passed), as Redis does while loading.
   */
  get loading(): boolean {
    return this.#shared.loading;
  }

  set loading(on: boolean) {
    this.#shared.loading = on;
  }

  /** Keys stored (expired keys not yet removed included, as Redis's DBSIZE). */
  get size(): number {
    return this.#data.size;
  }

  /** Keys with a time to live. */
  get expiresCount(): number {
    return this.#expires.size;
  }

  #touch(key: string | null): void {
    this.#shared.dirty++;
    this.onModified?.(key);
  }

  /** Removes `key` if its time has run out; true if it did. */
  #expireIfNeeded(key: string): boolean {
    const at = this.#expires.get(key);
    if (at === undefined || at > this.now() || this.loading) return false;
    this.#removeExpired(key);
    return true;
  }

  #removeExpired(key: string): void {
    this.#data.delete(key);
    this.#access.delete(key);
    this.#expires.delete(key);
    this.#shared.stats.expiredKeys++;
    this.#shared.events?.emit(Notify.EXPIRED, "expired", key, this.index);
    this.onModified?.(key);
    this.onExpired?.(key);
  }

  #miss(key: string): void {
    this.#shared.stats.keyspaceMisses++;
    this.#shared.events?.emit(Notify.KEY_MISS, "keymiss", key, this.index);
  }

  /** The encoding thresholds of hashes and sets (shared by the server's databases). */
  get limits(): ValueLimits {
    return this.#shared.limits;
  }

  /** The live value of `key` (an expired key is removed first), counting hits and misses. */
  get(key: string): Value | undefined {
    const v = this.getStored(key);
    return typeof v === "string" ? keyBytes(v) : v;
  }

  /**
   * Like {@linkcode get}, in the stored form (GET replies from it without a conversion). The key
   * counts as used unless `touch` is false (Redis's LOOKUP_NOTOUCH: EXISTS, TYPE, TTL).
   */
  getStored(key: string, touch = true): Stored | undefined {
    if (this.#expires.size > 0 && this.#expireIfNeeded(key)) {
      this.#miss(key);
      return undefined;
    }
    const v = this.#data.get(key);
    if (v === undefined) this.#miss(key);
    else {
      this.#shared.stats.keyspaceHits++;
      if (touch) this.#access.touch(key, v);
    }
    return v;
  }

  /** Marks `key`, holding `v`, as used (a write's lookup that found it: lookupKeyWrite). */
  touch(key: string, v: Stored): void {
    this.#access.touch(key, v);
  }

  /** The access field of `key` holding `v`, carried along when the value moves elsewhere. */
  accessOf(key: string, v: Stored): number | undefined {
    return this.#access.fieldOf(key, v);
  }

  /**
   * Gives `key`, just stored with `v`, the access field it had where it came from: a value that
   * moves (RENAME, MOVE) is the same object in Redis and keeps its LRU time or LFU counter.
   */
  keepAccess(key: string, v: Stored, lru: number | undefined): void {
    this.#access.keep(key, v, lru);
  }

  /** OBJECT IDLETIME: seconds since `key`, holding `v`, was last used. */
  idleSeconds(key: string, v: Stored): number {
    return this.#access.idleSeconds(key, v);
  }

  /** OBJECT FREQ: the logarithmic access counter of `key` (holding `v`) under an LFU policy. */
  frequency(key: string, v: Stored): number {
    return this.#access.frequency(key, v);
  }

  /** The live value of `key` without touching the hit/miss counters. */
  peek(key: string): Value | undefined {
    const v = this.peekStored(key);
    return typeof v === "string" ? keyBytes(v) : v;
  }

  /** Like {@linkcode peek}, in the stored form. */
  peekStored(key: string): Stored | undefined {
    if (this.#expires.size > 0 && this.#expireIfNeeded(key)) return undefined;
    return this.#data.get(key);
  }

  /** Whether `key` is stored, live or expired but not yet removed (Redis's dictFind). */
  holds(key: string): boolean {
    return this.#data.has(key);
  }

  /** Whether `key` is stored and its time has run out (Redis's keyIsExpired); removes nothing. */
  isExpired(key: string): boolean {
    const at = this.#expires.get(key);
    return at !== undefined && at <= this.now() && !this.loading;
  }

  /** Whether `key` exists (and has not expired). */
  has(key: string): boolean {
    if (this.#expires.size > 0 && this.#expireIfNeeded(key)) return false;
    return this.#data.has(key);
  }

  /**
   * Stores `value` at `key` (kept as given: pass a copy, never a view into a read buffer).
   * `expireAt` is an absolute time in ms; undefined clears any time to live,
   * {@linkcode KEEP_TTL} keeps the current one.
   */
  set(key: string, value: Stored, expireAt?: Millis): void {
    // As Redis's lookupKeyWrite: an expired key goes (and is announced) before it is replaced.
    if (this.#expires.size > 0) this.#expireIfNeeded(key);
    const events = this.#shared.events;
    const fresh = events !== undefined && (events.flags & Notify.NEW) !== 0 &&
      !this.#data.has(key);
    const old = this.#shared.access.lfu ? this.#data.get(key) : undefined;
    const before = this.#data.size;
    this.#data.set(key, value);
    const added = this.#data.size !== before;
    this.#access.stored(key, value, added, old);
    if (fresh) events.emit(Notify.NEW, "new", key, this.index);
    if (added && value instanceof ListValue) this.#shared.listAdded?.(this.index, key);
    if (expireAt === undefined) {
      if (this.#expires.size > 0) this.#expires.delete(key);
    } else if (expireAt !== KEEP_TTL) {
      this.#expires.set(key, expireAt);
    }
    this.#touch(key);
  }

  /**
   * Records that the hash or set at `key` was changed in place (as {@linkcode set} records a
   * new value): `dirty` and the `onModified` hook (WATCH, client tracking).
   */
  changed(key: string): void {
    this.#touch(key);
  }

  /** Deletes `key`; true if it existed. */
  delete(key: string): boolean {
    if (this.#expires.size > 0 && this.#expireIfNeeded(key)) return false;
    if (!this.#data.delete(key)) return false;
    this.#expires.delete(key);
    this.#access.delete(key);
    this.#touch(key);
    return true;
  }

  /** The absolute expiry time of `key` in ms, or undefined without one (or without key). */
  expireAt(key: string): Millis | undefined {
    if (!this.has(key)) return undefined;
    return this.#expires.get(key);
  }

  /** Sets the absolute expiry time of an existing key; false if the key does not exist. */
  setExpireAt(key: string, at: Millis): boolean {
    const v = this.peekStored(key);
    if (v === undefined) return false;
    this.#expires.set(key, at);
    this.#access.touch(key, v);
    this.#touch(key);
    return true;
  }

  /** Removes the time to live of `key`; true if it had one. */
  persist(key: string): boolean {
    if (!this.has(key) || !this.#expires.delete(key)) return false;
    this.#touch(key);
    return true;
  }

  /** Every live key (for KEYS / SCAN); expired keys are skipped, not removed. */
  *keys(): IterableIterator<string> {
    const now = this.now(), all = this.loading;
    for (const k of this.#data.keys()) {
      const at = this.#expires.get(k);
      if (at === undefined || at > now || all) yield k;
    }
  }

  /** Removes every key; returns how many there were. */
  flush(): number {
    const n = this.#data.size;
    // Before the keys go: WATCH looks at which watched keys were stored.
    this.#touch(null);
    this.#data.clear();
    this.#expires.clear();
    this.#access.clear();
    this.#sweep = undefined;
    // As Redis's emptyData: the estimate starts over.
    this.avgTtl = 0;
    return n;
  }

  /**
   * Exchanges every key and time to live with `other` (SWAPDB): each database keeps its index,
   * so what watches an index sees the other's keys.
   */
  swapWith(other: Db): void {
    [this.#data, other.#data] = [other.#data, this.#data];
    [this.#expires, other.#expires] = [other.#expires, this.#expires];
    this.#access.swapWith(other.#access);
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
    this.#sweep = other.#sweep = undefined;
  }

  /**
   * One round of the active expiry sweep, like Redis's activeExpireCycle: looks at up to
   * `sample` keys with a time to live, removes the expired ones, and repeats while more than a
   * quarter of a sample had expired and `budgetMs` is not spent. Returns the keys removed.
   */
  sweep(sample = 20, budgetMs = 5): number {
    if (this.#expires.size === 0) {
      this.avgTtl = 0;
      return 0;
    }
    if (this.loading) return 0;
    const start = performance.now();
    let removed = 0;
    while (true) {
      const now = this.now();
      let looked = 0, expired = 0, ttlSum = 0, ttlSamples = 0;
      this.#sweep ??= this.#expires.entries();
      while (looked < sample) {
        const r = this.#sweep.next();
        if (r.done) {
          // Start over from the beginning on the next round.
          this.#sweep = undefined;
          break;
        }
        looked++;
        const [key, at] = r.value;
        if (at <= now) {
          this.#removeExpired(key);
          expired++;
        } else {
          ttlSum += Number(at) - now;
          ttlSamples++;
        }
      }
      // Redis's estimate: the sample's mean, folded in with a weight of 1/50.
      if (ttlSamples > 0) {
        const avg = Math.floor(ttlSum / ttlSamples);
        this.avgTtl = this.avgTtl === 0
          ? avg
          : Math.floor(this.avgTtl / 50) * 49 + Math.floor(avg / 50);
      }
      removed += expired;
      if (looked === 0 || expired * 4 <= looked || this.#expires.size === 0) break;
      if (performance.now() - start > budgetMs) break;
    }
    return removed;
  }
}
