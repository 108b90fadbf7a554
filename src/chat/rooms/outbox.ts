// What one rooms-mode client's writer drains: its own queue (replies to its commands, private
// messages, notices meant for it alone) and its subscription to the hub of the room it is in, as
// a Tokio task would select over an mpsc receiver and a broadcast receiver. A room it leaves is
// drained of what was already sent there before it is let go, and the last words given to `end`
// come after everything else.

import type { Subscription } from "../hub.ts";
import type { Outbox, Turns } from "../outbox.ts";
import { LineQueue } from "../queue.ts";

/** The outbox of a client in rooms mode. */
export class MemberOutbox implements Outbox {
  /** Lines for this client alone. */
  readonly own: LineQueue;
  #room: Subscription | undefined;
  /** Rooms left whose pending lines are still to be written. */
  #leaving: Subscription[] = [];
  /** The source of the chunk last taken (its buffer goes back there). */
  #lender: Outbox | undefined;
  /** One outstanding `wait` per source, so sources never pile up waiters. */
  readonly #waits = new Map<Outbox, Promise<boolean>>();
  #ended = false;
  #last: Uint8Array | undefined;

  constructor(capacity: number, turns?: Turns) {
    this.own = new LineQueue(capacity, turns);
  }

  /** The subscription of the room the client is in. */
  get room(): Subscription | undefined {
    return this.#room;
  }

  /** Whether `end` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Switches to the room of `sub`. The previous room's subscription is ended and left (nothing
   * published there from now on reaches this client); what it has pending is still written.
   */
  setRoom(sub: Subscription | undefined): void {
    const old = this.#room;
    if (old) {
      old.end();
      old.unsubscribe();
      this.#leaving.push(old);
    }
    this.#room = sub;
    if (sub && this.#ended) sub.end();
  }

  /** Queues a line for this client alone (kept, not copied). */
  push(line: Uint8Array): boolean {
    return this.own.push(line);
  }

  /**
   * The next chunk to write: rooms left first (older lines), then the client's own lines, then
   * its room; the last words once everything else is written. Null when nothing is pending.
   */
  take(): Uint8Array | null {
    while (this.#leaving.length > 0) {
      const old = this.#leaving[0]!;
      const chunk = old.take();
      if (chunk !== null) return this.#lent(old, chunk);
      this.#leaving.shift();
    }
    let chunk = this.own.take();
    if (chunk !== null) return this.#lent(this.own, chunk);
    const room = this.#room;
    if (room) {
      chunk = room.take();
      if (chunk !== null) return this.#lent(room, chunk);
    }
    if (this.#ended && this.#last !== undefined && this.#drained()) {
      const last = this.#last;
      this.#last = undefined;
      return last;
    }
    return null;
  }

  #lent(from: Outbox, chunk: Uint8Array): Uint8Array {
    this.#lender = from;
    return chunk;
  }

  /** Whether every source has ended and has nothing left. */
  #drained(): boolean {
    const room = this.#room;
    return this.#leaving.length === 0 && this.own.ended && this.own.size === 0 &&
      this.own.dropped === 0 && (room === undefined || (room.ended && room.size === 0));
  }

  /** Gives the buffer of the last `take` back to the source it came from. */
  recycle(chunk: Uint8Array): void {
    this.#lender?.recycle(chunk);
    this.#lender = undefined;
  }

  /** Resolves true when something may be pending, false once ended and everything is written. */
  wait(): Promise<boolean> {
    if (this.#ended && this.#drained()) return Promise.resolve(this.#last !== undefined);
    if (this.#leaving.length > 0) return Promise.resolve(true);
    const sources: Outbox[] = [this.own];
    if (this.#room) sources.push(this.#room);
    return Promise.race(sources.map((s) => this.#waitOn(s))).then(() => true);
  }

  #waitOn(s: Outbox): Promise<boolean> {
    let w = this.#waits.get(s);
    if (w === undefined) {
      w = s.wait();
      this.#waits.set(s, w);
      w.then(() => this.#waits.delete(s));
    }
    return w;
  }

  /** No more lines after what is pending; then `last`, if given. */
  end(last?: Uint8Array): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#last = last;
    this.own.end();
    this.#room?.end();
  }
}
