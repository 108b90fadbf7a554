// Stream ids, as Redis's streamID: two unsigned 64-bit parts, ms and seq, kept here as one
// 128-bit bigint (ms << 64 | seq), so ids compare with < and adding 1 carries from seq into ms.

/** A stream id: ms << 64n | seq. */
export type StreamId = bigint;

/** The largest seq (and ms): 2^64 - 1. */
export const U64 = (1n << 64n) - 1n;
/** The largest id, 18446744073709551615-18446744073709551615. */
export const MAX_ID: StreamId = (1n << 128n) - 1n;

/** The id `ms-seq`. */
export function makeId(ms: bigint, seq: bigint): StreamId {
  return (ms << 64n) | seq;
}

/** The ms part of `id`. */
export function idMs(id: StreamId): bigint {
  return id >> 64n;
}

/** The seq part of `id`. */
export function idSeq(id: StreamId): bigint {
  return id & U64;
}

/** `id` as Redis writes it, `ms-seq`. */
export function formatId(id: StreamId): string {
  return `${id >> 64n}-${id & U64}`;
}
