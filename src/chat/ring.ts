// A hub's shared ring: the last `capacity` messages, by sequence number, each encoded once. Every
// subscriber keeps only its position in it, so publishing is O(1) however many subscribe.

/** What waits for the next message: a subscriber whose writer is idle. */
export interface Waiter {
  /** Queues the deferred wake of its writer. */
  schedule(): void;
}

/** The shared ring: the last `capacity` messages, by sequence number. */
export class Ring {
  msgs: Array<Uint8Array | undefined>;
  from: Array<string | undefined>;
  /** Bytes published up to and including each message (to tell a contiguous stretch in O(1)). */
  ends: Float64Array;
  /** Sequence number of the next message. */
  tail = 0;
  total = 0;
  /** Subscribers whose writers wait for the next message. */
  waiting: Waiter[] = [];

  constructor(readonly capacity: number) {
    const n = Math.min(capacity, 64);
    this.msgs = new Array(n);
    this.from = new Array(n);
    this.ends = new Float64Array(n);
  }

  append(bytes: Uint8Array, from: string | undefined): void {
    let len = this.msgs.length;
    if (this.tail === len && len < this.capacity) {
      // Before the first wrap every message sits at its sequence number, so growing is a copy.
      len = Math.min(this.capacity, len * 2);
      this.msgs.length = len;
      this.from.length = len;
      const ends = new Float64Array(len);
      ends.set(this.ends);
      this.ends = ends;
    }
    const i = this.tail % len;
    this.total += bytes.length;
    this.msgs[i] = bytes;
    this.from[i] = from;
    this.ends[i] = this.total;
    this.tail++;
    if (this.waiting.length > 0) {
      const waiting = this.waiting;
      this.waiting = [];
      for (const sub of waiting) sub.schedule();
    }
  }

  /** Forgets every message (sequence numbers go on): for when no subscriber can need them. */
  clear(): void {
    this.msgs.fill(undefined);
    this.from.fill(undefined);
  }

  /** Messages `start` to `stop` (exclusive) as one view when they lie back to back in one slab. */
  view(start: number, stop: number): Uint8Array | null {
    const len = this.msgs.length;
    const a = start % len, b = (stop - 1) % len;
    const first = this.msgs[a]!, last = this.msgs[b]!;
    if (first === last) return first;
    if (first.buffer !== last.buffer) return null;
    const span = last.byteOffset + last.length - first.byteOffset;
    // Every message is its own stretch of bytes, slab stretches in publishing order: if the bytes
    // of all of them add up to the span from the first to the last, they tile it exactly.
    if (this.ends[b]! - this.ends[a]! + first.length !== span) return null;
    return new Uint8Array(first.buffer, first.byteOffset, span);
  }
}
