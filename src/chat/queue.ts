// A client's outgoing lines: a bounded ring of encoded lines that its writer drains in one write per
// turn. When the ring is full the oldest line is dropped and counted, like Tokio's broadcast
// channel, so a slow reader never slows anyone else; the count becomes one `*** lagged` line.

const encoder = new TextEncoder();

/** Most bytes a writer takes in one turn (one line is always taken whole, however long). */
export const TURN_BYTES = 64 * 1024;

// The buffers turns are copied into are recycled: a writer gives its buffer back once the write
// is done, so a busy server reuses a few buffers instead of allocating one per client per turn.
const POOL_MAX = 64;
const pool: Uint8Array[] = [];

/** The line a lagging client gets in place of the lines it lost. */
export function laggedNotice(dropped: number): Uint8Array {
  return encoder.encode(`*** lagged: ${dropped} messages dropped\r\n`);
}

// Wakes are deferred to one timer per event-loop turn: a reader that publishes the hundred lines of
// one socket read wakes each writer once, and each writer then sends all hundred in one write.
const toWake: LineQueue[] = [];
let wakeScheduled = false;

function wakeAll(): void {
  wakeScheduled = false;
  const queues = toWake.splice(0);
  for (const q of queues) q.wakeNow();
}

function scheduleWake(q: LineQueue): void {
  toWake.push(q);
  if (!wakeScheduled) {
    wakeScheduled = true;
    setTimeout(wakeAll, 0);
  }
}

/**
 * A bounded queue of encoded lines for one client. `push` never blocks: a full queue drops its
 * oldest line. `take` returns everything pending as one buffer (lag notice first).
 */
export class LineQueue {
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
  #lent?: Uint8Array;
  #roomWaiter?: () => void;

  constructor(capacity: number) {
    if (!(capacity >= 1)) {
      throw new RangeError(`queue capacity must be at least 1, not ${capacity}`);
    }
    this.capacity = capacity;
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
   * Queues one encoded line (shared, never copied or changed). A full queue drops its oldest
   * line first. Returns false once the queue has ended.
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
      scheduleWake(this);
    }
  }

  /** Resolves a waiting `wait` (called by the deferred wake; not for general use). */
  wakeNow(): void {
    this.#wakePending = false;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.(this.#size > 0 || this.#dropped > 0 || !this.#ended);
  }

  /**
   * Everything pending as one buffer, the lag notice first, or null when nothing is pending.
   * Takes at most about {@linkcode TURN_BYTES} (always at least one line); the rest waits for the
   * next turn. Lines that lie back to back in one buffer (see `encodeLine`) are returned as one
   * view of it, without copying; otherwise they are copied into a recycled buffer.
   */
  take(): Uint8Array | null {
    const notice = this.#dropped > 0 ? laggedNotice(this.#dropped) : undefined;
    this.#dropped = 0;
    if (this.#size === 0) return notice ?? null;
    const ring = this.#ring;
    const len = ring.length;
    if (this.#size === 1 && !notice) {
      const only = ring[this.#head]!;
      ring[this.#head] = undefined;
      this.#size = 0;
      this.#bytes = 0;
      this.#head = 0;
      this.#room();
      return only;
    }
    if (!notice && this.#bytes <= TURN_BYTES) {
      const run = this.#contiguous();
      if (run) return run;
    }
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
      const buf = pool.pop() ?? new Uint8Array(TURN_BYTES);
      this.#lent = buf;
      out = buf.subarray(0, bytes);
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

  /**
   * When every pending line lies right after the one before in the same buffer (one publisher's
   * lines encoded into one slab, the usual case), takes them all as one view: no copy at all.
   */
  #contiguous(): Uint8Array | null {
    const ring = this.#ring;
    const len = ring.length;
    const first = ring[this.#head]!;
    const buffer = first.buffer;
    let end = first.byteOffset + first.length;
    let i = this.#head + 1;
    if (i === len) i = 0;
    for (let k = 1; k < this.#size; k++) {
      const line = ring[i]!;
      if (line.buffer !== buffer || line.byteOffset !== end) return null;
      end += line.length;
      if (++i === len) i = 0;
    }
    i = this.#head;
    for (let k = 0; k < this.#size; k++) {
      ring[i] = undefined;
      if (++i === len) i = 0;
    }
    this.#size = 0;
    this.#bytes = 0;
    this.#head = 0;
    this.#room();
    return new Uint8Array(buffer, first.byteOffset, end - first.byteOffset);
  }

  /**
   * Gives back the buffer of the last `take` once it has been written (it may then be reused by
   * any queue; a chunk that is not a pooled buffer is ignored).
   */
  recycle(chunk: Uint8Array): void {
    const buf = this.#lent;
    if (buf === undefined || chunk.buffer !== buf.buffer) return;
    this.#lent = undefined;
    if (pool.length < POOL_MAX) pool.push(buf);
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

  /**
   * Resolves true when something is pending, false once the queue has ended and is empty.
   * One waiter at a time (the client's writer).
   */
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
      scheduleWake(this);
    }
  }
}
