// The ordered half of a sorted set: a B+tree of (score, member) pairs with a count per child, so
// inserts, deletes, rank lookups and seeks by rank or by a bound are O(log n), and a range of m
// items is O(log n + m) along the linked leaves. Scores and members sit in parallel arrays in
// leaves of up to 64 pairs, which costs far less per member than a skiplist node object.
// Order: by score, ties by member bytes (binary strings compare as memcmp, then length).
//
// Inner nodes keep, for each child but the first, a separator: a pair no greater than any pair in
// that child and greater than every pair of the children before it. A node left under half full
// by a delete takes pairs (children) from a neighbour under the same parent, or merges with it
// when both fit in one node, so after many deletes the tree stays compact and O(log n) deep.

/** A leaf: pairs in order, linked to its neighbours. */
export class Leaf {
  m: string[] = [];
  s: number[] = [];
  next: Leaf | undefined;
  prev: Leaf | undefined;
}

class Inner {
  kids: Node[] = [];
  cnt: number[] = [];
  sepS: number[] = [];
  sepM: string[] = [];
}

type Node = Leaf | Inner;

/**
 * A predicate true for a prefix of the order (the pairs "before" a bound): what
 * {@linkcode ZTree.countBefore} counts.
 */
export type Before = (score: number, member: string) => boolean;

/** A position: a leaf and an index in it. */
export interface Pos {
  leaf: Leaf;
  i: number;
}

/** Whether (s1, m1) orders before (s2, m2). */
export function pairLess(s1: number, m1: string, s2: number, m2: string): boolean {
  return s1 < s2 || (s1 === s2 && m1 < m2);
}

/** The ordered pairs of a sorted set. */
export class ZTree {
  #root: Node = new Leaf();
  #size = 0;
  #first: Leaf;
  #last: Leaf;
  readonly #leafMax: number;
  readonly #innerMax: number;

  /** A tree whose leaves hold up to `leafMax` pairs and inner nodes `innerMax` children. */
  constructor(leafMax = 64, innerMax = 64) {
    this.#first = this.#last = this.#root as Leaf;
    this.#leafMax = leafMax;
    this.#innerMax = innerMax;
  }

  /** Pairs held. */
  get size(): number {
    return this.#size;
  }

  /** Inserts (score, member), which must not be held. */
  insert(score: number, member: string): void {
    const path: Inner[] = [];
    const idx: number[] = [];
    let n = this.#root;
    while (n instanceof Inner) {
      const i = childFor(n, score, member);
      n.cnt[i]!++;
      path.push(n);
      idx.push(i);
      n = n.kids[i]!;
    }
    const leaf = n;
    const at = pairSearch(leaf, score, member);
    leaf.m.splice(at, 0, member);
    leaf.s.splice(at, 0, score);
    this.#size++;
    if (leaf.m.length > this.#leafMax) this.#splitLeaf(leaf, path, idx);
  }

  #splitLeaf(leaf: Leaf, path: Inner[], idx: number[]): void {
    const half = leaf.m.length >> 1;
    const right = new Leaf();
    right.m = leaf.m.splice(half);
    right.s = leaf.s.splice(half);
    right.next = leaf.next;
    right.prev = leaf;
    if (leaf.next !== undefined) leaf.next.prev = right;
    else this.#last = right;
    leaf.next = right;
    this.#grow(path, idx, leaf, right, right.s[0]!, right.m[0]!, right.m.length);
  }

