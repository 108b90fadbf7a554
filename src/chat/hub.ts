// The only path a line takes from one client to others: an in-process broadcast hub with the
// semantics of Tokio's broadcast channel, built the way Tokio builds it. Messages go into one
// shared ring of the last `capacity` messages, each encoded once into a shared slab; every
// subscriber has its own position in it, so its queue is the stretch from its position to the end,
// bounded by `capacity`. Publishing is O(1) however many subscribe; a subscriber that falls more
// than `capacity` behind loses the oldest and is told how many with one `*** lagged` line; the
// publisher never waits for anyone. A subscriber's pending messages are usually one stretch of
// one slab, which its writer sends as one view, without copying. A later backplane joins
// instances by subscribing here and publishing what other instances send.

import {
  borrow,
  giveBack,
  laggedNotice,
  type Outbox,
  scheduleWake,
  TURN_BYTES,
  type Wakeable,
} from "./outbox.ts";
import { SlabEncoder } from "./slab.ts";

/** The shared ring: the last `capacity` messages, by sequence number. */
class Ring {
  msgs: Array<Uint8Array | undefined>;
  from: Array<string | undefined>;
  /** Bytes published up to and including each message (to tell a contiguous stretch in O(1)). */
  ends: Float64Array;
  /** Sequence number of the next message. */
  tail = 0;
  total = 0;
  /** Subscribers whose writers wait for the next message. */
  waiting: Subscription[] = [];

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

/** One subscriber of a {@linkcode Hub}: its position in the shared ring, drained by its writer. */
export class Subscription implements Outbox, Wakeable {
  /** Who this subscriber is (e.g. its remote address); a publisher can skip it by this key. */
  readonly key: string | undefined;
  /** Sequence number of the last message published from this key (-1: none). */
  lastPublished = -1;
  readonly #hub: Hub;
  readonly #ring: Ring;
  #cursor: number;
  #dropped = 0;
  #ended = false;
  #endSeq = 0;
  #last: Uint8Array[] = [];
  #waiter?: (more: boolean) => void;
  #wakePending = false;
  #lent?: Uint8Array;

  /** Made by {@linkcode Hub.subscribe}. */
  constructor(hub: Hub, ring: Ring, key?: string) {
    this.#hub = hub;
    this.#ring = ring;
    this.key = key;
    this.#cursor = ring.tail;
  }

  #stop(): number {
    return this.#ended ? this.#endSeq : this.#ring.tail;
  }

