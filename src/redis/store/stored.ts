// How the keyspace holds keys and values: keys as binary strings (one char per byte, so a JS Map
// can index them), short string values as binary strings too (V8 makes those faster than short
// typed arrays), longer ones as bytes, and the collection types. db.ts re-exports all of it.

import { HashValue } from "./hash_value.ts";
import { SetValue } from "./set_value.ts";
import { ListValue } from "./list_value.ts";
import { ZSetValue } from "./zset_value.ts";
import { StreamValue } from "./stream_value.ts";
import { SharedBytes } from "../../resp/shared_bytes.ts";

/**
 * Strings made recently by {@linkcode keyOf} for short byte strings, direct-mapped by a hash of
 * the bytes: a key (or field, or small value) used again is found by comparing its bytes with
 * the string's chars, which costs less than making the string again, and the string found has its
 * hash computed already, so the Map lookup that follows is cheaper too. A miss costs the hash
 * (and only bytes seen twice in a row in a slot replace its string).
 */
const RECENT_SLOTS = 1024;
const RECENT_MAX = 32;
const recent: string[] = new Array(RECENT_SLOTS).fill("");
const hashes = new Int32Array(RECENT_SLOTS);

/** Turns key bytes into the binary string used as the Map key (one char per byte). */
export function keyOf(b: Uint8Array): string {
  // Bytes the request parser shares keep the string made of them the first time.
  const text = (b as SharedBytes).text;
  if (text !== undefined) return text;
  const n = b.length;
  if (n <= RECENT_MAX) {
    let h = n;
    for (let i = 0; i < n; i++) h = (h * 31 + b[i]!) | 0;
    const slot = h & (RECENT_SLOTS - 1);
    const known = recent[slot]!;
    if (known.length === n) {
      let i = 0;
      while (i < n && known.charCodeAt(i) === b[i]) i++;
      if (i === n) {
        if (b instanceof SharedBytes) b.text = known;
        return known;
      }
    }
    const made = String.fromCharCode.apply(null, b as unknown as number[]);
    if (b instanceof SharedBytes) b.text = made;
    // Kept only on a second sighting of the same hash, so a stream of distinct keys neither
    // replaces the strings in use nor keeps young strings alive.
    if (hashes[slot] === h) recent[slot] = made;
    else hashes[slot] = h;
    return made;
  }
  if (n <= 8192) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = "";
  for (let i = 0; i < n; i += 8192) {
    s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}

/** Turns a binary string (one char per byte) back into bytes. */
export function keyBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A value as commands see it: a string's bytes, a hash, a set, a list, a sorted set or a stream. */
export type Value = Uint8Array | HashValue | SetValue | ListValue | ZSetValue | StreamValue;

/**
 * A string value as the keyspace holds it: short values as binary strings (one char per byte),
 * since V8 creates short strings far faster than short typed arrays; longer ones as bytes.
 */
export type Str = Uint8Array | string;

/**
 * A value as the keyspace holds it: a string ({@linkcode Str}), a hash or a set. Only the hot
 * GET/SET path sees strings in this form ({@linkcode Db.getStored}); `get`/`peek` return bytes.
 */
export type Stored = Str | HashValue | SetValue | ListValue | ZSetValue | StreamValue;

/** Whether `v` is a string value. */
export function isStr(v: Stored): v is Str {
  return typeof v === "string" || v instanceof Uint8Array;
}

/** Redis's TYPE name of a value. */
export function typeName(v: Stored): string {
  return typeof v === "string" || v instanceof Uint8Array
    ? "string"
    : v instanceof HashValue
    ? "hash"
    : v instanceof ListValue
    ? "list"
    : v instanceof ZSetValue
    ? "zset"
    : v instanceof StreamValue
    ? "stream"
    : "set";
}

/** Values up to this many bytes are stored as binary strings by {@linkcode toStored}. */
const SHORT_VALUE = 64;

/** A stored copy of `b` (which may be a view into a read buffer). */
export function toStored(b: Uint8Array): Str {
  // The copy constructor allocates and copies in one step (cheaper than slice()).
  return b.length <= SHORT_VALUE ? keyOf(b) : new Uint8Array(b);
}

/** Values of at least this many bytes are released at once when replaced ({@linkcode releaseBytes}). */
export const RELEASE_FROM = 16 * 1024;

/**
 * Gives back the memory of `v`, a string value kept as bytes that has just been replaced and that
 * nothing else references, now rather than at V8's next collection (the ArrayBuffer is detached:
 * every view of it reads as empty from then on). Only large values: for a value of a few KiB the
 * detach costs about what it saves (loading an append-only file of 256 B - 4 KiB values took the
 * same time with and without), while a 64 KiB value overwritten per request otherwise waits for
 * a collection that external memory alone triggers (SET -d 65536 went from 0.51x to 1.00x of
 * redis-server). A view into a buffer it does not fill is left to the collector.
 */
export function releaseBytes(v: Uint8Array): void {
  const buf = v.buffer;
  if (
    v.byteLength >= RELEASE_FROM && v.byteOffset === 0 && buf instanceof ArrayBuffer &&
    buf.byteLength === v.byteLength
  ) {
    buf.transfer(0);
  }
}
