// One client's own queue of outgoing lines, for the echo stages (nothing is broadcast there): a
// bounded ring its writer drains in one write per turn. The echo waits for room instead of
// losing lines; pushing into a full queue drops the oldest line and counts it, as the hub does.

import { laggedNotice, type Outbox, TURN_BYTES, Turns } from "./outbox.ts";

/** A bounded queue of encoded lines for one client. */
export class LineQueue implements Outbox {
  /** Most lines held. */
  readonly capacity: number;
  #ring: Array<Uint8Array | undefined>;
  #head = 0;
  #size = 0;
  #bytes = 0;
  #dropped = 0;
  #ended = false;
  #wakePending = false;
  #waiter?: (more: boolean) => void;
  #roomWaiter?: () => void;
  #lent?: Uint8Array;
  readonly #turns: Turns;

  constructor(capacity: number, turns: Turns = new Turns()) {
    if (!(capacity >= 1)) {
      throw new RangeError(`queue capacity must be at least 1, not ${capacity}`);
    }
    this.capacity = capacity;
    this.#turns = turns;
    this.#ring = new Array(Math.min(capacity, 16));
  }

  /** Lines waiting. */
  get size(): number {
    return this.#size;
  }

  /** Lines dropped since the last `take`. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether `end` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Queues one encoded line (kept, not copied: it must not change later). A full queue drops
   * its oldest line first. Returns false once the queue has ended.
   */
  push(line: Uint8Array): boolean {
    if (this.#ended) return false;
    let ring = this.#ring;
    if (this.#size === this.capacity) {
      const old = ring[this.#head]!;
      ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % ring.length;
      this.#size--;
      this.#bytes -= old.length;
      this.#dropped++;
    } else if (this.#size === ring.length) {
      ring = this.#grow();
    }
    ring[(this.#head + this.#size) % ring.length] = line;
    this.#size++;
    this.#bytes += line.length;
    this.#wake();
    return true;
  }

  #grow(): Array<Uint8Array | undefined> {
    const old = this.#ring;
    const next = new Array<Uint8Array | undefined>(Math.min(this.capacity, old.length * 2));
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) % old.length];
    this.#ring = next;
    this.#head = 0;
    return next;
  }

  #wake(): void {
    if (this.#waiter && !this.#wakePending) {
      this.#wakePending = true;
      this.#turns.schedule(this);
    }
  }

  /** Resolves a waiting `wait` (called by the deferred wake). */
  wakeNow(): void {
    this.#wakePending = false;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.(this.#size > 0 || this.#dropped > 0 || !this.#ended);
  }

  /**
   * Everything pending as one buffer, the lag notice first, or null when nothing is pending.
   * Takes at most about {@linkcode TURN_BYTES} (always at least one line); the rest waits for the
   * next turn. A single pending line is returned as is, without copying.
   */
  take(): Uint8Array | null {
    const notice = this.#dropped > 0 ? laggedNotice(this.#dropped) : undefined;
    this.#dropped = 0;
    if (this.#size === 0) return notice ?? null;
    const ring = this.#ring;
    const len = ring.length;
    if (this.#size === 1 && !notice) return this.takeOne();
    // Count the lines that fit in this turn.
    let n = 0, bytes = notice?.length ?? 0;
    if (this.#bytes + bytes <= TURN_BYTES) {
      n = this.#size;
      bytes += this.#bytes;
    } else {
      while (n < this.#size) {
        const l = ring[(this.#head + n) % len]!.length;
        if (n > 0 && bytes + l > TURN_BYTES) break;
        bytes += l;
        n++;
      }
    }
    let out: Uint8Array;
    if (bytes <= TURN_BYTES) {
      this.#lent = this.#turns.borrow();
      out = this.#lent.subarray(0, bytes);
    } else {
      out = new Uint8Array(bytes); // one line longer than a turn
    }
    let off = 0;
    if (notice) {
      out.set(notice);
      off = notice.length;
    }
    let i = this.#head;
    for (let k = 0; k < n; k++) {
      const line = ring[i]!;
      ring[i] = undefined;
      out.set(line, off);
      off += line.length;
      this.#bytes -= line.length;
      if (++i === len) i = 0;
    }
    this.#size -= n;
    this.#head = this.#size === 0 ? 0 : i;
    this.#room();
    return out;
  }

  /** Gives back the buffer of the last `take` once it has been written. */
  recycle(chunk: Uint8Array): void {
    const buf = this.#lent;
    if (buf === undefined || chunk.buffer !== buf.buffer) return;
    this.#lent = undefined;
    this.#turns.giveBack(buf);
  }

  /** The oldest pending line alone (the lag notice first, if lines were dropped), or null. */
  takeOne(): Uint8Array | null {
    if (this.#dropped > 0) {
      const notice = laggedNotice(this.#dropped);
      this.#dropped = 0;
      return notice;
    }
    if (this.#size === 0) return null;
    const ring = this.#ring;
    const line = ring[this.#head]!;
    ring[this.#head] = undefined;
    this.#head = (this.#head + 1) % ring.length;
    this.#size--;
    this.#bytes -= line.length;
    this.#room();
    return line;
  }

  #room(): void {
    const w = this.#roomWaiter;
    if (w && this.#size < this.capacity) {
      this.#roomWaiter = undefined;
      w();
    }
  }

  /** Resolves true when something is pending, false once the queue has ended and is empty. */
  wait(): Promise<boolean> {
    if (this.#size > 0 || this.#dropped > 0) return Promise.resolve(true);
    if (this.#ended) return Promise.resolve(false);
    return new Promise((resolve) => this.#waiter = resolve);
  }

  /**
   * Resolves when the queue has room for another line without dropping one (or has ended).
   * For sources that must not lose lines, such as an echo: they wait instead of pushing.
   */
  room(): Promise<void> {
    if (this.#size < this.capacity || this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiter = resolve);
  }

  /**
   * No more lines after `last` (if given, queued even when the queue is full); the writer sends
   * what is pending and then finishes.
   */
  end(last?: Uint8Array): void {
    if (this.#ended) return;
    if (last) this.push(last);
    this.#ended = true;
    this.#roomWaiter?.();
    this.#roomWaiter = undefined;
    if (this.#waiter && !this.#wakePending) {
      this.#wakePending = true;
      this.#turns.schedule(this);
    }
  }
}
