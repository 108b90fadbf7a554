// A list value: a ring-buffer deque of elements (binary strings, one char per byte), so pushes and
// pops at both ends are O(1) as in Redis's quicklist; positional reads are O(1) too. Changes in
// the middle (LINSERT, LREM, LSET is O(1) here) rebuild the buffer, O(n) as in Redis.
//
// Redis 7.0 always encodes a list as a quicklist (OBJECT ENCODING "quicklist"); the
// list-max-listpack-size and list-compress-depth settings only shape its nodes' memory.

/** A list of binary-string elements with O(1) access at both ends and by position. */
export class ListValue {
  /** When it was last used (OBJECT IDLETIME / FREQ, store/access_clock.ts). */
  lru = 0;
  #buf: (string | undefined)[];
  #head = 0;
  #len = 0;

  /** An empty list (or one holding `items`, in order). */
  constructor(items?: readonly string[]) {
    let cap = 8;
    const n = items?.length ?? 0;
    while (cap < n) cap *= 2;
    this.#buf = new Array(cap);
    if (items !== undefined) { for (let i = 0; i < n; i++) this.#buf[i] = items[i]; }
    this.#len = n;
  }

  /** Number of elements. */
  get size(): number {
    return this.#len;
  }

  #grow(): void {
    const old = this.#buf, cap = old.length, next = new Array<string | undefined>(cap * 2);
    for (let i = 0; i < this.#len; i++) next[i] = old[(this.#head + i) & (cap - 1)];
    this.#buf = next;
    this.#head = 0;
  }

  /** Adds `s` at the head (LPUSH). */
  pushLeft(s: string): void {
    if (this.#len === this.#buf.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#buf.length - 1);
    this.#buf[this.#head] = s;
    this.#len++;
  }

  /** Adds `s` at the tail (RPUSH). */
  pushRight(s: string): void {
    if (this.#len === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#len) & (this.#buf.length - 1)] = s;
    this.#len++;
  }

  /** Adds `s` at the head when `left`, else at the tail. */
  push(s: string, left: boolean): void {
    if (left) this.pushLeft(s);
    else this.pushRight(s);
  }

  /** Removes and returns the head element; undefined when empty. */
  popLeft(): string | undefined {
    if (this.#len === 0) return undefined;
    const s = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#buf.length - 1);
    this.#len--;
    return s;
  }

  /** Removes and returns the tail element; undefined when empty. */
  popRight(): string | undefined {
    if (this.#len === 0) return undefined;
    const i = (this.#head + this.#len - 1) & (this.#buf.length - 1);
    const s = this.#buf[i];
    this.#buf[i] = undefined;
    this.#len--;
    return s;
  }

  /** Removes and returns the head element when `left`, else the tail one. */
  pop(left: boolean): string | undefined {
    return left ? this.popLeft() : this.popRight();
  }

  /** The element at position `i` (0 <= i < size). */
  at(i: number): string {
    return this.#buf[(this.#head + i) & (this.#buf.length - 1)]!;
  }

  /** Replaces the element at position `i` (0 <= i < size). */
  setAt(i: number, s: string): void {
    this.#buf[(this.#head + i) & (this.#buf.length - 1)] = s;
  }

  /**
   * Calls `fn` with the stretches of the internal buffer that hold the elements from `start` to
   * `end` inclusive (0 <= start <= end < size), in order: one stretch, or two where the ring wraps.
   */
  stretches(
    start: number,
    end: number,
    fn: (items: readonly (string | undefined)[], from: number, to: number) => void,
  ): void {
    const buf = this.#buf, cap = buf.length;
    const first = (this.#head + start) & (cap - 1), count = end - start + 1;
    if (first + count <= cap) {
      fn(buf, first, first + count);
    } else {
      fn(buf, first, cap);
      fn(buf, 0, first + count - cap);
    }
  }

  /** Elements from `start` to `end` inclusive (0 <= start <= end < size). */
  range(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.at(i);
    return out;
  }

  /** All elements in order. */
  toArray(): string[] {
    return this.#len === 0 ? [] : this.range(0, this.#len - 1);
  }

  /** Replaces every element with `items` (O(n)). */
  replace(items: readonly string[]): void {
    const fresh = new ListValue(items);
    this.#buf = fresh.#buf;
    this.#head = 0;
    this.#len = items.length;
  }

  /** A copy (COPY). */
  clone(): ListValue {
    return new ListValue(this.toArray());
  }
}
