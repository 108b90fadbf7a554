// A sorted set value: a Map from member to score (ZSCORE in O(1)) beside the ordered pairs
// (zset_tree.ts: rank and range in O(log n)). Both encodings of Redis 7.0 share this form; the
// `listpack` flag follows Redis's rules (zset-max-listpack-entries / -value, value_limits.ts), so
// OBJECT ENCODING answers as Redis does, and replies never depend on it (a listpack is sorted
// too). Once a skiplist, always one, except for the results that Redis converts back (STORE).

import { type Before, type Pos, ZTree } from "./zset_tree.ts";
import type { ValueLimits } from "./value_limits.ts";

export type { Before, Pos };

/** A sorted set: members (binary strings) with double scores, ordered by score then bytes. */
export class ZSetValue {
  readonly #scores = new Map<string, number>();
  readonly tree = new ZTree();
  /** Redis's encoding: listpack (true) or skiplist. */
  listpack = true;

  /** An empty set whose encoding Redis would pick for a first member `first` long. */
  static create(limits: ValueLimits, firstLength: number): ZSetValue {
    const z = new ZSetValue();
    if (limits.zsetEntries === 0 || firstLength > limits.zsetValue) z.listpack = false;
    return z;
  }

  /** Members held. */
  get size(): number {
    return this.#scores.size;
  }

  /** The score of `member`, or undefined. */
  score(member: string): number | undefined {
    return this.#scores.get(member);
  }

  /**
   * Sets `member`'s score (adding it when new), converting to a skiplist past the limits as
   * Redis's zsetAdd does.
   */
  set(member: string, score: number, limits: ValueLimits): void {
    this.put(member, score, limits, this.#scores.get(member));
  }

  /** Like {@linkcode set} when the caller has looked up `old`, the member's current score. */
  put(member: string, score: number, limits: ValueLimits, old: number | undefined): void {
    if (old !== undefined) {
      if (old === score) return;
      this.tree.delete(old, member);
    } else if (
      this.listpack && (this.#scores.size + 1 > limits.zsetEntries ||
        member.length > limits.zsetValue)
    ) {
      this.listpack = false;
    }
    // A listpack holds scores as text, where -0 reads back as 0.
    if (this.listpack && score === 0) score = 0;
    this.#scores.set(member, score);
    this.tree.insert(score, member);
  }

  /** Removes `member`; true if it was there. */
  delete(member: string): boolean {
    const old = this.#scores.get(member);
    if (old === undefined) return false;
    this.#scores.delete(member);
    this.tree.delete(old, member);
    return true;
  }

  /** The 0-based rank of `member` in ascending order, or -1. */
  rank(member: string): number {
    const s = this.#scores.get(member);
    return s === undefined ? -1 : this.tree.rank(s, member);
  }

  /** How many pairs satisfy `before` (a bound: true for a prefix of the order). */
  countBefore(before: Before): number {
    return this.tree.countBefore(before);
  }

  /** Calls `f` on `count` pairs from rank `from`, ascending or (`rev`) descending. */
  walk(
    from: number,
    count: number,
    rev: boolean,
    f: (member: string, score: number) => void,
  ): void {
    this.tree.walk(from, count, rev, f);
  }

  /** The `count` pairs from rank `from` (ascending, or descending with `rev`) as two arrays. */
  slice(from: number, count: number, rev = false): { m: string[]; s: number[] } {
    const m: string[] = [], s: number[] = [];
    this.tree.walk(from, count, rev, (member, score) => {
      m.push(member);
      s.push(score);
    });
    return { m, s };
  }

  /** Every member with its score, in no particular order (Map order). */
  entries(): IterableIterator<[string, number]> {
    return this.#scores.entries();
  }

  /**
   * Makes a freshly built result a listpack when it fits one, as Redis converts a STORE's result
   * (zsetConvertToListpackIfNeeded); a listpack's -0 scores read back as 0.
   */
  listpackIfFits(limits: ValueLimits): void {
    this.listpack = false;
    if (this.size > limits.zsetEntries) return;
    const zeros: string[] = [];
    for (const [m, sc] of this.#scores) {
      if (m.length > limits.zsetValue) return;
      if (Object.is(sc, -0)) zeros.push(m);
    }
    this.listpack = true;
    for (const m of zeros) {
      this.tree.delete(-0, m);
      this.tree.insert(0, m);
      this.#scores.set(m, 0);
    }
  }

  /** A copy (COPY). */
  clone(): ZSetValue {
    const z = new ZSetValue();
    z.listpack = this.listpack;
    this.walk(0, this.size, false, (m, s) => {
      z.#scores.set(m, s);
      z.tree.insert(s, m);
    });
    return z;
  }
}
