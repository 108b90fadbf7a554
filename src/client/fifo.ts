// A first-in first-out queue on an array with a moving head: O(1) push and shift, and a taken
// item's slot is cleared at once, so nothing the consumer has let go of stays reachable. The
// array is compacted once the consumed front outweighs what is left.

/** Compact once at least this many consumed slots lead the array. */
const COMPACT_AT = 1024;

/**
 * A FIFO queue.
 *
 * @example
 * ```ts
 * import { Fifo } from "./fifo.ts";
 * const q = new Fifo<number>();
 * q.push(1);
 * q.push(2);
 * q.shift(); // 1
 * q.length; // 1
 * ```
 */
export class Fifo<T> {
  #items: Array<T | undefined> = [];
  #head = 0;

  /** Items queued and not taken. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /** Queues `item` last. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** Takes the oldest item. */
  shift(): T | undefined {
    const items = this.#items, head = this.#head;
    if (head === items.length) return undefined;
    const item = items[head];
    items[head] = undefined;
    this.#head = head + 1;
    this.#compact();
    return item;
  }

  /** Takes every item, oldest first, leaving the queue empty. */
  drain(): T[] {
    const rest = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return rest;
  }

  #compact(): void {
    const head = this.#head;
    if (head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (head >= COMPACT_AT && head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(head);
      this.#head = 0;
    }
  }
}
