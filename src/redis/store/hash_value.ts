// A hash value. Fields and values are binary strings (one char per byte) kept in one flat array
// (field, value, field, value ...), which is small for the many small hashes a dataset holds;
// past INDEX_OVER fields a Map from field to entry number makes lookups O(1).
//
// `listpack` follows Redis 7.0's encoding rules (value-limits.ts): compact while small, and once
// a hashtable, always one. A listpack keeps insertion order (a delete closes the gap), as Redis's
// listpack does, so replies come in Redis's order; a hashtable removes by moving the last entry
// into the gap, which keeps HSCAN's reverse walk complete (scan_cursor.ts).

import { INDEX_OVER, type ValueLimits } from "./value_limits.ts";

/** A hash: fields to values. */
export class HashValue {
  /** field0, value0, field1, value1, ... */
  kv: string[] = [];
  #idx: Map<string, number> | undefined;
  /** Redis's encoding: listpack (true) or hashtable. */
  listpack = true;

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

  /** The value of `field`, or undefined. */
  get(field: string): string | undefined {
    const i = this.find(field);
    return i < 0 ? undefined : this.kv[2 * i + 1];
  }

  /**
   * Sets `field` to `value`; true if the field is new. A field or value longer than the limit,
   * or one field too many, makes a hashtable (Redis's hashTypeSet).
   */
  set(field: string, value: string, limits: ValueLimits): boolean {
    if (this.listpack && (field.length > limits.hashValue || value.length > limits.hashValue)) {
      this.listpack = false;
    }
    const i = this.find(field);
    if (i >= 0) {
      this.kv[2 * i + 1] = value;
      return false;
    }
    const n = this.kv.length >> 1;
    this.kv.push(field, value);
    if (this.#idx !== undefined) this.#idx.set(field, n);
    else if (n + 1 > INDEX_OVER) this.#reindex(0);
    if (this.listpack && n + 1 > limits.hashEntries) this.listpack = false;
    return true;
  }

  /** Removes `field`; true if it was there. */
  delete(field: string): boolean {
    const i = this.find(field);
    if (i < 0) return false;
    const kv = this.kv, idx = this.#idx;
    idx?.delete(field);
    if (this.listpack) {
      kv.splice(2 * i, 2);
      if (idx !== undefined) this.#reindex(i);
    } else {
      const last = kv.length - 2;
      if (2 * i !== last) {
        kv[2 * i] = kv[last]!;
        kv[2 * i + 1] = kv[last + 1]!;
        idx?.set(kv[2 * i]!, i);
      }
      kv.length = last;
    }
    if (idx !== undefined && kv.length <= 2 * (INDEX_OVER >> 1)) this.#idx = undefined;
    return true;
  }

  #reindex(from: number): void {
    const idx = this.#idx ??= new Map();
    const kv = this.kv;
    for (let i = 2 * from; i < kv.length; i += 2) idx.set(kv[i]!, i >> 1);
  }

  /** A copy (COPY). */
  clone(): HashValue {
    const h = new HashValue();
    h.kv = this.kv.slice();
    h.listpack = this.listpack;
    if (this.#idx !== undefined) h.#idx = new Map(this.#idx);
    return h;
  }
}
