// One node of a stream (stream_value.ts): up to 100 entries, deleted ones included, as Redis's
// listpack of stream-node-max-entries. Its ids are two 64-bit halves each in a BigUint64Array.
// Its entries are encoded as Redis encodes them in a listpack: the first entry's field names are
// the block's master fields, and an entry with the same fields stores only its values. While the
// block is the last (open) one, each entry is one string; once full, they are joined into one
// flat string with an array of end offsets, so a closed block is a handful of heap objects
// whatever its entries hold.

import type { StreamId } from "./stream_id.ts";
import { U64 } from "./stream_id.ts";

/** Entries per block, as Redis's stream-node-max-entries. */
export const NODE_MAX_ENTRIES = 100;

const SAME = 0, FULL = 1;

/** Scratch space for encoding (grown on demand). */
let scratch = new Uint8Array(4096);

/** Writes `len` as one byte under 128, else 0x80 and four little-endian bytes; the next offset. */
function putLength(out: Uint8Array, p: number, len: number): number {
  if (len < 128) {
    out[p] = len;
    return p + 1;
  }
  out[p] = 0x80;
  out[p + 1] = len & 0xff;
  out[p + 2] = (len >>> 8) & 0xff;
  out[p + 3] = (len >>> 16) & 0xff;
  out[p + 4] = len >>> 24;
  return p + 5;
}

/** Whether the field names of `args[from..]` are `master`. */
function sameFields(args: readonly Uint8Array[], from: number, master: readonly string[]): boolean {
  if (args.length - from !== 2 * master.length) return false;
  for (let k = 0; k < master.length; k++) {
    const a = args[from + 2 * k]!, m = master[k]!;
    if (a.length !== m.length) return false;
    for (let j = 0; j < a.length; j++) if (a[j] !== m.charCodeAt(j)) return false;
  }
  return true;
}

/** Bytes `out[0..n)` as one flat binary string. */
function toBinary(out: Uint8Array, n: number): string {
  if (n <= 8192) return String.fromCharCode.apply(null, out.subarray(0, n) as unknown as number[]);
  let s = "";
  for (let i = 0; i < n; i += 8192) {
    s += String.fromCharCode.apply(
      null,
      out.subarray(i, Math.min(n, i + 8192)) as unknown as number[],
    );
  }
  return s;
}

/** A stream node. */
export class Block {
  readonly ids = new BigUint64Array(2 * NODE_MAX_ENTRIES);
  /** 1 where the entry was deleted. */
  readonly dead = new Uint8Array(NODE_MAX_ENTRIES);
  /** Entries held, deleted ones included. */
  count = 0;
  /** Entries not deleted. */
  live = 0;
  /** The estimated listpack size (for stream-node-max-bytes). */
  bytes = 0;
  /** The first entry's field names. */
  #master: string[] = [];
  /** Each entry's encoding while the block is open. */
  #parts: string[] | undefined = [];
  /** Once closed: every entry's encoding, and where each ends. */
  #packed = "";
  #ends: Uint32Array | undefined;

  /** The id at position `i`. */
  idAt(i: number): StreamId {
    return (this.ids[2 * i]! << 64n) | this.ids[2 * i + 1]!;
  }

  /** The first position whose id is >= `id` (count when none). */
  lowerBound(id: StreamId): number {
    let lo = 0, hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.idAt(mid) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Appends entry `id` with the fields and values `args[from..]`. */
  append(id: StreamId, args: readonly Uint8Array[], from: number): void {
    const i = this.count;
    this.ids[2 * i] = id >> 64n;
    this.ids[2 * i + 1] = id & U64;
    if (i === 0) {
      for (let k = from; k < args.length; k += 2) {
        this.#master.push(toBinary(args[k]!, args[k]!.length));
      }
    }
    const same = sameFields(args, from, this.#master);
    let n = 1;
    for (let k = from; k < args.length; k++) n += 5 + args[k]!.length;
    if (scratch.length < n) scratch = new Uint8Array(2 * n);
    const out = scratch;
    out[0] = same ? SAME : FULL;
    let p = 1;
    for (let k = from; k < args.length; k++) {
      if (same && (k - from) % 2 === 0) continue;
      const a = args[k]!;
      p = putLength(out, p, a.length);
      out.set(a, p);
      p += a.length;
    }
    this.#parts!.push(toBinary(out, p));
    this.count++;
    this.live++;
  }

  /** Joins the entries into one string (the block is full, or no longer the last). */
  close(): void {
    const parts = this.#parts;
    if (parts === undefined) return;
    const ends = new Uint32Array(parts.length);
    let end = 0;
    for (let i = 0; i < parts.length; i++) ends[i] = end += parts[i]!.length;
    this.#packed = parts.join("");
    this.#ends = ends;
    this.#parts = undefined;
  }

  /** The fields and values of entry `i` (binary strings, alternating). */
  entry(i: number): string[] {
    let s: string, p: number, end: number;
    if (this.#parts !== undefined) {
      s = this.#parts[i]!;
      p = 0;
      end = s.length;
    } else {
      s = this.#packed;
      p = i === 0 ? 0 : this.#ends![i - 1]!;
      end = this.#ends![i]!;
    }
    const same = s.charCodeAt(p++) === SAME;
    const out: string[] = [];
    let k = 0;
    while (p < end) {
      if (same) out.push(this.#master[k++]!);
      let len = s.charCodeAt(p++);
      if (len === 0x80) {
        len = s.charCodeAt(p) | (s.charCodeAt(p + 1) << 8) | (s.charCodeAt(p + 2) << 16) |
          (s.charCodeAt(p + 3) << 24);
        p += 4;
      }
      out.push(s.substr(p, len));
      p += len;
    }
    return out;
  }

  /** A copy (COPY). */
  clone(): Block {
    const b = new Block();
    b.ids.set(this.ids);
    b.dead.set(this.dead);
    b.count = this.count;
    b.live = this.live;
    b.bytes = this.bytes;
    b.#master = this.#master;
    b.#parts = this.#parts?.slice();
    b.#packed = this.#packed;
    b.#ends = this.#ends;
    return b;
  }

  /** The heap bytes of the entries (MEMORY USAGE's estimate). */
  get heapBytes(): number {
    const strings = this.#parts === undefined
      ? 24 + this.#packed.length + 4 * this.count
      : this.#parts.reduce((n, s) => n + 24 + s.length, 0);
    return 2 * 8 * NODE_MAX_ENTRIES + NODE_MAX_ENTRIES + 96 + strings;
  }
}
