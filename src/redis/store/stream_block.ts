// One node of a stream (stream_value.ts): up to 100 entries, deleted ones included, as Redis's
// listpack of stream-node-max-entries. Its entries are encoded as Redis encodes them in a
// listpack: the first entry's field names are the block's master fields, and an entry with the
// same fields stores only its values. While the block is the last (open) one, everything it
// holds is in one growing byte array (an index of 16-byte ids and end offsets, then the
// encodings; doubled when full, so appending stays amortized O(1)), which keeps a small stream
// to a few heap objects. Once full (or no longer the last), the ids go to a BigUint64Array and
// the encodings to one flat string with an array of end offsets, so a closed block is a handful
// of heap objects whatever its entries hold.

import type { StreamId } from "./stream_id.ts";
import { U64 } from "./stream_id.ts";

/** Entries per block, as Redis's stream-node-max-entries. */
export const NODE_MAX_ENTRIES = 100;

const SAME = 0, FULL = 1;

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

/** Entries an open block's index first has room for (a small stream stays small). */
const FIRST_CAPACITY = 4;
/** Bytes per entry in an open block's index: the id's two halves, then the end offset (u32). */
const SLOT = 20;

/** Scratch for moving ids between bigints and bytes. */
const idHalves = new BigUint64Array(2);
const idBytes = new Uint8Array(idHalves.buffer);

/** Writes index slot `i` of an open block: the id in `idHalves`, then `end` (u32). */
function putSlot(buf: Uint8Array, i: number, end: number): void {
  const p = i * SLOT;
  buf.set(idBytes, p);
  buf[p + 16] = end & 0xff;
  buf[p + 17] = (end >>> 8) & 0xff;
  buf[p + 18] = (end >>> 16) & 0xff;
  buf[p + 19] = end >>> 24;
}

/** A stream node. */
export class Block {
  /** Once closed: two halves per id. */
  #ids: BigUint64Array | undefined;
  /** While open: the index (SLOT bytes per entry, `#cap` of them), then the encodings. */
  #buf: Uint8Array | undefined = new Uint8Array(FIRST_CAPACITY * (SLOT + 8));
  #cap = FIRST_CAPACITY;
  /** While open: bytes of encodings held. */
  #used = 0;
  /** 1 where the entry was deleted; made at the first deletion. */
  #dead: Uint8Array | undefined;
  /** Entries held, deleted ones included. */
  count = 0;
  /** Entries not deleted. */
  live = 0;
  /** The estimated listpack size (for stream-node-max-bytes). */
  bytes = 0;
  /** The first entry's field names. */
  #master: string[] = [];
  /** Once closed: every entry's encoding, and where each ends. */
  #packed = "";
  #ends: Uint32Array | undefined;

  /** Whether entry `i` was deleted. */
  isDead(i: number): boolean {
    return this.#dead !== undefined && this.#dead[i] === 1;
  }

