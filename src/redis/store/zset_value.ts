// A sorted set value: members and scores in two flat arrays, a Map from member to its slot
// (ZSCORE in O(1)), beside the ordered pairs (zset_tree.ts: rank and range in O(log n)). A delete
// moves the last slot into the gap, as hash_table.ts does, so ZSCAN's walk over slots from the
// end keeps Redis's guarantee: every member present for the whole scan is returned. Both encodings of Redis 7.0 share this form; the
// `listpack` flag follows Redis's rules (zset-max-listpack-entries / -value, value_limits.ts), so
// OBJECT ENCODING answers as Redis does, and replies never depend on it (a listpack is sorted
// too). Once a skiplist, always one, except for the results that Redis converts back (STORE).

import { type Before, type Pos, ZTree } from "./zset_tree.ts";
import type { ValueLimits } from "./value_limits.ts";

export type { Before, Pos };

/** A sorted set: members (binary strings) with double scores, ordered by score then bytes. */
export class ZSetValue {
  /** When it was last used (OBJECT IDLETIME / FREQ, store/access_clock.ts). */
  lru = 0;
  /** Member to slot. */
  readonly #slot = new Map<string, number>();
  /** Members by slot. */
  readonly #members: string[] = [];
  /** Scores by slot (unboxed doubles). */
  readonly #scores: number[] = [];
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
    return this.#members.length;
  }

  /** The score of `member`, or undefined. */
  score(member: string): number | undefined {
    const i = this.#slot.get(member);
    return i === undefined ? undefined : this.#scores[i];
  }

  /** The member in slot `i` (0 <= i < size): slots are in no order, and move on deletes. */
  memberAt(i: number): string {
    return this.#members[i]!;
  }

  /** The score of the member in slot `i`. */
  scoreAt(i: number): number {
    return this.#scores[i]!;
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
      this.tree.delete(old, member);
    } else if (
      this.listpack && (this.size + 1 > limits.zsetEntries ||
        member.length > limits.zsetValue)
    ) {
      this.listpack = false;
    }
    // A listpack holds scores as text, where -0 reads back as 0.
    if (this.listpack && score === 0) score = 0;
    this.#store(member, score);
    this.tree.insert(score, member);
  }

  /** Removes `member`; true if it was there. */
  delete(member: string): boolean {
    const i = this.#slot.get(member);
    if (i === undefined) return false;
    this.tree.delete(this.#scores[i]!, member);
    this.#slot.delete(member);
    const members = this.#members, scores = this.#scores;
    const last = members.length - 1;
    if (i !== last) {
      members[i] = members[last]!;
      scores[i] = scores[last]!;
      this.#slot.set(members[i]!, i);
    }
    members.length = last;
    scores.length = last;
    return true;
  }

  /** Sets the score of `member` in its slot, giving it the next slot when new. */
  #store(member: string, score: number): void {
    const i = this.#slot.get(member);
    if (i !== undefined) {
      this.#scores[i] = score;
      return;
    }
    this.#slot.set(member, this.#members.length);
    this.#members.push(member);
    this.#scores.push(score);
  }

  /** The 0-based rank of `member` in ascending order, or -1. */
  rank(member: string): number {
    const s = this.score(member);
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

  /** Every member with its score, in slot order. */
  *entries(): IterableIterator<[string, number]> {
    for (let i = 0; i < this.#members.length; i++) yield [this.#members[i]!, this.#scores[i]!];
  }

  /**
   * Makes a freshly built result a listpack when it fits one, as Redis converts a STORE's result
   * (zsetConvertToListpackIfNeeded); a listpack's -0 scores read back as 0.
   */
  listpackIfFits(limits: ValueLimits): void {
    this.listpack = false;
    if (this.size > limits.zsetEntries) return;
    const zeros: string[] = [];
    for (let i = 0; i < this.#members.length; i++) {
      const m = this.#members[i]!;
      if (m.length > limits.zsetValue) return;
      if (Object.is(this.#scores[i], -0)) zeros.push(m);
    }
    this.listpack = true;
    for (const m of zeros) {
      this.tree.delete(-0, m);
      this.tree.insert(0, m);
      this.#store(m, 0);
    }
  }

  /** A copy (COPY). */
  clone(): ZSetValue {
    const z = new ZSetValue();
    z.listpack = this.listpack;
    this.walk(0, this.size, false, (m, s) => {
      z.#store(m, s);
      z.tree.insert(s, m);
    });
    return z;
  }
}
