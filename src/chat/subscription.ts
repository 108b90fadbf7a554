// One subscriber of a hub: its position in the hub's shared ring (ring.ts), drained by its writer
// in one write per turn, usually as one view of a slab without copying. It tells its hub when it
// took lines (the gate may open) and when a slow reader has caught up; the hub is seen through
// SubscriptionHost, so this file does not depend on hub.ts.

import { laggedNotice, type Outbox, TURN_BYTES, type Turns, type Wakeable } from "./outbox.ts";
import type { Ring } from "./ring.ts";

/** What a subscription needs of its hub (hub.ts implements it). */
export interface SubscriptionHost {
  /** The writer turns subscribers are woken and copied in. */
  readonly turns: Turns;
  /** A subscriber took lines: the gate may open. */
  released(): void;
  /** A slow reader has taken everything: it counts for the gate again. */
  caughtUp(sub: Subscription): void;
  /** `sub` leaves the hub. */
  unsubscribe(sub: Subscription): void;
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
  readonly #hub: SubscriptionHost;
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
  constructor(hub: SubscriptionHost, ring: Ring, key?: string) {
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
