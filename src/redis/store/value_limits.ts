// The sizes at which Redis changes a hash's, set's or sorted set's encoding (CONFIG's
// hash-max-listpack-*, set-max-intset-entries, zset-max-listpack-*), shared by a server's databases. The encoding decides what OBJECT
// ENCODING reports and, as in Redis, the reply order of a compact hash or set.

/** Redis 7.0's encoding thresholds. */
export interface ValueLimits {
  /** hash-max-listpack-entries: a hash with more fields is a hashtable. */
  hashEntries: number;
  /** hash-max-listpack-value: a field or value longer than this makes a hashtable. */
  hashValue: number;
  /** set-max-intset-entries: a set of integers with more members is a hashtable. */
  setIntEntries: number;
  /** zset-max-listpack-entries: a sorted set with more members is a skiplist. */
  zsetEntries: number;
  /** zset-max-listpack-value: a member longer than this makes a skiplist. */
  zsetValue: number;
  /** list-max-listpack-size: a list's node size (accepted; Redis 7.0 lists are quicklists). */
  listSize: number;
  /** list-compress-depth (accepted; lists are not compressed). */
  listCompress: number;
}

/** Redis 7.0's defaults. */
export function defaultLimits(): ValueLimits {
  return {
    hashEntries: 512,
    hashValue: 64,
    setIntEntries: 512,
    zsetEntries: 128,
    zsetValue: 64,
    listSize: -2,
    listCompress: 0,
  };
}

/** Collections with more elements than this keep a Map from element to position for lookups. */
export const INDEX_OVER = 16;

/**
 * Whether the binary string `s` is an integer as Redis's string2ll reads it (canonical decimal,
 * no sign but "-", no leading zero, within int64): what an intset may hold.
 */
export function isInt64(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1;
  for (let j = i; j < n; j++) {
    const ch = s.charCodeAt(j);
    if (ch < 48 || ch > 57) return false;
  }
  const digits = n - i;
  if (digits < 19) return true;
  if (digits > 19) return false;
  return i === 1 ? s.slice(1) <= "9223372036854775808" : s <= "9223372036854775807";
}

/** Compares two canonical integer strings by value (intset order). */
export function compareInt(a: string, b: string): number {
  const na = a.charCodeAt(0) === 45, nb = b.charCodeAt(0) === 45;
  if (na !== nb) return na ? -1 : 1;
  let r = a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  if (na) r = -r;
  return r;
}
