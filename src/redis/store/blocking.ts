// Clients blocked on keys (BLPOP and the other blocking pops, XREAD BLOCK), as Redis's blocked.c: per
// database and key a first-blocked first-served queue of waiters, a set of keys made ready by
// the current command, served once that command (or its EXEC) has finished, and the timeouts,
// checked against the server's clock. What serving a waiter means is the command's business
// (commands/blocking.ts); this module only orders and wakes them.

/** A client waiting on keys. */
export interface Waiter {
  /** The database index of its keys. */
  readonly db: number;
  /** The keys, in argument order. */
  readonly keys: readonly string[];
  /** When it times out (ms, on the server's clock); 0: never. */
  readonly deadline: number;
  /**
   * Whether the waiters queued behind it are tried even when it cannot be served (a stream's
   * readers each wait for their own id); a list's waiters stop at the first one left waiting.
   */
  readonly everyWaiter?: boolean;
  /** Tries to serve it from `key`; true when it was served (it then calls `remove`). */
  serve(key: string): boolean;
  /** Ends the wait: the timeout reply, or `error`; it then calls `remove`. */
  expire(error?: string): void;
  /** Runs the client's buffered commands once it is no longer blocked. */
  resume(): void;
}

interface KeyQueue {
  readonly key: string;
  /** Insertion-ordered: the first is the longest waiting; removal is O(1). */
  readonly waiters: Set<Waiter>;
}

/** The blocked clients of a server and the keys that may serve them. */
export class BlockedKeys {
  readonly #queues = new Map<string, KeyQueue>();
  #ready = new Set<KeyQueue>();
  readonly #timed = new Set<Waiter>();
  #woken: Waiter[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #handling = false;
  readonly #now: () => number;
  /** Clients blocked now (INFO blocked_clients). */
  count = 0;

  /** `now`: the server's clock (ms). */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** Queues `w` on each of its keys. */
  add(w: Waiter): void {
    for (const key of w.keys) {
      const slot = `${w.db}:${key}`;
      let q = this.#queues.get(slot);
      if (q === undefined) this.#queues.set(slot, q = { key, waiters: new Set() });
      q.waiters.add(w);
    }
    this.count++;
    if (w.deadline > 0) {
      this.#timed.add(w);
      if (this.#timer === undefined) {
        this.#timer = setInterval(() => this.#expire(), 10);
        Deno.unrefTimer(this.#timer);
      }
    }
  }

  /** Takes `w` off every queue (served, timed out, or its client left). */
  remove(w: Waiter): void {
    let found = false;
    for (const key of w.keys) {
      const slot = `${w.db}:${key}`;
      const q = this.#queues.get(slot);
      if (q === undefined || !q.waiters.delete(w)) continue;
      found = true;
      if (q.waiters.size === 0) this.#queues.delete(slot);
    }
    if (found) this.count--;
    if (this.#timed.delete(w) && this.#timed.size === 0) this.#stopTimer();
  }

  /** Notes that `key` of database `db` changed (a no-op when nobody waits on it). */
  ready(db: number, key: string): void {
    if (this.#queues.size === 0) return;
    const q = this.#queues.get(`${db}:${key}`);
    if (q !== undefined) this.#ready.add(q);
  }

  /**
   * Notes as ready every key waited on in database `db` for which `test` holds (SWAPDB and the
   * flushes, as Redis's scanDatabaseForReadyKeys and scanDatabaseForDeletedStreams): O(keys
   * waited on).
   */
  readyIn(db: number, test: (key: string) => boolean): void {
    if (this.#queues.size === 0) return;
    for (const q of this.#queues.values()) {
      const w = q.waiters.values().next().value;
      if (w !== undefined && w.db === db && test(q.key)) this.#ready.add(q);
    }
  }

  /** Whether keys wait to be served (checked after every command). */
  get pending(): boolean {
    return this.#ready.size > 0;
  }

  /**
   * Serves the waiters of the ready keys, first blocked first, while their keys can serve them,
   * then lets the served clients run their buffered commands (which may make more keys ready).
   */
  handle(): void {
    if (this.#handling) return;
    this.#handling = true;
    try {
      while (this.#ready.size > 0 || this.#woken.length > 0) {
        while (this.#ready.size > 0) {
          const ready = this.#ready;
          this.#ready = new Set();
          for (const q of ready) {
            for (const w of q.waiters) {
              if (w.serve(q.key)) this.#woken.push(w);
              else if (w.everyWaiter !== true) break;
            }
          }
        }
        const w = this.#woken.shift();
        if (w !== undefined) w.resume();
      }
    } finally {
      this.#handling = false;
    }
  }

  /** Wakes `w` with the timeout reply or `error` (CLIENT UNBLOCK); false when not blocked. */
  unblock(w: Waiter, error?: string): boolean {
    if (!this.#queuedAnywhere(w)) return false;
    w.expire(error);
    w.resume();
    this.handle();
    return true;
  }

  #queuedAnywhere(w: Waiter): boolean {
    const q = this.#queues.get(`${w.db}:${w.keys[0]}`);
    return q !== undefined && q.waiters.has(w);
  }

  #expire(): void {
    const now = this.#now();
    const due: Waiter[] = [];
    for (const w of this.#timed) if (w.deadline <= now) due.push(w);
    for (const w of due) {
      w.expire();
      w.resume();
    }
    if (due.length > 0) this.handle();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Forgets every waiter (server shutdown: their connections are being closed). */
  close(): void {
    this.#stopTimer();
    this.#queues.clear();
    this.#ready.clear();
    this.#timed.clear();
    this.#woken = [];
    this.count = 0;
  }
}
