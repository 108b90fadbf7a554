// The only path a line takes from one client to others: an in-process broadcast hub with the
// semantics of Tokio's broadcast channel, built the way Tokio builds it. Messages go into one
// shared ring of the last `capacity` messages, each encoded once into a shared slab; every
// subscriber has its own position in it, so its queue is the stretch from its position to the end,
// bounded by `capacity`. Publishing is O(1) however many subscribe; a subscriber that falls more
// than `capacity` behind loses the oldest and is told how many with one `*** lagged` line (never
// counting lines it sent itself and was not to get). `publish` never waits, but a client's lines
// pass `room()` first: the gate of the hub, closed while a subscriber that keeps up would be
// overrun by the next line, so a paste waits for readers instead of costing them lines. A
// subscriber that holds the gate shut for STALL_MS (2 s: its socket stopped taking bytes) is a slow
// reader: the gate stops waiting for it until it has caught up, and it loses the oldest instead.
// A subscriber's pending messages are usually one stretch of one slab, which its writer sends as
// one view, without copying. The backplane joins instances by publishing what others send.

import { laggedNotice, type Outbox, TURN_BYTES, Turns, type Wakeable } from "./outbox.ts";
import { SlabEncoder } from "./slab.ts";

/**
 * How long a subscriber may keep the gate shut (the publishers waiting for it to take the next
 * lines) before it counts as a slow reader. Measured: with 1,000 readers in one process behind a
 * sender writing as fast as it can, on 2 cores, a reader that keeps up held the gate at most
 * 0.65 s (the reading process's turn over all its sockets); 2 s leaves room for a loaded machine,
 * and one client that stopped reading costs the others one pause of that length.
 */
