// A hash value, in one of Redis 7.0's two encodings (value_limits.ts decides when): small
// hashes as a listpack, one packed binary string (listpack.ts) that costs a few dozen bytes and
// keeps insertion order (a delete closes the gap), as Redis's listpack does, so replies come in
// Redis's order; past the thresholds a hashtable (hash_table.ts) with O(1) lookups. Once a
// hashtable, always one, as in Redis. The object has one field, which keeps it small.

import type { ValueLimits } from "./value_limits.ts";
import { HashTable } from "./hash_table.ts";
import {
  EMPTY_LP,
  lpCount,
  lpDelete,
  lpFind,
  lpFlat,
  lpSet,
  lpValueAt,
  lpValueLength,
} from "./listpack.ts";

/** A hash: fields to values. */
export class HashValue {
  /** When it was last used (OBJECT IDLETIME / FREQ, store/access_clock.ts). */
  lru = 0;
  /** The listpack (a string) or the hashtable. */
  #d: string | HashTable = EMPTY_LP;

  /** Redis's encoding: listpack (true) or hashtable. */
  get listpack(): boolean {
    return typeof this.#d === "string";
  }

  /** Fields held. */
  get size(): number {
    const d = this.#d;
    return typeof d === "string" ? lpCount(d) : d.size;
  }

  /** Whether `field` is held. */
  has(field: string): boolean {
    const d = this.#d;
    return typeof d === "string" ? lpFind(d, field) >= 0 : d.find(field) >= 0;
  }

  /** The value of `field`, or undefined. */
  get(field: string): string | undefined {
    const d = this.#d;
    if (typeof d === "string") {
      const p = lpFind(d, field);
      return p < 0 ? undefined : lpValueAt(d, p);
    }
    const i = d.find(field);
    return i < 0 ? undefined : d.kv[2 * i + 1];
  }

  /** The length of `field`'s value; 0 without the field (HSTRLEN). */
  valueLength(field: string): number {
    const d = this.#d;
    if (typeof d === "string") {
      const p = lpFind(d, field);
      return p < 0 ? 0 : lpValueLength(d, p);
    }
    return this.get(field)?.length ?? 0;
  }

  /**
   * Sets `field` to `value`; true if the field is new. A field or value longer than the limit,
   * or one field too many, makes a hashtable (Redis's hashTypeSet).
   */
  set(field: string, value: string, limits: ValueLimits): boolean {
    let d = this.#d;
    if (typeof d === "string") {
      if (field.length <= limits.hashValue && value.length <= limits.hashValue) {
        const n = lpCount(d);
        d = this.#d = lpSet(d, field, value);
        const added = lpCount(d) > n;
        if (added && n + 1 > limits.hashEntries) this.#d = new HashTable(lpFlat(d));
        return added;
      }
      d = this.#d = new HashTable(lpFlat(d));
    }
    return d.set(field, value);
  }

  /** Removes `field`; true if it was there. */
  delete(field: string): boolean {
    const d = this.#d;
    if (typeof d !== "string") return d.delete(field);
    this.#d = lpDelete(d, field);
    return this.#d !== d;
  }

  /**
   * The entries as field, value, field, value ... A listpack's are a fresh array; a hashtable's
   * are its own (entry i at 2i, which HSCAN's cursor counts on): not to be changed.
   */
  flat(): readonly string[] {
    const d = this.#d;
    return typeof d === "string" ? lpFlat(d) : d.kv;
  }

  /** A copy (COPY). */
  clone(): HashValue {
    const h = new HashValue();
    const d = this.#d;
    h.#d = typeof d === "string" ? d : new HashTable(d.kv.slice());
    return h;
  }
}