  /** Messages waiting (at most the hub's capacity; the subscriber's own included). */
  get size(): number {
    return Math.min(this.#stop() - this.#cursor, this.#ring.capacity);
  }

  /** Messages lost so far and not yet reported. */
  get dropped(): number {
    const lostUpTo = Math.min(this.#ring.tail - this.#ring.capacity, this.#stop());
    return this.#dropped + Math.max(0, lostUpTo - this.#cursor);
  }

  /** Whether `end` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Moves the position up to the oldest message the ring still holds, counting what was lost
   * (the ring moves on after `end` too, for the other subscribers).
   */
  #catchUp(stop: number): void {
    const lostUpTo = Math.min(this.#ring.tail - this.#ring.capacity, stop);
    if (this.#cursor < lostUpTo) {
      this.#dropped += lostUpTo - this.#cursor;
      this.#cursor = lostUpTo;
    }
  }

  /**
   * Everything pending as one buffer: the lag notice first, then the messages not from this
   * subscriber, then (at the end) the last words given to `end`. A stretch of one slab is handed
   * over as one view, without copying; otherwise at most about {@linkcode TURN_BYTES} are copied
   * into a recycled buffer and the rest waits for the next turn. Null when nothing is pending.
   */
  take(): Uint8Array | null {
    const ring = this.#ring;
    const stop = this.#stop();
    this.#catchUp(stop);
    let s = this.#cursor;
    if (s < stop && this.#dropped === 0 && this.lastPublished < s && this.#last.length === 0) {
      const view = ring.view(s, stop);
      if (view) {
        this.#cursor = stop;
        return view;
      }
    }
    let out: Uint8Array | undefined;
    let off = 0;
    const put = (bytes: Uint8Array): boolean => {
      if (out === undefined) out = this.#lent = borrow();
      if (off + bytes.length > TURN_BYTES) return false;
      out.set(bytes, off);
      off += bytes.length;
      return true;
    };
    if (this.#dropped > 0) {
      put(laggedNotice(this.#dropped));
      this.#dropped = 0;
    }
    const own = this.lastPublished >= s ? this.key : undefined;
    const len = ring.msgs.length;
    for (; s < stop; s++) {
      const i = s % len;
      if (own !== undefined && ring.from[i] === own) continue;
      const msg = ring.msgs[i]!;
      if (out === undefined && msg.length > TURN_BYTES) {
        this.#cursor = s + 1;
        return msg; // a long line goes alone, as it is
      }
      if (!put(msg)) break;
    }
    this.#cursor = s;
    if (s === stop) {
      while (this.#last.length > 0 && put(this.#last[0]!)) this.#last.shift();
    }
    return out === undefined ? null : out.subarray(0, off);
  }

  /** Gives back the buffer of the last `take` once it has been written. */
  recycle(chunk: Uint8Array): void {
    const buf = this.#lent;
    if (buf === undefined || chunk.buffer !== buf.buffer) return;
    this.#lent = undefined;
    giveBack(buf);
  }

  /** The next message alone (a lag notice where messages were lost), or null. */
  takeOne(): Uint8Array | null {
    const ring = this.#ring;
    const stop = this.#stop();
    this.#catchUp(stop);
    if (this.#dropped > 0) {
      const notice = laggedNotice(this.#dropped);
      this.#dropped = 0;
      return notice;
    }
    const len = ring.msgs.length;
    while (this.#cursor < stop) {
      const i = this.#cursor++ % len;
      if (this.key === undefined || ring.from[i] !== this.key) return ring.msgs[i]!;
    }
    return this.#last.shift() ?? null;
  }

  #pending(): boolean {
    return this.#cursor < this.#stop() || this.#dropped > 0 || this.#last.length > 0;
  }

  /** Resolves true when something may be pending, false once ended and drained. One waiter. */
  wait(): Promise<boolean> {
    if (this.#pending()) return Promise.resolve(true);
    if (this.#ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.#waiter = resolve;
      this.#ring.waiting.push(this);
    });
  }

  /** Queues the deferred wake of a waiting writer (once). */
  schedule(): void {
    if (this.#waiter && !this.#wakePending) {
      this.#wakePending = true;
      scheduleWake(this);
    }
  }

  /** Resolves a waiting `wait` (called by the deferred wake). */
  wakeNow(): void {
    this.#wakePending = false;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.(this.#pending() || !this.#ended);
  }

  /**
   * Takes nothing published after this; the writer sends what is pending, then `last` (if
   * given), and finishes.
   */
  end(last?: Uint8Array): void {
    if (this.#ended) return;
    this.#endSeq = this.#ring.tail;
    this.#ended = true;
    if (last) this.#last.push(last);
    this.schedule();
  }

  /** Leaves the hub; what is already pending can still be taken. */
  unsubscribe(): void {
    this.#hub.unsubscribe(this);
  }

  /**
   * Yields each message as encoded (text and CRLF), or a `*** lagged` line where messages were
   * lost, until the subscription ends. (A client's writer uses `take` instead: one write a turn.)
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    while (await this.wait()) {
      let msg;
      while ((msg = this.takeOne()) !== null) yield msg;
    }
  }
}

/** A broadcast hub: `publish` hands one message to every subscriber. */
export class Hub {
  /** Messages a subscriber may fall behind before its oldest are dropped. */
  readonly capacity: number;
  readonly #ring: Ring;
  readonly #subs = new Set<Subscription>();
  readonly #byKey = new Map<string, Subscription>();
  readonly #encoder = new SlabEncoder();
  #closed = false;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`hub capacity must be at least 1, not ${capacity}`);
    this.capacity = capacity;
    this.#ring = new Ring(capacity);
  }

  /** Subscribers now. */
  get size(): number {
    return this.#subs.size;
  }

  /** A new subscriber, known as `key`; it receives what is published from now on. */
  subscribe(key?: string): Subscription {
    const sub = new Subscription(this, this.#ring, key);
    if (this.#closed) sub.end();
    else {
      this.#subs.add(sub);
      if (key !== undefined) this.#byKey.set(key, sub);
    }
    return sub;
  }

  /**
   * With no subscriber left, lets go of the recent messages and the current slab (up to
   * `capacity` lines, and a MiB) so an idle hub holds nothing. Call it only when no subscription,
   * left or not, is still being drained: a new one starts at the next message, so none needs them.
   */
  trim(): void {
    if (this.#subs.size !== 0) return;
    this.#ring.clear();
    this.#encoder.release();
  }

  /** Removes `sub` (see {@linkcode Subscription.unsubscribe}). */
  unsubscribe(sub: Subscription): void {
    this.#subs.delete(sub);
    if (sub.key !== undefined && this.#byKey.get(sub.key) === sub) this.#byKey.delete(sub.key);
  }

  /**
   * Sends the line `message` (CRLF is added) to every subscriber except the one whose key is
   * `from`. Encodes once, in O(1) whatever the number of subscribers; returns how many it is for.
   */
  publish(message: string, from?: string): number {
    return this.#append(this.#encoder.line(message), from);
  }

  /** Like {@linkcode publish} with the message already encoded (it is copied once). */
  publishBytes(bytes: Uint8Array, from?: string): number {
    return this.#append(this.#encoder.copy(bytes), from);
  }

  #append(bytes: Uint8Array, from: string | undefined): number {
    if (this.#closed) return 0;
    let n = this.#subs.size;
    if (from !== undefined) {
      const sender = this.#byKey.get(from);
      if (sender) {
        sender.lastPublished = this.#ring.tail;
        n--;
      }
    }
    this.#ring.append(bytes, from);
    return n;
  }

  /** Ends every subscription (their writers flush what is pending) and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const sub of this.#subs) sub.end();
    this.#subs.clear();
    this.#byKey.clear();
  }
}
