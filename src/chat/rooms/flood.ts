// The flood limit of rooms mode: a client may send `--flood` lines a second (a burst of as many
// at once); lines beyond that are dropped as they are read, never queued, and the client hears
// about it once a second at most. A token bucket: O(1) per line, one number per client.

/** What to do with a line. */
export enum Flood {
  /** Within the limit: handle it. */
  Pass,
  /** Over the limit: drop it and tell the client (the first drop this second). */
  Notice,
  /** Over the limit, already told: drop it silently. */
  Drop,
}

/** The notice a flooding client gets. */
export function floodNotice(perSecond: number): string {
  return `*** flood limit: more than ${perSecond} lines a second; lines dropped`;
}

/** One client's line budget. */
export class FloodGate {
  readonly perSecond: number;
  #tokens: number;
  #at: number;
  #noticeAt = -Infinity;

  constructor(perSecond: number, now = performance.now()) {
    this.perSecond = perSecond;
    this.#tokens = perSecond;
    this.#at = now;
  }

  /** Spends one line of the budget if there is one. */
  check(now = performance.now()): Flood {
    const refill = (now - this.#at) * this.perSecond / 1000;
    this.#at = now;
    this.#tokens = Math.min(this.perSecond, this.#tokens + refill);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return Flood.Pass;
    }
    if (now - this.#noticeAt < 1000) return Flood.Drop;
    this.#noticeAt = now;
    return Flood.Notice;
  }
}
