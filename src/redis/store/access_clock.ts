// When each key was last used, for OBJECT IDLETIME and OBJECT FREQ, kept as Redis 7.0 keeps the
// 24 bits `lru` of every object (evict.c): under an LRU (or no) eviction policy the LRU clock in
// seconds, under an LFU policy the time in minutes (16 bits) and a logarithmic access counter
// (8 bits). A lookup touches the key (lookupKey without LOOKUP_NOTOUCH), a new value starts at
// "now" (createObject). One small integer per key; a touch in LRU mode
// writes it at most once a second, and the clock it reads is cached (Redis's server.lruclock).
// A hash, set or list carries its field itself; a string's is kept in a Map beside the values.

/** The LRU clock wraps at 24 bits (LRU_CLOCK_MAX). */
export const LRU_CLOCK_MAX = (1 << 24) - 1;
/** A new key's LFU counter (LFU_INIT_VAL). */
export const LFU_INIT_VAL = 5;

/** What the access times read: the policy and Redis's cached clocks. */
export interface AccessPolicy {
  /** maxmemory-policy (nothing is evicted: maxmemory is 0). */
  policy: string;
  /** An LFU maxmemory-policy is selected. */
  lfu: boolean;
  /** lfu-log-factor. */
  lfuLogFactor: number;
  /** lfu-decay-time (minutes per halving step; 0: never decays). */
  lfuDecayTime: number;
  /** The LRU clock: seconds since the epoch, 24 bits, updated with the cron. */
  lruClock: number;
  /** Minutes since the epoch, 16 bits (LFUGetTimeInMinutes). */
  minutes: number;
}

/** A fresh policy (noeviction, Redis's LFU defaults) reading `nowMs`. */
export function accessPolicy(nowMs: number): AccessPolicy {
  const p = {
    policy: "noeviction",
    lfu: false,
    lfuLogFactor: 10,
    lfuDecayTime: 1,
    lruClock: 0,
    minutes: 0,
  };
  tickAccessClock(p, nowMs);
  return p;
}

/** Updates the cached clocks (the cron's job, every 100 ms, and after the clock jumps). */
export function tickAccessClock(p: AccessPolicy, nowMs: number): void {
  p.lruClock = Math.floor(nowMs / 1000) & LRU_CLOCK_MAX;
  p.minutes = Math.floor(nowMs / 60000) & 65535;
}

/** The LFU counter after decay (LFUDecrAndReturn). */
function lfuDecayed(p: AccessPolicy, lru: number): number {
  const ldt = lru >>> 8, counter = lru & 255;
  if (p.lfuDecayTime === 0) return counter;
  const elapsed = p.minutes >= ldt ? p.minutes - ldt : 65535 - ldt + p.minutes;
  const periods = Math.floor(elapsed / p.lfuDecayTime);
  return periods > counter ? 0 : counter - periods;
}

/** LFULogIncr: a counter that grows ever more slowly. */
function lfuIncrement(p: AccessPolicy, counter: number): number {
  if (counter === 255) return 255;
  const base = Math.max(0, counter - LFU_INIT_VAL);
  return Math.random() < 1 / (base * p.lfuLogFactor + 1) ? counter + 1 : counter;
}

/** A stored value: a string's field is kept in a Map beside it, a collection carries its own. */
export type Held = string | Uint8Array | { lru: number };

/** The access fields of one database's keys. */
export class AccessTimes {
  /** The fields of string values; collections keep theirs in `lru`. */
  #strings = new Map<string, number>();
  readonly #p: AccessPolicy;

  constructor(policy: AccessPolicy) {
    this.#p = policy;
  }

  #get(key: string, v: Held): number | undefined {
    return typeof v === "object" && !(v instanceof Uint8Array) ? v.lru : this.#strings.get(key);
  }

  #put(key: string, v: Held, lru: number): void {
    if (typeof v === "object" && !(v instanceof Uint8Array)) v.lru = lru;
    else this.#strings.set(key, lru);
  }

  /**
   * `v` was stored at `key`; `added` when the key held nothing. A new value is used now
   * (createObject); one replacing `old` under LFU (where the caller passes it) inherits the old
   * one's counter, touched by the lookup that found it (dbOverwrite).
   */
  stored(key: string, v: Held, added: boolean, old?: Held): void {
    const p = this.#p;
    let lru = p.lruClock;
    if (p.lfu) {
      lru = added || old === undefined
        ? (p.minutes << 8) | LFU_INIT_VAL
        : this.#next(this.#get(key, old) ?? 0);
    }
    // A collection replacing a string: the string's field goes.
    if (!added && typeof v === "object" && !(v instanceof Uint8Array)) this.#strings.delete(key);
    this.#put(key, v, lru);
  }

  /** A lookup of `key` holding `v` that touches it (lookupKey without LOOKUP_NOTOUCH). */
  touch(key: string, v: Held): void {
    const p = this.#p;
    if (p.lfu) this.#put(key, v, this.#next(this.#get(key, v) ?? 0));
    else if (this.#get(key, v) !== p.lruClock) this.#put(key, v, p.lruClock);
  }

  /** The LFU field after one more access (updateLFU). */
  #next(lru: number): number {
    const p = this.#p;
    return (p.minutes << 8) | lfuIncrement(p, lfuDecayed(p, lru));
  }

  /** The field of `key` holding `v` (to carry it along when the value moves). */
  fieldOf(key: string, v: Held): number | undefined {
    return this.#get(key, v);
  }

  /** Sets the field of `key` holding `v` (a value moved here: RENAME, MOVE). */
  keep(key: string, v: Held, lru: number | undefined): void {
    if (lru !== undefined) this.#put(key, v, lru);
  }

  /** Forgets `key` (deleted or expired). */
  delete(key: string): void {
    this.#strings.delete(key);
  }

  /** Forgets every key. */
  clear(): void {
    this.#strings = new Map();
  }

  /** Exchanges every key's field with `other` (SWAPDB). */
  swapWith(other: AccessTimes): void {
    [this.#strings, other.#strings] = [other.#strings, this.#strings];
  }

  /** OBJECT IDLETIME: seconds since `key` (holding `v`) was last used (estimateObjectIdleTime). */
  idleSeconds(key: string, v: Held): number {
    const clock = this.#p.lruClock;
    const lru = this.#get(key, v) ?? clock;
    return clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru);
  }

  /** OBJECT FREQ: the LFU counter after decay. */
  frequency(key: string, v: Held): number {
    return lfuDecayed(this.#p, this.#get(key, v) ?? 0);
  }
}
