// A set value. Members are binary strings in one array, so a random member (SPOP, SRANDMEMBER)
// is one index away; past INDEX_OVER members a Map from member to position makes SISMEMBER O(1).
//
// `intset` follows Redis 7.0's encoding rules (value_limits.ts): while every member is an
// integer and there are few, the set is an intset, kept sorted by value as Redis's intset is
// (SMEMBERS answers in that order; lookups are a binary search); once a hashtable, always one.
// A hashtable removes by moving the last member into the gap, which keeps SSCAN's reverse walk
// complete (scan_cursor.ts).

import { compareInt, INDEX_OVER, isInt64, type ValueLimits } from "./value_limits.ts";

/** A set of members. */
export class SetValue {
  /** When it was last used (OBJECT IDLETIME / FREQ, store/access_clock.ts). */
  lru = 0;
  members: string[] = [];
  #idx: Map<string, number> | undefined;
  /** Redis's encoding: intset (true) or hashtable. */
  intset = true;

  /** Members held. */
  get size(): number {
    return this.members.length;
  }

  /** The position of `m` in `members`, or -1. */
  find(m: string): number {
    if (this.intset) {
      if (!isInt64(m)) return -1;
      const i = this.#search(m);
      return i < this.members.length && this.members[i] === m ? i : -1;
    }
    if (this.#idx !== undefined) return this.#idx.get(m) ?? -1;
    return this.members.indexOf(m);
  }

  /** Whether `m` is a member. */
  has(m: string): boolean {
    return this.find(m) >= 0;
  }

  /** The first position whose member is not below `m` (intset only). */
  #search(m: string): number {
    const a = this.members;
    let lo = 0, hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareInt(a[mid]!, m) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds `m`; true if it is new. */
  add(m: string, limits: ValueLimits): boolean {
    if (this.intset) {
      if (isInt64(m)) {
        const i = this.#search(m);
        if (i < this.members.length && this.members[i] === m) return false;
        this.members.splice(i, 0, m);
        if (this.members.length > limits.setIntEntries) this.#toHashtable();
        return true;
      }
      this.#toHashtable();
    }
    if (this.find(m) >= 0) return false;
    const n = this.members.length;
    this.members.push(m);
    if (this.#idx !== undefined) this.#idx.set(m, n);
    else if (n + 1 > INDEX_OVER) this.#reindex();
    return true;
  }

  #toHashtable(): void {
    this.intset = false;
    if (this.members.length > INDEX_OVER) this.#reindex();
  }

  #reindex(): void {
    const idx = this.#idx = new Map();
    const a = this.members;
    for (let i = 0; i < a.length; i++) idx.set(a[i]!, i);
  }

  /** Removes `m`; true if it was there. */
  delete(m: string): boolean {
    const i = this.find(m);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  /** Removes the member at position `i`. */
  removeAt(i: number): void {
    const a = this.members;
    if (this.intset) {
      a.splice(i, 1);
      return;
    }
    const idx = this.#idx;
    idx?.delete(a[i]!);
    const last = a.length - 1;
    if (i !== last) {
      a[i] = a[last]!;
      idx?.set(a[i]!, i);
    }
    a.length = last;
    if (idx !== undefined && last <= INDEX_OVER >> 1) this.#idx = undefined;
  }

  /** A copy (COPY). */
  clone(): SetValue {
    const s = new SetValue();
    s.members = this.members.slice();
    s.intset = this.intset;
    if (this.#idx !== undefined) s.#idx = new Map(this.#idx);
    return s;
  }
}
