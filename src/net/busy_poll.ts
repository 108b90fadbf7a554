// Busy polling: after a read, the event loop keeps running for a short window before it lets the
// thread sleep. A server that sleeps between bursts of requests must be woken for the next one;
// on a virtual machine an idle CPU halts, and waking it costs the *client's* write a trip through
// the hypervisor. With 50 clients at one request each, a server that answers quickly sleeps after
// nearly every burst: tokserver slept 28,000 times per 100,000 LRANGEs where redis-server, slower
// per burst, slept 18,000, and the client, which set the pace, paid for the extra wake-ups (its
// system time 1.0-1.2 s against 0.8-0.9 s). Polling 30 µs after each read takes the sleeps to a
// few hundred (docs/benchmarks.md).
//
// A loop kept running this way checks its sockets only as often as the runtime's event interval
// says: once in 61 turns by default, which is why `tokserver redis` serves from a worker thread
// whose runtime checks them every turn (src/redis/server/worker_host.ts). Only reads of one or
// two requests start or extend the window: a client that pipelines keeps the loop busy anyway
// (polling after its reads too measured 0.92-1.02x). The window restarts only on a read, so an
// idle server sleeps at once and a light load costs at most the window per read. One CPU cannot
// poll and serve its clients too: there, and with a window of 0, nothing polls.

import { setImmediate } from "node:timers";

/** A read with more requests than this is a pipeline and does not poll (see above). */
const MAX_REQUESTS = 2;

/**
 * Keeps the event loop running for `microseconds` after each {@linkcode BusyPoll.touch}.
 *
 * @example
 * ```ts
 * import { BusyPoll } from "./busy_poll.ts";
 * const poll = new BusyPoll(30);
 * poll.touch(1); // a read of one request: keep polling 30 µs before sleeping
 * poll.stop();
 * ```
 */
export class BusyPoll {
  /** The window in milliseconds (performance.now's unit); 0 when off. */
  readonly #window: number;
  #until = 0;
  #polling = false;
  // One pass of the loop: the callback runs after the loop's I/O phase (Node's check phase).
  readonly #pass = (): void => {
    if (performance.now() < this.#until) setImmediate(this.#pass);
    else this.#polling = false;
  };

  /** `microseconds` of polling after each touch; off when 0 or on a single CPU. */
  constructor(microseconds: number, cpus: number = navigator.hardwareConcurrency) {
    this.#window = cpus > 1 && microseconds > 0 ? microseconds / 1000 : 0;
  }

  /** Whether touches poll at all. */
  get enabled(): boolean {
    return this.#window > 0;
  }

  /** A read brought `requests`: poll one more window before sleeping, unless it was a pipeline. */
  touch(requests: number): void {
    if (this.#window === 0 || requests > MAX_REQUESTS) return;
    this.#until = performance.now() + this.#window;
    if (!this.#polling) {
      this.#polling = true;
      setImmediate(this.#pass);
    }
  }

  /** Ends the current window (shutdown). */
  stop(): void {
    this.#until = 0;
  }
}
