// MEMORY USAGE's estimate, in Redis's spirit (object.c's objectComputeSize): the bytes the key
// and its value take in this process's heap, from V8's object layouts (64-bit, no pointer
// compression: a pointer is 8 bytes, an object has a 24-byte header, a sequential one-byte string
// 16 bytes plus its length rounded up to 8, a Map entry about 32 bytes). A collection's element
// strings are sampled as Redis samples them: the first `samples` elements' average size times the
// element count (every element when `samples` is 0). The figures are estimates; they differ from
// redis-server's by nature, and only their shape (an integer, nil without the key) matches.

import type { Stored } from "./db.ts";
import { HashValue } from "./hash_value.ts";
import { SetValue } from "./set_value.ts";
import { ListValue } from "./list_value.ts";
import { ZSetValue } from "./zset_value.ts";
import { StreamValue } from "./stream_value.ts";

const PTR = 8;
const OBJECT = 24;
/** A Uint8Array: the typed array and ArrayBuffer objects and the backing store's bookkeeping. */
const TYPED_ARRAY = 200;
/** A Map entry (key, value and chain slots, plus the bucket share and slack). */
const MAP_ENTRY = 32;

/** Bytes of a sequential one-byte string of `n` chars. */
function stringBytes(n: number): number {
  return 16 + ((n + 7) & ~7);
}

/** Bytes of `key` and its value `v`, sampling at most `samples` elements (0: all). */
export function memoryUsage(key: string, v: Stored, samples: number): number {
  return stringBytes(key.length) + MAP_ENTRY + valueBytes(v, samples);
}

function valueBytes(v: Stored, samples: number): number {
  if (typeof v === "string") return stringBytes(v.length);
  if (v instanceof Uint8Array) return TYPED_ARRAY + v.length;
  if (v instanceof HashValue) {
    // A listpack is the wrapper object and one packed string; a hashtable has its entries.
    const flat = v.flat();
    if (v.listpack) {
      const bytes = flat.reduce((n, s) => n + s.length + (s.length < 128 ? 1 : 2), 1);
      return OBJECT + PTR + stringBytes(bytes);
    }
    return OBJECT + PTR + collectionBytes(flat, 2, samples);
  }
  if (v instanceof SetValue) return OBJECT + 2 * PTR + collectionBytes(v.members, 1, samples);
  if (v instanceof ListValue) {
    // The ring buffer: a slot per element (at least 8, doubling) and the elements sampled.
    const n = v.size, take = samples === 0 ? n : Math.min(n, samples);
    let sampled = 0;
    for (let i = 0; i < take; i++) sampled += stringBytes(v.at(i).length);
    let slots = 8;
    while (slots < n) slots *= 2;
    return OBJECT + 2 * PTR + 16 + slots * PTR + (take === 0 ? 0 : Math.round(sampled / take * n));
  }
  if (v instanceof ZSetValue) {
    // Per member: its string (sampled), a Map entry to its slot, the slot in the member array and
    // the unboxed score array, and a place in the tree's member and score arrays (leaves at
    // least half full, about three quarters on average).
    const n = v.size, take = samples === 0 ? n : Math.min(n, samples);
    let sampled = 0;
    v.walk(0, take, false, (m) => sampled += stringBytes(m.length));
    const members = take === 0 ? 0 : Math.round(sampled / take * n);
    return OBJECT + 5 * PTR + members + n * (MAP_ENTRY + PTR + 8 + Math.ceil(2 * PTR * 4 / 3));
  }
  // A stream: its blocks (ids, packed entries) and a share for its groups.
  if (v instanceof StreamValue) return OBJECT + 8 * PTR + v.bytes + 256 * (v.groups?.size ?? 0);
  return 0;
}

/**
 * An array of `items` holding elements of `step` strings each (a field and its value, or a
 * member), plus the Map index kept past 16 elements.
 */
function collectionBytes(items: readonly string[], step: number, samples: number): number {
  const n = items.length / step;
  const take = samples === 0 ? n : Math.min(n, samples);
  let sampled = 0;
  for (let i = 0; i < take * step; i++) sampled += stringBytes(items[i]!.length) + PTR;
  const elements = take === 0 ? 0 : Math.round(sampled / take * n);
  const index = n > 16 ? OBJECT + n * MAP_ENTRY : 0;
  return OBJECT + 2 * PTR + 16 + elements + index;
}
