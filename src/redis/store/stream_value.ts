// A stream value (XADD and the rest, as Redis 7.0's t_stream.c): entries in id order, kept in
// blocks of at most 100 entries as Redis keeps listpacks of stream-node-max-entries in a radix
// tree. Appending goes to the last block (O(1)); a range finds its first block by binary search
// over the blocks' first ids, then its first entry by binary search in the block (O(log n + m)).
// A deleted entry is only marked, and a block goes once all its entries are deleted, so the
// block boundaries (which decide what an approximate `~` trim removes) follow Redis's nodes.
//
// An id is one 128-bit bigint, ms << 64 | seq: comparisons are plain `<`, and adding 1 carries
// from seq into ms as Redis's streamIncrID does. How a block holds its entries: stream_block.ts.

import type { StreamGroup } from "./stream_group.ts";
import { MAX_ID, type StreamId } from "./stream_id.ts";
import { Block, NODE_MAX_ENTRIES } from "./stream_block.ts";

export { formatId, idMs, idSeq, makeId, MAX_ID } from "./stream_id.ts";
export type { StreamId } from "./stream_id.ts";
export { NODE_MAX_ENTRIES };

/** Bytes per block (an estimate of the listpack's size), as Redis's stream-node-max-bytes. */
const NODE_MAX_BYTES = 4096;

/** An entry as ranges yield it. */
export interface StreamEntry {
  readonly id: StreamId;
  /** Its fields and values (binary strings, alternating). */
  readonly fields: string[];
}

/** How a trim chooses what goes (XADD's and XTRIM's MAXLEN / MINID). */
export interface TrimSpec {
  readonly maxlen?: number;
  readonly minid?: StreamId;
  /** `~`: whole blocks only. */
  readonly approx: boolean;
  /** At most this many entries (0: no limit). */
  readonly limit: number;
}

/** A stream: its entries, its ids' bookkeeping and its consumer groups. */
export class StreamValue {
  /** When it was last used (OBJECT IDLETIME / FREQ, store/access_clock.ts). */
  lru = 0;
  #blocks: Block[] = [];
  /** Entries (not deleted). */
  length = 0;
  /** The last id ever added (or set by XSETID). */
  lastId: StreamId = 0n;
  /** The id of the first entry; 0 when empty. */
  firstId: StreamId = 0n;
  /** The largest id deleted by XDEL. */
  maxDeletedId: StreamId = 0n;
  /** Entries ever added. */
  entriesAdded = 0;
  /** Consumer groups by name (binary string), in creation order; undefined until one exists. */
  groups: Map<string, StreamGroup> | undefined;

  /** Blocks held (Redis's radix tree nodes, for OBJECT/XINFO/MEMORY). */
  get nodes(): number {
    return this.#blocks.length;
  }

  /**
   * The nodes of Redis's radix tree over the blocks' first ids (16-byte big-endian keys), as
   * XINFO STREAM's radix-tree-nodes: the head, each key, each prefix where keys branch and each
   * child of such a prefix (a run without branches is one compressed node), the shape rax gives
   * keys inserted in order. O(blocks).
   */
  get raxNodes(): number {
    const blocks = this.#blocks;
    const nodes = new Set<string>(["0:0"]);
    const prefix = (id: StreamId, len: number) => `${len}:${id >> BigInt(8 * (16 - len))}`;
    for (let i = 0; i < blocks.length; i++) {
      const a = blocks[i]!.idAt(0);
      nodes.add(prefix(a, 16));
      if (i === 0) continue;
      const b = blocks[i - 1]!.idAt(0);
      const lcp = 16 - Math.ceil((a ^ b).toString(2).length / 8);
      nodes.add(prefix(a, lcp));
      nodes.add(prefix(a, lcp + 1));
      nodes.add(prefix(b, lcp + 1));
    }
    return nodes.size;
  }

  /** Appends entry `id` (greater than lastId) with the fields and values `args[from..]`. */
  append(id: StreamId, args: readonly Uint8Array[], from: number): void {
    const blocks = this.#blocks;
    let b = blocks[blocks.length - 1];
    let bytes = 8;
    for (let i = from; i < args.length; i++) bytes += args[i]!.length + 2;
    if (b === undefined || b.count >= NODE_MAX_ENTRIES || b.bytes + bytes >= NODE_MAX_BYTES) {
      b?.close();
      b = new Block();
      b.bytes = 16 + bytes;
      // A first block goes in an array of its own size: a small stream holds no spare slots.
      if (blocks.length === 0) this.#blocks = [b];
      else blocks.push(b);
    } else b.bytes += bytes;
    b.append(id, args, from);
    if (b.count === NODE_MAX_ENTRIES) b.close();
    if (this.length === 0) this.firstId = id;
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
  }

