// What a client's writer drains, and the machinery every kind of outbox shares: writers are woken
// once per event-loop turn (so a burst of lines goes out in one write), turns are copied into
// recycled buffers (both owned by one Turns per server), and a lagging client's loss becomes one
// `*** lagged` line.

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

/**
 * The writer turns of one chat server: wakes are deferred to one timer per event-loop turn (a reader
 * that publishes the hundred lines of one socket read wakes each writer once, and each writer then
 * sends all hundred in one write), and the buffers turns are copied into are recycled (a writer gives
 * its buffer back once the write is done, so a busy server reuses a few buffers instead of allocating
 * one per client per turn). The server makes one and hands it to its hubs and queues.
 *
 * @example
 * ```ts
 * import { Turns } from "./outbox.ts";
 * const turns = new Turns();
 * turns.schedule({ wakeNow: () => console.log("woken in the next turn") });
 * const buf = turns.borrow();
 * turns.giveBack(buf);
 * ```
 */
export class Turns {
  #toWake: Wakeable[] = [];
  #scheduled = false;
  readonly #pool: Uint8Array[] = [];
  readonly #wakeAll = (): void => {
    this.#scheduled = false;
    const batch = this.#toWake;
    this.#toWake = [];
    for (const w of batch) w.wakeNow();
  };

  /** Calls `w.wakeNow()` in the next event-loop turn (the caller makes sure it is queued once). */
  schedule(w: Wakeable): void {
    this.#toWake.push(w);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(this.#wakeAll, 0);
    }
  }

  /** A buffer of {@linkcode TURN_BYTES} for one turn; give it back with `giveBack`. */
  borrow(): Uint8Array {
    return this.#pool.pop() ?? new Uint8Array(TURN_BYTES);
  }

  /** Returns a buffer from `borrow` for the next turn. */
  giveBack(buf: Uint8Array): void {
    if (this.#pool.length < POOL_MAX) this.#pool.push(buf);
  }
}

/** Turn buffers kept for reuse. */
const POOL_MAX = 32;
