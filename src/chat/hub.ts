// The only path a line takes from one client to others: an in-process broadcast hub with the
// semantics of Tokio's broadcast channel. A message is encoded once and the same bytes are shared
// by every subscriber's bounded queue; a subscriber that falls behind loses its oldest messages
// and is told how many, and the publisher never waits for anyone. A later backplane joins
// instances by subscribing here and publishing what other instances send.

import { LineQueue } from "./queue.ts";

const encoder = new TextEncoder();

// Messages are encoded into shared slabs rather than one small buffer each: one allocation per
// 1 MiB of chat instead of one per line, and a subscriber's pending lines usually lie back to back
// in one slab, so its writer sends them as one view without copying (see LineQueue.take). A slab
// is never written twice, so the bytes handed to subscribers never change; it is freed once no
// queue holds a message in it (queues hold recent messages, so only the last slabs stay alive).
const SLAB_BYTES = 1024 * 1024;
/** Lines that may take more than this (UTF-8 worst case) get a buffer of their own. */
const SLAB_LINE_MAX = 4 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/** `text` + CRLF as UTF-8, in a shared slab when short. */
export function encodeLine(text: string): Uint8Array {
  const most = text.length * 3 + 2;
  if (most > SLAB_LINE_MAX) return encoder.encode(text + "\r\n");
  if (slabUsed + most > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const start = slabUsed;
  let end = start;
  // ASCII, the usual chat line, is copied char by char; anything else goes to the encoder.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      end = start + encoder.encodeInto(text, slab.subarray(start)).written;
      break;
    }
    slab[end++] = c;
  }
  slab[end] = 13;
  slab[end + 1] = 10;
  slabUsed = end + 2;
  return slab.subarray(start, slabUsed);
}

/** One subscriber of a {@linkcode Hub}: a bounded queue of the messages published to it. */
export class Subscription extends LineQueue {
  /** Who this subscriber is (e.g. its remote address); a publisher can skip it by this key. */
  readonly key: string | undefined;
  readonly #hub: Hub;

  constructor(hub: Hub, capacity: number, key?: string) {
    super(capacity);
    this.#hub = hub;
    this.key = key;
  }

  /** Leaves the hub; what is already queued can still be taken. */
  unsubscribe(): void {
    this.#hub.unsubscribe(this);
  }

  /**
   * Yields each message as encoded (text and CRLF), or a `*** lagged` line where messages were
   * lost, until the subscription ends. (A client's writer uses `take` instead: one write a turn.)
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    while (await this.wait()) {
      let msg;
      while ((msg = this.takeOne()) !== null) yield msg;
    }
  }
}

/** A broadcast hub: `publish` hands one message to every subscriber's queue. */
export class Hub {
  /** Messages each subscriber may have waiting before its oldest are dropped. */
  readonly capacity: number;
  readonly #subs = new Set<Subscription>();
  #closed = false;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Subscribers now. */
  get size(): number {
    return this.#subs.size;
  }

  /** A new subscriber, known as `key`; it receives what is published from now on. */
  subscribe(key?: string): Subscription {
    const sub = new Subscription(this, this.capacity, key);
    if (this.#closed) sub.end();
    else this.#subs.add(sub);
    return sub;
  }

  /** Removes `sub` (see {@linkcode Subscription.unsubscribe}). */
  unsubscribe(sub: Subscription): void {
    this.#subs.delete(sub);
  }

  /**
   * Sends the line `message` (CRLF is added) to every subscriber except those whose key is
   * `from`. Encodes once; returns how many subscribers it was queued for.
   */
  publish(message: string, from?: string): number {
    return this.publishBytes(encodeLine(message), from);
  }

  /** Like {@linkcode publish} with the message already encoded; `bytes` must not change later. */
  publishBytes(bytes: Uint8Array, from?: string): number {
    let n = 0;
    if (from === undefined) {
      for (const sub of this.#subs) {
        sub.push(bytes);
        n++;
      }
    } else {
      for (const sub of this.#subs) {
        if (sub.key === from) continue;
        sub.push(bytes);
        n++;
      }
    }
    return n;
  }

  /** Ends every subscription (their writers flush what is queued) and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const sub of this.#subs) sub.end();
    this.#subs.clear();
  }
}
