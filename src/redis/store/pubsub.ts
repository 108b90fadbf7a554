// Channels and patterns, shared by every connection. PUBLISH encodes each message frame once into
// a shared slab whose bytes are never overwritten, and hands the same view to every receiver: an
// idle subscriber that receives consecutive frames of the slab writes that range of it as is, so
// a fan-out to a thousand subscribers costs no per-subscriber copy nor encoding (one that has
// other output pending copies the frame). A subscriber decides for itself what to do when its
// output grows (the output limits live with the connection).

import { keyBytes } from "./db.ts";
import { RespWriter } from "../../resp/writer.ts";
import { compileGlob, type Glob } from "./glob.ts";

/** A connection that can receive messages. */
export interface Subscriber {
  /** Channels this subscriber listens to (binary strings). */
  readonly channels: ReadonlySet<string>;
  /** Patterns this subscriber listens to (binary strings). */
  readonly patterns: ReadonlySet<string>;
  /**
   * The subscriber's own sets behind `channels` and `patterns`, for the registry to change; a
   * connection makes them on the first subscription (most never subscribe).
   */
  subscriptions(): { channels: Set<string>; patterns: Set<string> };
  /**
   * Appends an encoded message frame to the subscriber's output. The bytes are reused after,
   * unless `stable`: then they are a view of a slab never written again, which the subscriber
   * may keep and send as is (consecutive frames of a slab are consecutive views of it).
   */
  deliver(frame: Uint8Array, stable?: boolean): void;
}

const MESSAGE = new TextEncoder().encode("message");
const PMESSAGE = new TextEncoder().encode("pmessage");
/** Bytes of one frame slab; a larger frame gets a slab of its own. */
const SLAB = 256 * 1024;

/** The pub/sub registry: who listens to which channel and pattern. */
export class PubSub {
  /** Subscribers by channel. */
  readonly channels = new Map<string, Set<Subscriber>>();
  /** Subscribers by pattern, with the pattern compiled once and its bytes for message frames. */
  readonly patterns = new Map<string, { glob: Glob; bytes: Uint8Array; subs: Set<Subscriber> }>();
  readonly #frame = new RespWriter(256);
  /** Where frames are kept for their receivers: bytes before `#used` are never written again. */
  #slab = new Uint8Array(0);
  #used = 0;
  /** Messages published so far. */
  published = 0;

  /** Adds `sub` to `channel`; false if it was already there. */
  subscribe(sub: Subscriber, channel: string): boolean {
    if (sub.channels.has(channel)) return false;
    sub.subscriptions().channels.add(channel);
    let set = this.channels.get(channel);
    if (set === undefined) this.channels.set(channel, set = new Set());
    set.add(sub);
    return true;
  }

  /** Removes `sub` from `channel`; false if it was not there. */
  unsubscribe(sub: Subscriber, channel: string): boolean {
    if (!sub.channels.has(channel)) return false;
    sub.subscriptions().channels.delete(channel);
    const set = this.channels.get(channel);
    if (set !== undefined) {
      set.delete(sub);
      if (set.size === 0) this.channels.delete(channel);
    }
    return true;
  }

  /** Adds `sub` to `pattern`; false if it was already there. */
  psubscribe(sub: Subscriber, pattern: string): boolean {
    if (sub.patterns.has(pattern)) return false;
    sub.subscriptions().patterns.add(pattern);
    let entry = this.patterns.get(pattern);
    if (entry === undefined) {
      entry = { glob: compileGlob(pattern), bytes: keyBytes(pattern), subs: new Set() };
      this.patterns.set(pattern, entry);
    }
    entry.subs.add(sub);
    return true;
  }

  /** Removes `sub` from `pattern`; false if it was not there. */
  punsubscribe(sub: Subscriber, pattern: string): boolean {
    if (!sub.patterns.has(pattern)) return false;
    sub.subscriptions().patterns.delete(pattern);
    const entry = this.patterns.get(pattern);
    if (entry !== undefined) {
      entry.subs.delete(sub);
      if (entry.subs.size === 0) this.patterns.delete(pattern);
    }
    return true;
  }

  /** Removes `sub` from everything (its connection ended). */
  removeAll(sub: Subscriber): void {
    for (const ch of [...sub.channels]) this.unsubscribe(sub, ch);
    for (const pat of [...sub.patterns]) this.punsubscribe(sub, pat);
  }

  /**
   * Sends `message` to the subscribers of `channel` (first those of the channel, then those of
   * each matching pattern, as Redis does); returns how many received it.
   */
  publish(channel: Uint8Array, key: string, message: Uint8Array): number {
    this.published++;
    let receivers = 0;
    const subs = this.channels.get(key);
    if (subs !== undefined) {
      const w = this.#frame;
      w.arrayHeader(3);
      w.bulk(MESSAGE);
      w.bulk(channel);
      w.bulk(message);
      const frame = this.#stable(w);
      for (const sub of subs) {
        sub.deliver(frame, true);
        receivers++;
      }
    }
    if (this.patterns.size > 0) {
      for (const entry of this.patterns.values()) {
        if (!entry.glob.match(key)) continue;
        const w = this.#frame;
        w.arrayHeader(4);
        w.bulk(PMESSAGE);
        w.bulk(entry.bytes);
        w.bulk(channel);
        w.bulk(message);
        const frame = this.#stable(w);
        for (const sub of entry.subs) {
          sub.deliver(frame, true);
          receivers++;
        }
      }
    }
    return receivers;
  }

  /** Moves the frame encoded in `w` into the slab; the view returned stays valid for good. */
  #stable(w: RespWriter): Uint8Array {
    const bytes = w.view(), n = bytes.length;
    if (this.#used + n > this.#slab.length) {
      // The old slab stays alive while receivers still hold views of it.
      this.#slab = new Uint8Array(Math.max(SLAB, n));
      this.#used = 0;
    }
    const at = this.#used;
    this.#slab.set(bytes, at);
    this.#used = at + n;
    w.truncate(0);
    return this.#slab.subarray(at, at + n);
  }
}
