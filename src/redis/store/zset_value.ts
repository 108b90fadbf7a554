// A sorted set value in Redis 7.0's two encodings. A listpack-encoded set (at most
// zset-max-listpack-entries members of at most zset-max-listpack-value bytes, value_limits.ts)
// is two flat arrays in order, members and scores: O(n) lookups for a small n, as Redis's
// listpack, and a few hundred bytes a key instead of a map and a tree. A skiplist-encoded set
// keeps members and scores in slots with a Map from member to slot (ZSCORE in O(1)) beside the
// ordered pairs (zset_tree.ts: rank and range in O(log n)); a delete moves the last slot into
// the gap, as hash_table.ts does, so ZSCAN's walk over slots from the end keeps Redis's
// guarantee: every member present for the whole scan is returned. OBJECT ENCODING answers as Redis
// does, and replies never depend on the encoding. Once a skiplist, always one, except for the
// results that Redis converts back (STORE).

import { type Before, pairLess, type Pos, ZTree } from "./zset_tree.ts";
import type { ValueLimits } from "./value_limits.ts";

export type { Before, Pos };

/** The skiplist encoding's parts. */
interface Big {
  /** Member to slot. */
  slot: Map<string, number>;
  /** Members by slot. */
  members: string[];
  /** Scores by slot (unboxed doubles). */
  scores: number[];
  tree: ZTree;
}

/** A sorted set: members (binary strings) with double scores, ordered by score then bytes. */
export class ZSetValue {
  /** When it was last used (OBJECT IDLETIME / FREQ, store/access_clock.ts). */
  lru = 0;
  /** Listpack encoding: the members in order (slots are ranks). */
  #m: string[] | undefined = [];
  /** Listpack encoding: their scores. */
  #s: number[] | undefined = [];
  /** Skiplist encoding. */
  #big: Big | undefined;

  /** An empty set whose encoding Redis would pick for a first member `first` long. */
  static create(limits: ValueLimits, firstLength: number): ZSetValue {
    const z = new ZSetValue();
    if (limits.zsetEntries === 0 || firstLength > limits.zsetValue) z.listpack = false;
    return z;
  }

  /** Redis's encoding: listpack (true) or skiplist. Setting true requires a set that fits. */
  get listpack(): boolean {
    return this.#big === undefined;
  }

  set listpack(small: boolean) {
    if (small === this.listpack) return;
    if (small) {
      const big = this.#big!;
      const n = big.tree.size;
      const m = new Array<string>(n), s = new Array<number>(n);
      let i = 0;
      big.tree.walk(0, n, false, (member, score) => {
        m[i] = member;
        s[i++] = score;
      });
      this.#m = m;
      this.#s = s;
      this.#big = undefined;
    } else {
      const m = this.#m!, s = this.#s!;
      const big: Big = { slot: new Map(), members: m, scores: s, tree: new ZTree() };
      for (let i = 0; i < m.length; i++) {
        big.slot.set(m[i]!, i);
        big.tree.insert(s[i]!, m[i]!);
      }
      this.#big = big;
      this.#m = this.#s = undefined;
    }
  }

  /** Members held. */
  get size(): number {
    return this.#big === undefined ? this.#m!.length : this.#big.members.length;
  }

