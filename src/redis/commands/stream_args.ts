// What the stream commands share: reading ids as Redis's streamGenericParseIDOrReply does (the
// strtoull quirks included), the stream at a key, and the reply forms of ids and entries.

import { keyOf, StreamValue } from "../store/db.ts";
import { formatId, makeId, MAX_ID, type StreamId } from "../store/stream_value.ts";
import type { Session } from "./types.ts";
import { readOf, writeOf } from "./collections.ts";

/** Redis's reply to an id it cannot read. */
export const INVALID_ID = "ERR Invalid stream ID specified as stream command argument";

const U64_MAX = (1n << 64n) - 1n;

/** strtoull as Redis's string2ull uses it: a u64, or undefined. */
function toU64(s: string): bigint | undefined {
  if (/^-?[1-9][0-9]*$|^0$/.test(s) && s.length <= 20) {
    const v = BigInt(s);
    if (v >= -(1n << 63n) && v < (1n << 63n)) return v < 0n ? undefined : v;
  }
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s);
  if (m === null) return undefined;
  const v = BigInt(m[2]!);
  if (v > U64_MAX) return undefined;
  return m[1] === "-" && v !== 0n ? (1n << 64n) - v : v;
}

/** An id read from an argument: the id, and whether its seq was given (not `ms-*`). */
export interface ParsedId {
  id: StreamId;
  seqGiven: boolean;
}

/**
 * Reads `b` as `ms-seq`, `ms` (seq `missingSeq`), `-` or `+` (not when `strict`), or `ms-*`
 * (when `allowAutoSeq`). Undefined after replying INVALID_ID when `c` is given.
 */
export function parseId(
  c: Session | undefined,
  b: Uint8Array,
  missingSeq: bigint,
  strict: boolean,
  allowAutoSeq = false,
): ParsedId | undefined {
  const r = readId(b, missingSeq, strict, allowAutoSeq);
  if (r === undefined) c?.out.error(INVALID_ID);
  return r;
}

function readId(
  b: Uint8Array,
  missingSeq: bigint,
  strict: boolean,
  allowAutoSeq: boolean,
): ParsedId | undefined {
  if (b.length > 127) return undefined;
  let s = keyOf(b);
  const nul = s.indexOf("\0");
  if (nul >= 0) s = s.slice(0, nul);
  if (s === "-" || s === "+") {
    if (strict) return undefined;
    return { id: s === "-" ? 0n : MAX_ID, seqGiven: true };
  }
  const dash = s.indexOf("-");
  const ms = toU64(dash < 0 ? s : s.slice(0, dash));
  if (ms === undefined) return undefined;
  if (dash < 0) return { id: makeId(ms, missingSeq), seqGiven: true };
  const rest = s.slice(dash + 1);
  if (allowAutoSeq && rest === "*") return { id: makeId(ms, 0n), seqGiven: false };
  const seq = toU64(rest);
  if (seq === undefined) return undefined;
  return { id: makeId(ms, seq), seqGiven: true };
}

/** Reads a strict id (no `-`, `+`); undefined after replying. */
export function strictId(c: Session, b: Uint8Array, missingSeq = 0n): StreamId | undefined {
  return parseId(c, b, missingSeq, true)?.id;
}

/**
 * Reads a range bound as Redis's streamParseIntervalIDOrReply: `(` makes it exclusive (then a
 * strict id). Returns the id and whether it was exclusive; undefined after replying.
 */
export function intervalId(
  c: Session,
  b: Uint8Array,
  missingSeq: bigint,
): { id: StreamId; exclusive: boolean } | undefined {
  const exclusive = b.length > 1 && b[0] === 40;
  const r = exclusive
    ? parseId(c, b.subarray(1), missingSeq, true)
    : parseId(c, b, missingSeq, false);
  return r === undefined ? undefined : { id: r.id, exclusive };
}

/** The stream at `key` for a read; undefined without it; null after WRONGTYPE. */
export function readStream(c: Session, key: string): StreamValue | undefined | null {
  return readOf(c, key, StreamValue);
}

/** The stream at `key` for a write; undefined without it; null after WRONGTYPE. */
export function writeStream(c: Session, key: string): StreamValue | undefined | null {
  return writeOf(c, key, StreamValue);
}

/** Writes `id` as a bulk string. */
export function replyId(c: Session, id: StreamId): void {
  c.out.binary(formatId(id));
}

/** Writes one entry: [id, [field, value, ...]]. */
export function replyEntry(c: Session, id: StreamId, fields: readonly string[] | null): void {
  c.out.arrayHeader(2);
  replyId(c, id);
  if (fields === null) {
    c.out.nullArray();
    return;
  }
  c.out.arrayHeader(fields.length);
  for (const it of fields) c.out.binary(it);
}

/** Writes the entries of `s` from start to end (descending with `rev`); returns how many. */
export function replyRange(
  c: Session,
  s: StreamValue,
  start: StreamId,
  end: StreamId,
  count: number,
  rev: boolean,
): number {
  const entries = [...s.range(start, end, rev, count)];
  c.out.arrayHeader(entries.length);
  for (const e of entries) replyEntry(c, e.id, e.fields);
  return entries.length;
}

export { formatId, MAX_ID, StreamValue };
export type { StreamId };
