// The server's one source of randomness for what a test may want to repeat: RANDOMKEY's pick
// (and SPOP, SRANDMEMBER, HRANDFIELD as they come). A small seeded generator (splitmix32): a
// server started with the same seed and sent the same commands picks the same keys.

/** A seeded pseudo-random generator (not for secrets). */
export class Random {
  #state = 0;
  #seed = 0;

  /** Starts from `seed` (a 32-bit integer), or from a random seed. */
  constructor(seed?: number) {
    this.seed(seed ?? (Math.random() * 2 ** 32) >>> 0);
  }

  /** The seed last set. */
  get current(): number {
    return this.#seed;
  }

  /** Starts the sequence over from `seed`. */
  seed(seed: number): void {
    this.#seed = seed >>> 0;
    this.#state = this.#seed;
  }

  /** A number in [0, 1). */
  next(): number {
    let z = (this.#state = (this.#state + 0x9e3779b9) | 0);
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}
