// A sorted set value in Redis 7.0's two encodings. A listpack-encoded set (at most
// zset-max-listpack-entries members of at most zset-max-listpack-value bytes, value_limits.ts)
// is one binary string holding the pairs in order (zset_listpack.ts): O(n) lookups for a small
// n, as Redis's listpack, and about a hundred bytes a key instead of a map and a tree. A skiplist-encoded set
// keeps members and scores in slots with a Map from member to slot (ZSCORE in O(1)) beside the
// ordered pairs (zset_tree.ts: rank and range in O(log n)); a delete moves the last slot into
// the gap, as hash_table.ts does, so ZSCAN's walk over slots from the end keeps Redis's
// guarantee: every member present for the whole scan is returned. OBJECT ENCODING answers as Redis
// does, and replies never depend on the encoding. Once a skiplist, always one, except for the
// results that Redis converts back (STORE).

import { type Before, type Pos, ZTree } from "./zset_tree.ts";
import type { ValueLimits } from "./value_limits.ts";
import {
  EMPTY_ZLP,
  zlpCount,
  zlpCountBefore,
  zlpFind,
  zlpFoundScore,
  zlpFromOrdered,
  zlpInsert,
  zlpMemberAt,
  zlpRemoveFound,
  zlpScoreAt,
  zlpWalk,
} from "./zset_listpack.ts";

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
  /** Listpack encoding: the pairs in order (slots are ranks). */
  #lp: string | undefined = EMPTY_ZLP;
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
      const tree = this.#big!.tree;
      this.#lp = zlpFromOrdered(tree.size, (f) => tree.walk(0, tree.size, false, f));
      this.#big = undefined;
    } else {
      const big: Big = { slot: new Map(), members: [], scores: [], tree: new ZTree() };
      zlpWalk(this.#lp!, 0, zlpCount(this.#lp!), false, (m, s) => {
        big.slot.set(m, big.members.length);
        big.members.push(m);
        big.scores.push(s);
        big.tree.insert(s, m);
      });
      this.#big = big;
      this.#lp = undefined;
    }
  }

  /** Members held. */
  get size(): number {
    return this.#big === undefined ? zlpCount(this.#lp!) : this.#big.members.length;
  }

  /** The score of `member`, or undefined. */
  score(member: string): number | undefined {
    const big = this.#big;
    if (big === undefined) {
      return zlpFind(this.#lp!, member) === -1 ? undefined : zlpFoundScore();
    }
    const i = big.slot.get(member);
    return i === undefined ? undefined : big.scores[i];
  }

  /** The member in slot `i` (0 <= i < size): slots are in no order, and move on deletes. */
  memberAt(i: number): string {
    return this.#big === undefined ? zlpMemberAt(this.#lp!, i) : this.#big.members[i]!;
  }

  /** The score of the member in slot `i`. */
  scoreAt(i: number): number {
    return this.#big === undefined ? zlpScoreAt(this.#lp!, i) : this.#big.scores[i]!;
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
      // A listpack holds scores as text, where -0 reads back as 0 (zlpInsert stores it so).
      let lp = this.#lp!;
      if (old !== undefined && zlpFind(lp, member) !== -1) lp = zlpRemoveFound(lp);
      this.#lp = zlpInsert(lp, member, score);
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

  /** Removes `member`; true if it was there. */
  delete(member: string): boolean {
    const big = this.#big;
    if (big === undefined) {
      const lp = this.#lp!;
      if (zlpFind(lp, member) === -1) return false;
      this.#lp = zlpRemoveFound(lp);
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
    if (big === undefined) return zlpFind(this.#lp!, member);
    const s = this.score(member);
    return s === undefined ? -1 : big.tree.rank(s, member);
  }

  /** How many pairs satisfy `before` (a bound: true for a prefix of the order). */
  countBefore(before: Before): number {
    const big = this.#big;
    if (big !== undefined) return big.tree.countBefore(before);
    return zlpCountBefore(this.#lp!, before);
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
    zlpWalk(this.#lp!, from, count, rev, f);
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
    if (this.#big === undefined) {
      const { m, s } = this.slice(0, this.size);
      for (let i = 0; i < m.length; i++) yield [m[i]!, s[i]!];
      return;
    }
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
  }

  /** A copy (COPY). */
  clone(): ZSetValue {
    const z = new ZSetValue();
    if (this.#big === undefined) {
      z.#lp = this.#lp;
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
