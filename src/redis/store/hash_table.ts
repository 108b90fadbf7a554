// A hash in Redis's hashtable encoding (too many fields, or a field or value too long for a
// listpack). Fields and values are binary strings kept in one flat array (field, value, field,
// value ...), so a random entry (HRANDFIELD) is one index away; past INDEX_OVER fields a Map
// from field to entry number makes lookups O(1). A delete moves the last entry into the gap,
// which keeps HSCAN's reverse walk complete (scan_cursor.ts).

import { INDEX_OVER } from "./value_limits.ts";

/** Fields to values, by entry number. */
export class HashTable {
  /** field0, value0, field1, value1, ... */
  kv: string[];
  #idx: Map<string, number> | undefined;

  /** A table of the entries `kv` (field, value, ...), which it takes over. */
  constructor(kv: string[]) {
    this.kv = kv;
    if (kv.length > 2 * INDEX_OVER) this.#reindex();
  }

  /** Fields held. */
  get size(): number {
    return this.kv.length >> 1;
  }

  /** The entry number of `field`, or -1. */
  find(field: string): number {
    if (this.#idx !== undefined) return this.#idx.get(field) ?? -1;
    const kv = this.kv;
    for (let i = 0; i < kv.length; i += 2) if (kv[i] === field) return i >> 1;
    return -1;
  }

  /** Sets `field` to `value`; true if the field is new. */
  set(field: string, value: string): boolean {
    const i = this.find(field);
    if (i >= 0) {
      this.kv[2 * i + 1] = value;
      return false;
    }
    const n = this.kv.length >> 1;
    this.kv.push(field, value);
    if (this.#idx !== undefined) this.#idx.set(field, n);
    else if (n + 1 > INDEX_OVER) this.#reindex();
    return true;
  }

  /** Removes `field`; true if it was there. */
  delete(field: string): boolean {
    const i = this.find(field);
    if (i < 0) return false;
    const kv = this.kv, idx = this.#idx;
    idx?.delete(field);
    const last = kv.length - 2;
    if (2 * i !== last) {
      kv[2 * i] = kv[last]!;
      kv[2 * i + 1] = kv[last + 1]!;
      idx?.set(kv[2 * i]!, i);
    }
    kv.length = last;
    if (idx !== undefined && kv.length <= 2 * (INDEX_OVER >> 1)) this.#idx = undefined;
    return true;
  }

  #reindex(): void {
    const idx = this.#idx = new Map();
    const kv = this.kv;
    for (let i = 0; i < kv.length; i += 2) idx.set(kv[i]!, i >> 1);
  }
}