  /** Puts `right` (holding `rc` pairs, split from `left`) after `left` in its parent. */
  #grow(
    path: Inner[],
    idx: number[],
    left: Node,
    right: Node,
    sepS: number,
    sepM: string,
    rc: number,
  ): void {
    const depth = path.length;
    if (depth === 0) {
      const root = new Inner();
      root.kids = [left, right];
      root.cnt = [this.#size - rc, rc];
      root.sepS = [0, sepS];
      root.sepM = ["", sepM];
      this.#root = root;
      return;
    }
    const p = path[depth - 1]!, i = idx[depth - 1]!;
    p.kids.splice(i + 1, 0, right);
    p.cnt.splice(i + 1, 0, rc);
    p.cnt[i]! -= rc;
    p.sepS.splice(i + 1, 0, sepS);
    p.sepM.splice(i + 1, 0, sepM);
    if (p.kids.length <= this.#innerMax) return;
    const half = p.kids.length >> 1;
    const q = new Inner();
    q.kids = p.kids.splice(half);
    q.cnt = p.cnt.splice(half);
    q.sepS = p.sepS.splice(half);
    q.sepM = p.sepM.splice(half);
    let qc = 0;
    for (const c of q.cnt) qc += c;
    path.length = idx.length = depth - 1;
    this.#grow(path, idx, p, q, q.sepS[0]!, q.sepM[0]!, qc);
  }

  /** Removes (score, member); false when it is not held. */
  delete(score: number, member: string): boolean {
    const path: Inner[] = [];
    const idx: number[] = [];
    let n = this.#root;
    while (n instanceof Inner) {
      const i = childFor(n, score, member);
      path.push(n);
      idx.push(i);
      n = n.kids[i]!;
    }
    const leaf = n;
    const at = pairSearch(leaf, score, member);
    if (at >= leaf.m.length || leaf.m[at] !== member || leaf.s[at] !== score) return false;
    leaf.m.splice(at, 1);
    leaf.s.splice(at, 1);
    this.#size--;
    for (let d = 0; d < path.length; d++) path[d]!.cnt[idx[d]!]!--;
    if (leaf.m.length < half(this.#leafMax) && path.length > 0) this.#rebalance(path, idx);
    return true;
  }

  /**
   * The node at the end of `path` (child `idx[last]` of its parent) is under half full: evens it
   * out with a neighbour, or merges the two, going up while parents underflow in turn.
   */
  #rebalance(path: Inner[], idx: number[]): void {
    for (let d = path.length - 1; d >= 0; d--) {
      const p = path[d]!;
      const i = idx[d]!;
      const node = p.kids[i]!;
      const min = half(node instanceof Leaf ? this.#leafMax : this.#innerMax);
      if (sizeOf(node) >= min || p.kids.length < 2) break;
      // Left neighbour and right node of the pair to even out or merge.
      const l = i > 0 ? i - 1 : i;
      const left = p.kids[l]!, right = p.kids[l + 1]!;
      const max = node instanceof Leaf ? this.#leafMax : this.#innerMax;
      const total = sizeOf(left) + sizeOf(right);
      if (total <= max) {
        this.#merge(p, l);
        if (p.kids.length >= half(this.#innerMax)) break;
      } else {
        this.#even(p, l, total >> 1);
        break;
      }
    }
    let r = this.#root;
    while (r instanceof Inner && r.kids.length === 1) r = r.kids[0]!;
    this.#root = r;
  }

  /** Moves everything of child `l + 1` of `p` into child `l`, and drops child `l + 1`. */
  #merge(p: Inner, l: number): void {
    const left = p.kids[l]!, right = p.kids[l + 1]!;
    if (left instanceof Leaf) {
      const r = right as Leaf;
      for (let k = 0; k < r.m.length; k++) {
        left.m.push(r.m[k]!);
        left.s.push(r.s[k]!);
      }
      left.next = r.next;
      if (r.next !== undefined) r.next.prev = left;
      else this.#last = left;
    } else {
      const r = right as Inner;
      // Right's first child takes right's separator in the parent.
      r.sepS[0] = p.sepS[l + 1]!;
      r.sepM[0] = p.sepM[l + 1]!;
      for (let k = 0; k < r.kids.length; k++) {
        left.kids.push(r.kids[k]!);
        left.cnt.push(r.cnt[k]!);
        left.sepS.push(r.sepS[k]!);
        left.sepM.push(r.sepM[k]!);
      }
    }
    p.cnt[l]! += p.cnt[l + 1]!;
    p.kids.splice(l + 1, 1);
    p.cnt.splice(l + 1, 1);
    p.sepS.splice(l + 1, 1);
    p.sepM.splice(l + 1, 1);
  }

  /** Moves entries between children `l` and `l + 1` of `p` until the left one holds `want`. */
  #even(p: Inner, l: number, want: number): void {
    const left = p.kids[l]!, right = p.kids[l + 1]!;
    let moved = 0;
    if (left instanceof Leaf) {
      const r = right as Leaf;
      const n = want - left.m.length;
      if (n > 0) {
        left.m.push(...r.m.splice(0, n));
        left.s.push(...r.s.splice(0, n));
        moved = n;
      } else {
        r.m.unshift(...left.m.splice(want));
        r.s.unshift(...left.s.splice(want));
        moved = n;
      }
      p.sepS[l + 1] = r.s[0]!;
      p.sepM[l + 1] = r.m[0]!;
    } else {
      const r = right as Inner;
      const n = want - left.kids.length;
      // Right's first child's separator is the parent's, while it moves.
      r.sepS[0] = p.sepS[l + 1]!;
      r.sepM[0] = p.sepM[l + 1]!;
      if (n > 0) {
        for (const c of r.cnt.slice(0, n)) moved += c;
        left.kids.push(...r.kids.splice(0, n));
        left.cnt.push(...r.cnt.splice(0, n));
        left.sepS.push(...r.sepS.splice(0, n));
        left.sepM.push(...r.sepM.splice(0, n));
      } else {
        for (const c of left.cnt.slice(want)) moved -= c;
        r.kids.unshift(...left.kids.splice(want));
        r.cnt.unshift(...left.cnt.splice(want));
        r.sepS.unshift(...left.sepS.splice(want));
        r.sepM.unshift(...left.sepM.splice(want));
      }
      p.sepS[l + 1] = r.sepS[0]!;
      p.sepM[l + 1] = r.sepM[0]!;
      r.sepS[0] = 0;
      r.sepM[0] = "";
    }
    p.cnt[l]! += moved;
    p.cnt[l + 1]! -= moved;
  }

  /**
   * The tree's shape: its depth, its leaves, and how many nodes other than the root hold fewer
   * than half their maximum (rounded up; always 0, as deletes rebalance).
   */
  shape(): { depth: number; leaves: number; sparse: number } {
    let depth = 1, leaves = 0, sparse = 0;
    const visit = (n: Node, d: number, root: boolean) => {
      depth = Math.max(depth, d);
      if (n instanceof Leaf) {
        leaves++;
        if (!root && n.m.length < half(this.#leafMax)) sparse++;
        return;
      }
      if (!root && n.kids.length < half(this.#innerMax)) sparse++;
      for (const k of n.kids) visit(k, d + 1, false);
    };
    visit(this.#root, 1, true);
    return { depth, leaves, sparse };
  }

  /** How many pairs satisfy `before` (a predicate true for a prefix of the order). */
  countBefore(before: Before): number {
    let n = this.#root, rank = 0;
    while (n instanceof Inner) {
      // The last child whose separator is before the bound (the first child if none is).
      let lo = 1, hi = n.kids.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (before(n.sepS[mid]!, n.sepM[mid]!)) lo = mid + 1;
        else hi = mid;
      }
      const i = lo - 1;
      for (let j = 0; j < i; j++) rank += n.cnt[j]!;
      n = n.kids[i]!;
    }
    return rank + leafSearch(n, before);
  }

  /** The 0-based rank of (score, member), which must be held. */
  rank(score: number, member: string): number {
    let n = this.#root, rank = 0;
    while (n instanceof Inner) {
      const i = childFor(n, score, member);
      const cnt = n.cnt;
      for (let j = 0; j < i; j++) rank += cnt[j]!;
      n = n.kids[i]!;
    }
    return rank + pairSearch(n, score, member);
  }

  /** The position of rank `r` (0 <= r < size). */
  seek(r: number): Pos {
    let n = this.#root;
    while (n instanceof Inner) {
      let i = 0;
      while (r >= n.cnt[i]! && i < n.kids.length - 1) r -= n.cnt[i++]!;
      n = n.kids[i]!;
    }
    return { leaf: n, i: r };
  }

  /** The first pair's position (the set must not be empty). */
  first(): Pos {
    return { leaf: this.#first, i: 0 };
  }

  /** The last pair's position (the set must not be empty). */
  last(): Pos {
    return { leaf: this.#last, i: this.#last.m.length - 1 };
  }

  /** Calls `f` on `count` pairs from rank `from`, in order or (`rev`) backwards. */
  walk(from: number, count: number, rev: boolean, f: (member: string, score: number) => void) {
    if (count <= 0) return;
    let { leaf, i } = this.seek(from);
    let l: Leaf | undefined = leaf;
    while (l !== undefined && count > 0) {
      f(l.m[i]!, l.s[i]!);
      count--;
      if (rev) {
        if (--i < 0) {
          l = l.prev;
          if (l !== undefined) i = l.m.length - 1;
        }
      } else if (++i >= l.m.length) {
        l = l.next;
        i = 0;
      }
    }
  }
}

/** The fewest entries a node other than the root holds: half its maximum, rounded up. */
function half(max: number): number {
  return (max + 1) >> 1;
}

/** Entries of a node: pairs of a leaf, children of an inner node. */
function sizeOf(n: Node): number {
  return n instanceof Leaf ? n.m.length : n.kids.length;
}

/** The child of `n` that holds or would hold (score, member). */
function childFor(n: Inner, score: number, member: string): number {
  const ss = n.sepS, sm = n.sepM;
  let lo = 1, hi = ss.length;
  // The last child whose separator is not after the pair.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const s = ss[mid]!;
    if (score < s || (score === s && member < sm[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

/** The number of pairs of `leaf` before (score, member). */
function pairSearch(leaf: Leaf, score: number, member: string): number {
  const ls = leaf.s, lm = leaf.m;
  let lo = 0, hi = ls.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const s = ls[mid]!;
    if (s < score || (s === score && lm[mid]! < member)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The number of pairs of `leaf` satisfying `before`. */
function leafSearch(leaf: Leaf, before: Before): number {
  let lo = 0, hi = leaf.m.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(leaf.s[mid]!, leaf.m[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