  /** The position of `member` in a listpack, or -1. */
  #find(member: string): number {
    return this.#m!.indexOf(member);
  }

  /** The score of `member`, or undefined. */
  score(member: string): number | undefined {
    const big = this.#big;
    if (big === undefined) {
      const i = this.#find(member);
      return i === -1 ? undefined : this.#s![i];
    }
    const i = big.slot.get(member);
    return i === undefined ? undefined : big.scores[i];
  }

  /** The member in slot `i` (0 <= i < size): slots are in no order, and move on deletes. */
  memberAt(i: number): string {
    return this.#big === undefined ? this.#m![i]! : this.#big.members[i]!;
  }

  /** The score of the member in slot `i`. */
  scoreAt(i: number): number {
    return this.#big === undefined ? this.#s![i]! : this.#big.scores[i]!;
  }

  /**
   * Sets `member`'s score (adding it when new), converting to a skiplist past the limits as
   * Redis's zsetAdd does.
   */
  set(member: string, score: number, limits: ValueLimits): void {
    this.put(member, score, limits, this.score(member));
  }

  /** Like {@linkcode set} when the caller has looked up `old`, the member's current score. */
  put(member: string, score: number, limits: ValueLimits, old: number | undefined): void {
    if (old !== undefined) {
      if (old === score) return;
    } else if (
      this.listpack && (this.size + 1 > limits.zsetEntries || member.length > limits.zsetValue)
    ) {
      this.listpack = false;
    }
    const big = this.#big;
    if (big === undefined) {
      // A listpack holds scores as text, where -0 reads back as 0.
      if (score === 0) score = 0;
      if (old !== undefined) this.#removeAt(this.#find(member));
      this.#insert(member, score);
      return;
    }
    if (old !== undefined) big.tree.delete(old, member);
    const i = big.slot.get(member);
    if (i !== undefined) big.scores[i] = score;
    else {
      big.slot.set(member, big.members.length);
      big.members.push(member);
      big.scores.push(score);
    }
    big.tree.insert(score, member);
  }

  /** Inserts (score, member) in a listpack's order. */
  #insert(member: string, score: number): void {
    const m = this.#m!, s = this.#s!;
    let lo = 0, hi = m.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairLess(s[mid]!, m[mid]!, score, member)) lo = mid + 1;
      else hi = mid;
    }
    // New arrays of the exact size: a grown array keeps half again its length in spare slots,
    // which is most of a small set's memory.
    const n = m.length;
    const nm = new Array<string>(n + 1), ns = new Array<number>(n + 1);
    for (let i = 0; i < lo; i++) {
      nm[i] = m[i]!;
      ns[i] = s[i]!;
    }
    nm[lo] = member;
    ns[lo] = score;
    for (let i = lo; i < n; i++) {
      nm[i + 1] = m[i]!;
      ns[i + 1] = s[i]!;
    }
    this.#m = nm;
    this.#s = ns;
  }

  #removeAt(i: number): void {
    const m = this.#m!, s = this.#s!, n = m.length;
    const nm = new Array<string>(n - 1), ns = new Array<number>(n - 1);
    for (let j = 0; j < i; j++) {
      nm[j] = m[j]!;
      ns[j] = s[j]!;
    }
    for (let j = i + 1; j < n; j++) {
      nm[j - 1] = m[j]!;
      ns[j - 1] = s[j]!;
    }
    this.#m = nm;
    this.#s = ns;
  }

  /** Removes `member`; true if it was there. */
  delete(member: string): boolean {
    const big = this.#big;
    if (big === undefined) {
      const i = this.#find(member);
      if (i === -1) return false;
      this.#removeAt(i);
      return true;
    }
    const i = big.slot.get(member);
    if (i === undefined) return false;
    big.tree.delete(big.scores[i]!, member);
    big.slot.delete(member);
    const members = big.members, scores = big.scores;
    const last = members.length - 1;
    if (i !== last) {
      members[i] = members[last]!;
      scores[i] = scores[last]!;
      big.slot.set(members[i]!, i);
    }
    members.length = last;
    scores.length = last;
    return true;
  }

  /** The 0-based rank of `member` in ascending order, or -1. */
  rank(member: string): number {
    const big = this.#big;
    if (big === undefined) return this.#find(member);
    const s = this.score(member);
    return s === undefined ? -1 : big.tree.rank(s, member);
  }

  /** How many pairs satisfy `before` (a bound: true for a prefix of the order). */
  countBefore(before: Before): number {
    const big = this.#big;
    if (big !== undefined) return big.tree.countBefore(before);
    const m = this.#m!, s = this.#s!;
    let lo = 0, hi = m.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(s[mid]!, m[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Calls `f` on `count` pairs from rank `from`, ascending or (`rev`) descending from there. */
  walk(
    from: number,
    count: number,
    rev: boolean,
    f: (member: string, score: number) => void,
  ): void {
    const big = this.#big;
    if (big !== undefined) {
      big.tree.walk(from, count, rev, f);
      return;
    }
    // As the tree's walk: backwards means from rank `from` down.
    const m = this.#m!, s = this.#s!, n = m.length;
    if (count <= 0 || n === 0) return;
    if (rev) {
      for (let i = Math.min(from, n - 1); i >= 0 && count > 0; i--, count--) f(m[i]!, s[i]!);
    } else {
      for (let i = Math.max(from, 0); i < n && count > 0; i++, count--) f(m[i]!, s[i]!);
    }
  }

  /** The `count` pairs from rank `from` (ascending, or descending with `rev`) as two arrays. */
  slice(from: number, count: number, rev = false): { m: string[]; s: number[] } {
    const m: string[] = [], s: number[] = [];
    this.walk(from, count, rev, (member, score) => {
      m.push(member);
      s.push(score);
    });
    return { m, s };
  }

  /** Every member with its score, in slot order. */
  *entries(): IterableIterator<[string, number]> {
    const n = this.size;
    for (let i = 0; i < n; i++) yield [this.memberAt(i), this.scoreAt(i)];
  }

  /**
   * Makes a freshly built result a listpack when it fits one, as Redis converts a STORE's result
   * (zsetConvertToListpackIfNeeded); a listpack's -0 scores read back as 0.
   */
  listpackIfFits(limits: ValueLimits): void {
    this.listpack = false;
    if (this.size > limits.zsetEntries) return;
    const big = this.#big!;
    for (const m of big.members) if (m.length > limits.zsetValue) return;
    this.listpack = true;
    const s = this.#s!;
    for (let i = 0; i < s.length; i++) if (s[i] === 0) s[i] = 0;
  }

  /** A copy (COPY). */
  clone(): ZSetValue {
    const z = new ZSetValue();
    if (this.#big === undefined) {
      z.#m = this.#m!.slice();
      z.#s = this.#s!.slice();
      return z;
    }
    z.listpack = false;
    const big = z.#big!;
    this.walk(0, this.size, false, (m, s) => {
      big.slot.set(m, big.members.length);
      big.members.push(m);
      big.scores.push(s);
      big.tree.insert(s, m);
    });
    return z;
  }
}
