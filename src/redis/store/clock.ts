// The one clock a server reads for everything time-based that a test may want to move: key
// expiry (lazy and the active sweep), TTL/PTTL, EXPIRE's relative times, TIME, INFO's
// server_time_usec, and with them the keyspace `expired` notifications. It runs with the wall
// clock until a test freezes it, moves it forward or sets it (embed.ts's API, or TOKSERVER CLOCK
// with --enable-test-commands yes). Connection bookkeeping (idle timeouts, CLIENT LIST ages, fsync
// pacing) keeps real time: moving the data's clock must not close clients or stall the disk.

/** A clock that reads the wall clock, or a frozen or shifted time when a test says so. */
export class Clock {
  #frozen = false;
  /** The frozen time (ms since the epoch) while frozen. */
  #at = 0;
  /** Added to the wall clock while running. */
  #offset = 0;
  #onJump: (() => void)[] = [];

  /** Milliseconds since the epoch (a bound function: pass it around as it is). */
  readonly now = (): number => this.#frozen ? this.#at : Date.now() + this.#offset;

  /** Microseconds since the epoch, as TIME reports them. */
  micros(): number {
    if (this.#frozen) return this.#at * 1000;
    return Math.floor((performance.timeOrigin + performance.now() + this.#offset) * 1000);
  }

  /** Whether the clock stands still. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** Whether the clock shows something else than the wall clock (frozen or moved). */
  get controlled(): boolean {
    return this.#frozen || this.#offset !== 0;
  }

  /** Stops the clock at the time it shows now. */
  freeze(): void {
    if (this.#frozen) return;
    this.#at = this.now();
    this.#frozen = true;
  }

  /** Lets a frozen clock run again, on from the time it shows (not back to the wall clock). */
  resume(): void {
    if (!this.#frozen) return;
    this.#offset = this.#at - Date.now();
    this.#frozen = false;
  }

  /** Back to the wall clock: running, no offset. */
  reset(): void {
    this.#frozen = false;
    this.#offset = 0;
    this.#jumped();
  }

  /** Moves the clock `ms` milliseconds forward (frozen or not). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance by ${ms} ms`);
    if (this.#frozen) this.#at += ms;
    else this.#offset += ms;
    this.#jumped();
  }

  /** Sets the time shown now (a Date or ms since the epoch); a running clock runs on from it. */
  set(time: Date | number): void {
    const t = typeof time === "number" ? time : time.getTime();
    if (!Number.isFinite(t)) throw new RangeError(`not a time: ${time}`);
    if (this.#frozen) this.#at = Math.floor(t);
    else this.#offset = Math.floor(t) - Date.now();
    this.#jumped();
  }

  /** Calls `fn` after each jump of the clock (the server runs an expiry sweep then). */
  onJump(fn: () => void): void {
    this.#onJump.push(fn);
  }

  #jumped(): void {
    for (const fn of this.#onJump) fn();
  }
}
