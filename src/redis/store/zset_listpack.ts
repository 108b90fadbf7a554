// A small sorted set as one binary string (one char per byte), in the spirit of Redis's
// listpack: a varint member count, then the pairs in order (by score, then member bytes), each
// a varint member length, the member, and the score. One flat string of a few dozen bytes costs
// far less than arrays of member strings and scores, which matters for the many small sorted
// sets a dataset holds. Lookups walk the pairs (O(n), as Redis's listpack); a change rebuilds
// the string in a shared scratch buffer, so the stored string is always flat.
//
// Varints as byte_string.ts reads and writes them. A score that
// is an integer of magnitude below 2^48 is one varint, its zigzag value times 2 (low bit 0); any
// other score is the varint 1 and then the 8 bytes of the double. -0 is stored as 0, as a
// listpack's text reads back.

import { at, finish, putByte, putStr, putVar, readVar, setAt } from "./byte_string.ts";
import type { Before } from "./zset_tree.ts";

/** The listpack of no pairs. */
export const EMPTY_ZLP = "\x00";

const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);
const INT_LIMIT = 2 ** 48;

/** The score at offset `p`; sets `at` past it. */
function readScore(s: string, p: number): number {
  const v = readVar(s, p);
  if (v !== 1) {
    const z = v / 2;
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  p = at;
  for (let k = 0; k < 8; k++) u8[k] = s.charCodeAt(p + k);
  setAt(p + 8);
  return f64[0]!;
}

/** Skips the score at offset `p`, returning the offset after it. */
function skipScore(s: string, p: number): number {
  const v = readVar(s, p);
  return v === 1 ? at + 8 : at;
}

function putPair(member: string, score: number): void {
  putVar(member.length);
  putStr(member);
  if (Number.isInteger(score) && score < INT_LIMIT && score > -INT_LIMIT) {
    putVar((score >= 0 ? score * 2 : -score * 2 - 1) * 2);
  } else {
    putByte(1);
    f64[0] = score;
    for (let k = 0; k < 8; k++) putByte(u8[k]!);
  }
}

/** Pairs in `lp`. */
export function zlpCount(lp: string): number {
  return readVar(lp, 0);
}

/** Where the pair the last successful {@linkcode zlpFind} found starts. */
let entryStart = 0;
/** Its score. */
let foundScore = 0;

// The last pair zlpFind found: its listpack, member, start, score and rank.
let hitLp = "";
let hitMember = "";
let hitStart = 0;
let hitScore = 0;
let hitRank = 0;

/** The rank of `member` in `lp`, or -1; {@linkcode zlpFoundScore} is then its score. */
export function zlpFind(lp: string, member: string): number {
  // The same member looked up again in the same listpack (ZADD of a score it has): the server
  // hands commands the same string for a recent argument, so this is two pointer compares.
  if (lp === hitLp && member === hitMember) {
    entryStart = hitStart;
    foundScore = hitScore;
    return hitRank;
  }
  // One-char varints (counts, lengths and small scores below 128) are read inline: this is
  // ZSCORE's and ZADD's path.
  let p = 1, i = 0;
  if (lp.charCodeAt(0) >= 0x80) p = (readVar(lp, 0), at);
  const ml = member.length, end = lp.length;
  while (p < end) {
    const start = p;
    let n = lp.charCodeAt(p);
    if (n < 0x80) p++;
    else {
      n = readVar(lp, p);
      p = at;
    }
    // A slice compared whole is about twice as fast as startsWith or a loop over the chars.
    if (n === ml) {
      if (n === 0 || (lp.charCodeAt(p) === member.charCodeAt(0) && lp.slice(p, p + n) === member)) {
        entryStart = hitStart = start;
        foundScore = hitScore = readScore(lp, p + n);
        hitLp = lp;
        hitMember = member;
        return (hitRank = i);
      }
    }
    p += n;
    const c = lp.charCodeAt(p);
    p = c === 1 ? p + 9 : c < 0x80 ? p + 1 : skipScore(lp, p);
    i++;
  }
  return -1;
}

/** The score of the member the last successful {@linkcode zlpFind} found. */
export function zlpFoundScore(): number {
  return foundScore;
}

/** `lp` without the pair the last successful {@linkcode zlpFind} found. */
export function zlpRemoveFound(lp: string): string {
  const s = entryStart;
  if (readVar(lp, 0) === 1) return EMPTY_ZLP;
  const n = readVar(lp, s);
  const after = skipScore(lp, at + n);
  const count = readVar(lp, 0), head = at;
  putVar(count - 1);
  putStr(lp, head, s);
  putStr(lp, after);
  return finish();
}

/** `lp` with (member, score) inserted in order; `member` must not be there. */
export function zlpInsert(lp: string, member: string, score: number): string {
  if (score === 0) score = 0;
  const count = readVar(lp, 0), head = at;
  let p = head;
  const end = lp.length;
  while (p < end) {
    const n = readVar(lp, p);
    const ms = at;
    const s = readScore(lp, ms + n);
    if (s > score || (s === score && lp.slice(ms, ms + n) >= member)) break;
    p = at;
  }
  putVar(count + 1);
  putStr(lp, head, p);
  putPair(member, score);
  putStr(lp, p);
  return finish();
}

/** A listpack of the `count` pairs that `walk` gives in order (-0 stored as 0). */
export function zlpFromOrdered(
  count: number,
  walk: (f: (member: string, score: number) => void) => void,
): string {
  putVar(count);
  walk((m, s) => putPair(m, s === 0 ? 0 : s));
  return finish();
}

/** The offsets of every pair of `lp`, in order. */
function offsets(lp: string): number[] {
  const n = readVar(lp, 0);
  const out = new Array<number>(n);
  let p = at;
  for (let i = 0; i < n; i++) {
    out[i] = p;
    p = skipScore(lp, readVar(lp, p) + at);
  }
  return out;
}

/** Calls `f` on `count` pairs from rank `from`, ascending or (`rev`) descending from there. */
export function zlpWalk(
  lp: string,
  from: number,
  count: number,
  rev: boolean,
  f: (member: string, score: number) => void,
): void {
  const n = readVar(lp, 0);
  if (count <= 0 || n === 0) return;
  if (rev) {
    const offs = offsets(lp);
    for (let i = Math.min(from, n - 1); i >= 0 && count > 0; i--, count--) {
      const k = readVar(lp, offs[i]!), ms = at;
      const s = readScore(lp, ms + k);
      f(lp.slice(ms, ms + k), s);
    }
    return;
  }
  let p = at;
  for (let i = 0; i < n && count > 0; i++) {
    const k = readVar(lp, p), ms = at;
    const s = readScore(lp, ms + k);
    p = at;
    if (i >= from) {
      count--;
      f(lp.slice(ms, ms + k), s);
    }
  }
}

/** How many pairs of `lp` satisfy `before` (true for a prefix of the order). */
export function zlpCountBefore(lp: string, before: Before): number {
  const n = readVar(lp, 0);
  let p = at;
  for (let i = 0; i < n; i++) {
    const k = readVar(lp, p), ms = at;
    const s = readScore(lp, ms + k);
    p = at;
    if (!before(s, lp.slice(ms, ms + k))) return i;
  }
  return n;
}

// The last pair {@linkcode zlpAt} reached, so walking slots in order is O(1) a step.
let lastLp = "";
let lastI = -1;
let lastP = 0;

/** The offset of the pair of rank `i` (0 <= i < count). */
function offsetOf(lp: string, i: number): number {
  let j: number, p: number;
  if (lp === lastLp && lastI >= 0 && lastI <= i) {
    j = lastI;
    p = lastP;
  } else {
    readVar(lp, 0);
    j = 0;
    p = at;
  }
  for (; j < i; j++) p = skipScore(lp, readVar(lp, p) + at);
  lastLp = lp;
  lastI = i;
  lastP = p;
  return p;
}

/** The member of rank `i`. */
export function zlpMemberAt(lp: string, i: number): string {
  const k = readVar(lp, offsetOf(lp, i));
  return lp.slice(at, at + k);
}

/** The score of rank `i`. */
export function zlpScoreAt(lp: string, i: number): number {
  const k = readVar(lp, offsetOf(lp, i));
  return readScore(lp, at + k);
}
