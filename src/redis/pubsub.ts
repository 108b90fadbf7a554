// Channels and patterns, shared by every connection. PUBLISH encodes each message frame once and
// copies the same bytes into every receiver's pending output, so a fan-out to a thousand
// subscribers costs a thousand memcpys and no per-subscriber encoding. A subscriber decides for
// itself what to do when its output grows (the output limits live with the connection).

import { keyBytes } from "./db.ts";
import { RespWriter } from "./frame.ts";

/** A connection that can receive messages. */
export interface Subscriber {
  /** Channels this subscriber listens to (binary strings). */
  readonly channels: Set<string>;
  /** Patterns this subscriber listens to (binary strings). */
  readonly patterns: Set<string>;
  /** Appends an encoded message frame to the subscriber's output (the bytes are reused after). */
  deliver(frame: Uint8Array): void;
}

/** Reads a char of a binary string as C's signed char, for range comparisons as Redis does. */
function signed(c: number): number {
  return c > 127 ? c - 256 : c;
}

/**
 * Glob-style matching exactly as Redis's stringmatchlen: `*`, `?`, `[abc]`, `[^a-z]`, and `\`
 * escapes; both arguments are binary strings.
 */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  const skip = { longer: false };
  return matchImpl(pattern, 0, str, 0, nocase, skip, 0);
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function matchImpl(
  pat: string,
  p: number,
  str: string,
  s: number,
  nocase: boolean,
  skip: { longer: boolean },
  nesting: number,
): boolean {
  if (nesting > 1000) return false;
  const plen = pat.length, slen = str.length;
  // Out-of-range reads see C's terminating NUL.
  const pc = (i: number) => (i < plen ? pat.charCodeAt(i) : 0);
  while (p < plen && s < slen) {
    switch (pc(p)) {
      case 42: { // '*'
        while (p < plen && pc(p + 1) === 42) p++;
        if (plen - p === 1) return true;
        while (s < slen) {
          if (matchImpl(pat, p + 1, str, s, nocase, skip, nesting + 1)) return true;
          if (skip.longer) return false;
          s++;
        }
        skip.longer = true;
        return false;
      }
      case 63: // '?'
        s++;
        break;
      case 91: { // '['
        p++;
        const not = pc(p) === 94;
        if (not) p++;
        let match = false;
        const c = str.charCodeAt(s);
        while (true) {
          if (pc(p) === 92 && plen - p >= 2) {
            p++;
            if (pc(p) === c) match = true;
          } else if (pc(p) === 93) {
            break;
          } else if (p >= plen) {
            p--;
            break;
          } else if (plen - p >= 3 && pc(p + 1) === 45) {
            let start = signed(pc(p)), end = signed(pc(p + 2));
            let ch = signed(c);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
              ch = lower(ch);
            }
            p += 2;
            if (ch >= start && ch <= end) match = true;
          } else if (nocase ? lower(pc(p)) === lower(c) : pc(p) === c) {
            match = true;
          }
          p++;
        }
        if (not) match = !match;
        if (!match) return false;
        s++;
        break;
      }
      default: {
        // A backslash escapes the next char; any other char matches itself.
        if (pc(p) === 92 && plen - p >= 2) p++;
        const a = pc(p), b = str.charCodeAt(s);
        if (nocase ? lower(a) !== lower(b) : a !== b) return false;
        s++;
        break;
      }
    }
    p++;
    if (s === slen) {
      while (p < plen && pc(p) === 42) p++;
      break;
    }
  }
  return p >= plen && s === slen;
}

const MESSAGE = new TextEncoder().encode("message");
const PMESSAGE = new TextEncoder().encode("pmessage");

/** The pub/sub registry: who listens to which channel and pattern. */
export class PubSub {
  /** Subscribers by channel. */
  readonly channels = new Map<string, Set<Subscriber>>();
  /** Subscribers by pattern, with the pattern's bytes for message frames. */
  readonly patterns = new Map<string, { bytes: Uint8Array; subs: Set<Subscriber> }>();
  readonly #frame = new RespWriter(256);
  /** Messages published so far. */
  published = 0;

  /** Adds `sub` to `channel`; false if it was already there. */
  subscribe(sub: Subscriber, channel: string): boolean {
    if (sub.channels.has(channel)) return false;
    sub.channels.add(channel);
    let set = this.channels.get(channel);
    if (set === undefined) this.channels.set(channel, set = new Set());
    set.add(sub);
    return true;
  }

  /** Removes `sub` from `channel`; false if it was not there. */
  unsubscribe(sub: Subscriber, channel: string): boolean {
    if (!sub.channels.delete(channel)) return false;
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
    sub.patterns.add(pattern);
    let entry = this.patterns.get(pattern);
    if (entry === undefined) {
      this.patterns.set(pattern, entry = { bytes: keyBytes(pattern), subs: new Set() });
    }
    entry.subs.add(sub);
    return true;
  }

  /** Removes `sub` from `pattern`; false if it was not there. */
  punsubscribe(sub: Subscriber, pattern: string): boolean {
    if (!sub.patterns.delete(pattern)) return false;
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
      for (const [pattern, entry] of this.patterns) {
        if (!globMatch(pattern, key)) continue;
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
