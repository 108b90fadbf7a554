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

import { Turns } from "./outbox.ts";
import { Ring } from "./ring.ts";
import { Subscription, type SubscriptionHost } from "./subscription.ts";

export { Subscription };
import { SlabEncoder } from "./slab.ts";

/**
 * How long a subscriber may keep the gate shut (the publishers waiting for it to take the next
 * lines) before it counts as a slow reader. Measured: with 1,000 readers in one process behind a
 * sender writing as fast as it can, on 2 cores, a reader that keeps up held the gate at most
 * 0.65 s (the reading process's turn over all its sockets); 2 s leaves room for a loaded machine,
 * and one client that stopped reading costs the others one pause of that length.
 */
export const STALL_MS = 2000;

/** A broadcast hub: `publish` hands one message to every subscriber. */
export class Hub implements SubscriptionHost {
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
