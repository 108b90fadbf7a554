// What a client's writer drains, and the machinery every kind of outbox shares: writers are woken
// once per event-loop turn (so a burst of lines goes out in one write), turns are copied into
// recycled buffers, and a lagging client's loss becomes one `*** lagged` line.

const encoder = new TextEncoder();

/** Most bytes a writer copies into one turn (one line is always taken whole, however long). */
export const TURN_BYTES = 64 * 1024;

/** The lines waiting for one client, drained by its writer (see ChatClient). */
export interface Outbox {
  /** Everything pending as one buffer, or null when nothing is. */
  take(): Uint8Array | null;
  /** Resolves true when something is pending, false once ended and drained. One waiter. */
  wait(): Promise<boolean>;
  /** Gives back the buffer of the last `take` once written. */
  recycle(chunk: Uint8Array): void;
  /** No more lines after what is pending and `last`. */
  end(last?: Uint8Array): void;
  /** Whether `end` was called. */
  readonly ended: boolean;
}

/** The line a lagging client gets in place of the lines it lost. */
export function laggedNotice(dropped: number): Uint8Array {
  return encoder.encode(`*** lagged: ${dropped} messages dropped\r\n`);
}

/** Something a deferred wake can resume. */
export interface Wakeable {
  wakeNow(): void;
}

// Wakes are deferred to one timer per event-loop turn: a reader that publishes the hundred lines of
// one socket read wakes each writer once, and each writer then sends all hundred in one write.
let toWake: Wakeable[] = [];
let wakeScheduled = false;

function wakeAll(): void {
  wakeScheduled = false;
  const batch = toWake;
  toWake = [];
  for (const w of batch) w.wakeNow();
}

/** Calls `w.wakeNow()` in the next event-loop turn (the caller makes sure it is queued once). */
export function scheduleWake(w: Wakeable): void {
  toWake.push(w);
  if (!wakeScheduled) {
    wakeScheduled = true;
    setTimeout(wakeAll, 0);
  }
}

// The buffers turns are copied into are recycled: a writer gives its buffer back once the write
// is done, so a busy server reuses a few buffers instead of allocating one per client per turn.
const POOL_MAX = 32;
const pool: Uint8Array[] = [];

/** A buffer of {@linkcode TURN_BYTES} for one turn; give it back with `giveBack`. */
export function borrow(): Uint8Array {
  return pool.pop() ?? new Uint8Array(TURN_BYTES);
}

/** Returns a buffer from `borrow` to the pool. */
export function giveBack(buf: Uint8Array): void {
  if (pool.length < POOL_MAX) pool.push(buf);
}
