// Channels and patterns, shared by every connection. PUBLISH encodes each message frame once and
// copies the same bytes into every receiver's pending output, so a fan-out to a thousand
// subscribers costs a thousand memcpys and no per-subscriber encoding. A subscriber decides for
// itself what to do when its output grows (the output limits live with the connection).

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
  /** Appends an encoded message frame to the subscriber's output (the bytes are reused after). */
  deliver(frame: Uint8Array): void;
}

const MESSAGE = new TextEncoder().encode("message");
const PMESSAGE = new TextEncoder().encode("pmessage");

/** The pub/sub registry: who listens to which channel and pattern. */
export class PubSub {
  /** Subscribers by channel. */
  readonly channels = new Map<string, Set<Subscriber>>();
  /** Subscribers by pattern, with the pattern compiled once and its bytes for message frames. */
  readonly patterns = new Map<string, { glob: Glob; bytes: Uint8Array; subs: Set<Subscriber> }>();
  readonly #frame = new RespWriter(256);
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
      const frame = w.take();
      for (const sub of subs) {
        sub.deliver(frame);
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
        const frame = w.take();
        for (const sub of entry.subs) {
          sub.deliver(frame);
          receivers++;
        }
      }
    }
    return receivers;
  }
}