  /** Marks entry `i` deleted (the caller keeps `live`). */
  kill(i: number): void {
    (this.#dead ??= new Uint8Array(NODE_MAX_ENTRIES))[i] = 1;
  }

  /** The id at position `i`. */
  idAt(i: number): StreamId {
    const buf = this.#buf;
    if (buf === undefined) return (this.#ids![2 * i]! << 64n) | this.#ids![2 * i + 1]!;
    const p = i * SLOT;
    for (let k = 0; k < 16; k++) idBytes[k] = buf[p + k]!;
    return (idHalves[0]! << 64n) | idHalves[1]!;
  }

  /** Where entry `i`'s encoding ends in an open block's data. */
  #endAt(i: number): number {
    const buf = this.#buf!, p = i * SLOT + 16;
    return (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
  }

  /** Makes room in an open block for one more entry of `n` bytes (doubling what is short). */
  #reserve(n: number): void {
    const buf = this.#buf!;
    let cap = this.#cap;
    if (this.count === cap) cap = Math.min(2 * cap, NODE_MAX_ENTRIES);
    const data = buf.length - this.#cap * SLOT;
    if (cap === this.#cap && this.#used + n <= data) return;
    const want = Math.max(this.#used + n, this.#used + n > data ? 2 * data : data);
    const grown = new Uint8Array(cap * SLOT + want);
    grown.set(buf.subarray(0, this.count * SLOT));
    const from = this.#cap * SLOT;
    grown.set(buf.subarray(from, from + this.#used), cap * SLOT);
    this.#buf = grown;
    this.#cap = cap;
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

  /**
   * Back to the open form: a closed block is the last again once every block after it went
   * (XDEL), and takes appends while it has room, as Redis's last node does.
   */
  #reopen(): void {
    const n = this.count, packed = this.#packed;
    const cap = Math.min(Math.max(2 * n, FIRST_CAPACITY), NODE_MAX_ENTRIES);
    const buf = new Uint8Array(cap * SLOT + 2 * packed.length + 8);
    const from = cap * SLOT;
    for (let j = 0; j < packed.length; j++) buf[from + j] = packed.charCodeAt(j);
    const ids = this.#ids!, ends = this.#ends!;
    for (let i = 0; i < n; i++) {
      idHalves[0] = ids[2 * i]!;
      idHalves[1] = ids[2 * i + 1]!;
      putSlot(buf, i, ends[i]!);
    }
    this.#buf = buf;
    this.#cap = cap;
    this.#used = packed.length;
    this.#ids = undefined;
    this.#ends = undefined;
    this.#packed = "";
  }

  /** Appends entry `id` with the fields and values `args[from..]`. */
  append(id: StreamId, args: readonly Uint8Array[], from: number): void {
    if (this.#buf === undefined) this.#reopen();
    const i = this.count;
    if (i === 0) {
      for (let k = from; k < args.length; k += 2) {
        this.#master.push(toBinary(args[k]!, args[k]!.length));
      }
    }
    const same = sameFields(args, from, this.#master);
    let n = 1;
    for (let k = from; k < args.length; k++) n += 5 + args[k]!.length;
    this.#reserve(n);
    const out = this.#buf!;
    const start = this.#cap * SLOT + this.#used;
    out[start] = same ? SAME : FULL;
    let p = start + 1;
    for (let k = from; k < args.length; k++) {
      if (same && (k - from) % 2 === 0) continue;
      const a = args[k]!;
      p = putLength(out, p, a.length);
      out.set(a, p);
      p += a.length;
    }
    this.#used += p - start;
    idHalves[0] = id >> 64n;
    idHalves[1] = id & U64;
    putSlot(out, i, this.#used);
    this.count++;
    this.live++;
  }

  /** Packs the entries into the closed form (the block is full, or no longer the last). */
  close(): void {
    const buf = this.#buf;
    if (buf === undefined) return;
    const n = this.count;
    const ids = new BigUint64Array(2 * n);
    const ends = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const id = this.idAt(i);
      ids[2 * i] = id >> 64n;
      ids[2 * i + 1] = id & U64;
      ends[i] = this.#endAt(i);
    }
    const from = this.#cap * SLOT;
    this.#packed = toBinary(buf.subarray(from), this.#used);
    this.#ids = ids;
    this.#ends = ends;
    this.#buf = undefined;
  }

  /** The fields and values of entry `i` (binary strings, alternating). */
  entry(i: number): string[] {
    let s: string, p: number, end: number;
    const buf = this.#buf;
    if (buf !== undefined) {
      const from = this.#cap * SLOT;
      const start = i === 0 ? 0 : this.#endAt(i - 1);
      end = this.#endAt(i) - start;
      s = toBinary(buf.subarray(from + start), end);
      p = 0;
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
    b.#ids = this.#ids;
    b.#buf = this.#buf?.slice();
    b.#cap = this.#cap;
    b.#used = this.#used;
    b.#dead = this.#dead?.slice();
    b.count = this.count;
    b.live = this.live;
    b.bytes = this.bytes;
    b.#master = this.#master;
    b.#packed = this.#packed;
    b.#ends = this.#ends;
    return b;
  }

  /** The heap bytes of the entries (MEMORY USAGE's estimate). */
  get heapBytes(): number {
    const held = this.#buf !== undefined
      ? this.#buf.length
      : 16 * this.count + 24 + this.#packed.length + 4 * this.count;
    return held + (this.#dead === undefined ? 0 : NODE_MAX_ENTRIES) + 96;
  }
}