  /** The index of the block that may hold `id`: the last whose first id is <= id (or 0). */
  #blockFor(id: StreamId): number {
    const blocks = this.#blocks;
    let lo = 0, hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (blocks[mid]!.idAt(0) <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Entries with start <= id <= end, ascending (or descending), at most `count` (0: all). */
  *range(start: StreamId, end: StreamId, rev = false, count = 0): Generator<StreamEntry> {
    const blocks = this.#blocks;
    if (blocks.length === 0 || start > end) return;
    let n = 0;
    if (!rev) {
      let bi = this.#blockFor(start);
      let i = blocks[bi]!.lowerBound(start);
      for (; bi < blocks.length; bi++, i = 0) {
        const b = blocks[bi]!;
        for (; i < b.count; i++) {
          if (b.isDead(i)) continue;
          const id = b.idAt(i);
          if (id > end) return;
          yield { id, fields: b.entry(i) };
          if (++n === count) return;
        }
      }
    } else {
      let bi = this.#blockFor(end);
      let i = blocks[bi]!.lowerBound(end + 1n) - 1;
      for (; bi >= 0; bi--, i = bi >= 0 ? blocks[bi]!.count - 1 : 0) {
        const b = blocks[bi]!;
        for (; i >= 0; i--) {
          if (b.isDead(i)) continue;
          const id = b.idAt(i);
          if (id < start) return;
          yield { id, fields: b.entry(i) };
          if (++n === count) return;
        }
      }
    }
  }

  /** The fields and values of entry `id`, or undefined when it is not held. */
  get(id: StreamId): string[] | undefined {
    for (const e of this.range(id, id)) return e.fields;
    return undefined;
  }

  /** The first (or last) entry's id not deleted; 0 when empty. */
  edgeId(first: boolean): StreamId {
    for (const e of this.range(0n, MAX_ID, !first, 1)) return e.id;
    return 0n;
  }

  /** Deletes entry `id` (XDEL); false when it is not held. */
  delete(id: StreamId): boolean {
    const blocks = this.#blocks;
    if (blocks.length === 0) return false;
    const bi = this.#blockFor(id);
    const b = blocks[bi]!;
    const i = b.lowerBound(id);
    if (i >= b.count || b.isDead(i) || b.idAt(i) !== id) return false;
    b.kill(i);
    this.length--;
    if (--b.live === 0) blocks.splice(bi, 1);
    if (id > this.maxDeletedId) this.maxDeletedId = id;
    if (this.length === 0) this.firstId = 0n;
    else if (id === this.firstId) this.firstId = this.edgeId(true);
    return true;
  }

  /** Removes entries from the start as Redis's streamTrim does; returns how many went. */
  trim(spec: TrimSpec): number {
    const blocks = this.#blocks;
    let deleted = 0, drop = 0;
    for (; drop < blocks.length; drop++) {
      if (spec.maxlen !== undefined && this.length <= spec.maxlen) break;
      const b = blocks[drop]!;
      if (spec.limit > 0 && deleted + b.live > spec.limit) break;
      const whole = spec.maxlen !== undefined
        ? this.length - b.live >= spec.maxlen
        : b.idAt(b.count - 1) < spec.minid!;
      if (whole) {
        this.length -= b.live;
        deleted += b.live;
        continue;
      }
      if (spec.approx) break;
      for (let i = 0; i < b.count; i++) {
        if (b.isDead(i)) continue;
        if (spec.maxlen !== undefined) {
          if (this.length <= spec.maxlen) break;
        } else if (b.idAt(i) >= spec.minid!) break;
        b.kill(i);
        b.live--;
        this.length--;
        deleted++;
      }
      break;
    }
    if (drop > 0) blocks.splice(0, drop);
    this.firstId = this.length === 0 ? 0n : this.edgeId(true);
    return deleted;
  }

  /** A deep copy (COPY), groups included. */
  clone(): StreamValue {
    const s = new StreamValue();
    for (const b of this.#blocks) s.#blocks.push(b.clone());
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    if (this.groups !== undefined) {
      s.groups = new Map();
      for (const [name, g] of this.groups) s.groups.set(name, g.clone());
    }
    return s;
  }

  /** The estimated bytes of the blocks (MEMORY USAGE). */
  get bytes(): number {
    let n = 0;
    for (const b of this.#blocks) n += b.heapBytes;
    return n;
  }

  /**
   * Redis's streamRangeHasTombstones: whether an entry deleted by XDEL may lie between `start`
   * and `end` (the stream's first and last ids when undefined).
   */
  hasTombstones(start: StreamId | undefined, end: StreamId | undefined): boolean {
    const md = this.maxDeletedId;
    if (this.length === 0 || md === 0n || this.firstId > md) return false;
    return (start ?? 0n) <= md && md <= (end ?? MAX_ID);
  }

  /**
   * Redis's streamEstimateDistanceFromFirstEverEntry: the entries-read counter of `id` when it
   * can be known, else -1 (SCG_INVALID_ENTRIES_READ). Only used for a group's lag.
   */
  distanceFromFirstEver(id: StreamId): number {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && id < this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return -1;
    if (this.maxDeletedId === 0n || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return this.entriesAdded - this.length;
      if (id === this.firstId) return this.entriesAdded - this.length + 1;
    }
    return -1;
  }
}