export const STALL_MS = 2000;

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
  /** Messages from this key published since the position, not yet passed (own lines skipped). */
  ownAhead = 0;
  /** Out of the gate: it stopped taking lines while others waited, until it catches up. */
  slow = false;
  /** Holding the gate shut (the gate waits for it to take): since when (ms), or 0. */
  blockedAt = 0;
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

  /** Ended, with every message up to the end taken: nothing left it could lose. */
  get finished(): boolean {
    return this.#ended && this.#cursor >= this.#endSeq;
  }

  /** Sequence number of the next message to take. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Moves the position to `to`; a subscriber holding the gate shut lets go of it. */
  #advance(to: number): void {
    this.#cursor = to;
    if (this.blockedAt !== 0) {
      this.blockedAt = 0;
      this.#hub.released();
    }
  }

  /**
   * Messages between the position and `stop` that the ring no longer holds: where the oldest
   * still held starts, and how many of those lost were this subscriber's own (skipped anyway).
   */
  #lost(stop: number): { upTo: number; own: number } {
    const ring = this.#ring;
    const upTo = Math.min(ring.tail - ring.capacity, stop);
    if (this.#cursor >= upTo || this.ownAhead === 0) return { upTo, own: 0 };
    // Own lines still held (O(capacity), only when lines were lost and some were its own).
    let held = 0;
    if (this.lastPublished >= upTo) {
      const len = ring.msgs.length;
      for (let s = upTo; s < stop; s++) if (ring.from[s % len] === this.key) held++;
    }
    return { upTo, own: Math.max(0, this.ownAhead - held) };
  }

  /** Messages waiting (at most the hub's capacity; the subscriber's own included). */
  get size(): number {
    return Math.min(this.#stop() - this.#cursor, this.#ring.capacity);
  }

  /** Messages lost so far and not yet reported. */
  get dropped(): number {
    const lost = this.#lost(this.#stop());
    return this.#dropped + Math.max(0, lost.upTo - this.#cursor - lost.own);
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
    const lost = this.#lost(stop);
    if (this.#cursor < lost.upTo) {
      this.#dropped += lost.upTo - this.#cursor - lost.own;
      this.ownAhead -= lost.own;
      this.#advance(lost.upTo);
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
        this.#advance(stop);
        return view;
      }
    }
    let out: Uint8Array | undefined;
    let off = 0;
    const put = (bytes: Uint8Array): boolean => {
      if (out === undefined) out = this.#lent = this.#hub.turns.borrow();
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
      if (own !== undefined && ring.from[i] === own) {
        this.ownAhead--;
        continue;
      }
      const msg = ring.msgs[i]!;
      if (out === undefined && msg.length > TURN_BYTES) {
        this.#advance(s + 1);
        return msg; // a long line goes alone, as it is
      }
      if (!put(msg)) break;
    }
    if (s !== this.#cursor) this.#advance(s);
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
    this.#hub.turns.giveBack(buf);
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
      const i = this.#cursor % len;
      this.#advance(this.#cursor + 1);
      if (this.key === undefined || ring.from[i] !== this.key) return ring.msgs[i]!;
      this.ownAhead--;
    }
    return this.#last.shift() ?? null;
  }

  #pending(): boolean {
    return this.#cursor < this.#stop() || this.#dropped > 0 || this.#last.length > 0;
  }

  /** Resolves true when something may be pending, false once ended and drained. One waiter. */
  wait(): Promise<boolean> {
    if (this.#pending()) return Promise.resolve(true);
    if (this.slow) this.#hub.caughtUp(this);
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
      this.#hub.turns.schedule(this);
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
  /** The writer turns its subscribers are woken and copied in (the server's). */
  readonly turns: Turns;
  readonly #ring: Ring;
  readonly #subs = new Set<Subscription>();
  readonly #byKey = new Map<string, Subscription>();
  readonly #encoder = new SlabEncoder();
  #closed = false;
  /** Publishing may go on without a look at the subscribers until the tail reaches this. */
  #limit = 0;
  /** Subscribers holding the gate shut: when the last of them takes, the gate is looked at. */
  #blockers = 0;
  /** What publishers wait for while the gate is shut, and how it is opened. */
  #gate?: Promise<void>;
  #open?: () => void;
  /** Looks at the gate again when the first blocker would count as slow. */
  #timer?: ReturnType<typeof setTimeout>;

  constructor(capacity: number, turns: Turns = new Turns()) {
    if (!(capacity >= 1)) throw new RangeError(`hub capacity must be at least 1, not ${capacity}`);
    this.capacity = capacity;
    this.turns = turns;
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
      this.#limit = Math.min(this.#limit, sub.cursor + this.capacity);
    }
    return sub;
  }

  /**
   * Undefined when a line can be published now without overrunning any subscriber that keeps up;
   * otherwise a promise that resolves once one may be (ask again then: another publisher may
   * have taken the room). O(1) but once per stretch of lines the slowest subscriber has room for.
   * (A per-turn budget instead, 256 lines then a macrotask yield, was measured too: it cannot
   * see that a reader's write is still pending, so 3 fast readers lost lines of a 5,000-line
   * paste, and the fan-out bench dropped most lines at 100 and at 1,000 readers.)
   */
  room(): Promise<void> | undefined {
    if (this.#ring.tail < this.#limit || this.#closed) return undefined;
    if (this.#gate === undefined) this.#look();
    return this.#gate;
  }

  /**
   * Finds the subscriber furthest behind among those that keep up and moves the limit to where
   * it would be overrun; shuts the gate when that is now. A subscriber that has held the gate
   * shut for {@linkcode STALL_MS} is marked slow and no longer waited for.
   */
  #look(): void {
    const tail = this.#ring.tail, cap = this.capacity;
    const now = performance.now();
    let min = Infinity, firstStall = Infinity, blockers = 0;
    for (const sub of this.#subs) {
      if (sub.slow || sub.finished) continue;
      const c = sub.cursor;
      if (c + cap > tail) {
        if (c < min) min = c;
        continue;
      }
      if (sub.blockedAt === 0) sub.blockedAt = now;
      else if (now - sub.blockedAt >= STALL_MS) {
        sub.blockedAt = 0;
        sub.slow = true;
        continue;
      }
      blockers++;
      if (c < min) min = c;
      if (sub.blockedAt < firstStall) firstStall = sub.blockedAt;
    }
    this.#limit = min + cap;
    this.#blockers = blockers;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (blockers === 0) {
      const open = this.#open;
      this.#gate = this.#open = undefined;
      open?.();
      return;
    }
    this.#gate ??= new Promise((resolve) => this.#open = resolve);
    this.#timer = setTimeout(() => this.#look(), firstStall + STALL_MS - now);
  }

  /** Called by a subscriber holding the gate shut once it has taken or left. */
  released(): void {
    if (--this.#blockers <= 0 && this.#gate !== undefined) this.#look();
  }

  /** Called by a slow subscriber that has caught up: the gate waits for it again. */
  caughtUp(sub: Subscription): void {
    sub.slow = false;
    this.#limit = Math.min(this.#limit, sub.cursor + this.capacity);
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
    if (!this.#subs.delete(sub)) return;
    if (sub.blockedAt !== 0) {
      sub.blockedAt = 0;
      this.released();
    }
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
        if (!sender.ended) sender.ownAhead++;
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
    clearTimeout(this.#timer);
    this.#open?.();
    this.#gate = this.#open = undefined;
  }
}

/** Something a publisher may have to wait for before its next line: a hub, the backplane. */
export interface Gate {
  /** Undefined when there is room now, else a promise to wait for before asking again. */
  room(): Promise<void> | undefined;
}

/**
 * Waits until `a` and `b` both have room, then calls `send(x)` in the same turn as the last
 * look (so no other publisher takes the room in between). For a publisher whose gate was shut:
 * the sender's next line is read once this resolves, which is the backpressure on its reads.
 */
export async function afterRoom<T>(
  a: Gate | undefined,
  b: Gate | undefined,
  send: (x: T) => void,
  x: T,
): Promise<void> {
  let w: Promise<void> | undefined;
  while ((w = a?.room() ?? b?.room()) !== undefined) await w;
  send(x);
}
