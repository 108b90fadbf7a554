// The client's typed stream methods (XADD, XRANGE, XREVRANGE, XLEN, XREAD, XGROUP CREATE,
// XREADGROUP, XACK) and the shapes their replies are turned into. A read with `block` runs on a
// connection of its own (Multiplexer.blocking), as every blocking command does, so the shared
// connection is never held; without it, it is an ordinary pipelined call.

import type { Reply } from "../resp/reply_parser.ts";
import type { Arg } from "./conn.ts";
import { Multiplexer } from "./multiplexer.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

const XADD = encoder.encode("XADD");
const XRANGE = encoder.encode("XRANGE");
const XREVRANGE = encoder.encode("XREVRANGE");
const XLEN = encoder.encode("XLEN");
const XREAD = encoder.encode("XREAD");
const XREADGROUP = encoder.encode("XREADGROUP");
const XGROUP = encoder.encode("XGROUP");
const XACK = encoder.encode("XACK");

/** One stream entry: its id and its fields and values, in the order they were added. */
export interface StreamEntry {
  /** The entry id, `ms-seq`. */
  id: string;
  /**
   * `[field, value]` pairs as bytes (a field may repeat). `null` for an entry a consumer's
   * history still lists but that was deleted from the stream (XREADGROUP with an id).
   */
  fields: Array<[Uint8Array, Uint8Array]> | null;
}

/** What a read returned for one stream. */
export interface StreamRead {
  /** The stream's key, decoded as UTF-8. */
  key: string;
  entries: StreamEntry[];
}

/** Options of {@linkcode StreamCommands.xadd}. */
export interface XAddOptions {
  /** NOMKSTREAM: do not create a missing stream (the call then resolves `null`). */
  nomkstream?: boolean;
  /** Trim to at most this many entries (MAXLEN). */
  maxlen?: number;
  /** Trim away the entries with ids below this one (MINID). */
  minid?: string;
  /** `~`: trim whole nodes only, which is cheaper (the stream may keep a few more). */
  approx?: boolean;
  /** With `approx`: remove at most this many entries (LIMIT). */
  limit?: number;
}

/** Options of {@linkcode StreamCommands.xread} and {@linkcode StreamCommands.xreadgroup}. */
export interface XReadOptions {
  /** At most this many entries per stream. */
  count?: number;
  /**
   * Wait up to this many milliseconds (0: forever) for an entry, on a connection of its own;
   * the call resolves `null` when the time passes with nothing to read.
   */
  block?: number;
}

/** The streams a read names, with the id to read after for each. */
export type StreamIds = Record<string, string> | Array<[Arg, string]>;

/** The fields and values of an entry, decoded as UTF-8 text (a repeated field keeps its last). */
export function entryText(entry: StreamEntry): Record<string, string> | null {
  if (entry.fields === null) return null;
  const out: Record<string, string> = {};
  for (const [f, v] of entry.fields) out[decoder.decode(f)] = decoder.decode(v);
  return out;
}

/** An entry reply `[id, [field, value, ...]]`. */
function toEntry(r: Reply): StreamEntry {
  const [id, flat] = r as [Uint8Array, Uint8Array[] | null];
  if (flat === null) return { id: decoder.decode(id), fields: null };
  const fields: Array<[Uint8Array, Uint8Array]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) fields.push([flat[i]!, flat[i + 1]!]);
  return { id: decoder.decode(id), fields };
}

function toEntries(r: Reply): StreamEntry[] {
  return (r as Reply[]).map(toEntry);
}

/** A read's reply: RESP2 `[[key, entries], ...]`, RESP3 a map (flattened), or nil. */
function toReads(r: Reply): StreamRead[] | null {
  if (r === null) return null;
  const a = r as Reply[];
  const out: StreamRead[] = [];
  if (a.length > 0 && a[0] instanceof Uint8Array) {
    for (let i = 0; i + 1 < a.length; i += 2) {
      out.push({ key: decoder.decode(a[i] as Uint8Array), entries: toEntries(a[i + 1]!) });
    }
  } else {
    for (const pair of a as Reply[][]) {
      out.push({ key: decoder.decode(pair[0] as Uint8Array), entries: toEntries(pair[1]!) });
    }
  }
  return out;
}

/** `STREAMS key... id...` for a read. */
function streamsArgs(args: Arg[], streams: StreamIds): void {
  const pairs = Array.isArray(streams) ? streams : Object.entries(streams);
  args.push("STREAMS");
  for (const [key] of pairs) args.push(key);
  for (const [, id] of pairs) args.push(id);
}

/**
 * The stream methods of {@linkcode Client} (which extends this class).
 *
 * ```ts
 * import { connect, entryText } from "./client.ts";
 *
 * const client = await connect();
 * await client.xadd("events", "*", { type: "login", user: "ada" });
 * for (const e of await client.xrange("events")) console.log(e.id, entryText(e));
 * // Wait up to 5 s for entries newer than the last one, on a connection of its own:
 * const reads = await client.xread({ events: "$" }, { block: 5000 });
 * await client.close();
 * ```
 */
export class StreamCommands extends Multiplexer {
  /**
   * XADD: appends an entry and resolves its id (`null` when `nomkstream` and the stream is
   * missing). `id` is `*` (generated), `ms-*` or an explicit `ms-seq`.
   *
   * ```ts
   * const id = await client.xadd("jobs", "*", { name: "mail" }, { maxlen: 1000, approx: true });
   * ```
   */
  xadd(
    key: Arg,
    id: string,
    fields: Record<string, Arg> | Array<[Arg, Arg]>,
    opts: XAddOptions = {},
  ): Promise<string | null> {
    const args: Arg[] = [XADD, key];
    if (opts.nomkstream) args.push("NOMKSTREAM");
    if (opts.maxlen !== undefined || opts.minid !== undefined) {
      args.push(opts.maxlen !== undefined ? "MAXLEN" : "MINID", opts.approx ? "~" : "=");
      args.push(opts.maxlen !== undefined ? opts.maxlen : opts.minid!);
      if (opts.limit !== undefined) args.push("LIMIT", opts.limit);
    }
    args.push(id);
    const pairs = Array.isArray(fields) ? fields : Object.entries(fields);
    for (const [f, v] of pairs) args.push(f, v);
    return this.call(args).then((r) => r === null ? null : decoder.decode(r as Uint8Array));
  }

  /**
   * XRANGE: the entries with ids from `start` to `end` (`-` and `+` for the ends, `(id` to
   * exclude one), at most `count`.
   *
   * ```ts
   * const firstTen = await client.xrange("jobs", "-", "+", 10);
   * ```
   */
  xrange(key: Arg, start = "-", end = "+", count?: number): Promise<StreamEntry[]> {
    const args: Arg[] = [XRANGE, key, start, end];
    if (count !== undefined) args.push("COUNT", count);
    return this.call(args).then(toEntries);
  }

  /** XREVRANGE: as {@linkcode StreamCommands.xrange}, newest first, from `end` down to `start`. */
  xrevrange(key: Arg, end = "+", start = "-", count?: number): Promise<StreamEntry[]> {
    const args: Arg[] = [XREVRANGE, key, end, start];
    if (count !== undefined) args.push("COUNT", count);
    return this.call(args).then(toEntries);
  }

  /** XLEN: the number of entries (0 for a missing key). */
  xlen(key: Arg): Promise<number> {
    return this.call([XLEN, key]) as Promise<number>;
  }

  /**
   * XREAD: the entries after the id given for each stream (`$`: only entries added from now,
   * which needs `block`), or `null` when none came. With `block` the call waits on a
   * connection of its own.
   *
   * ```ts
   * let last = "$";
   * const reads = await client.xread({ events: last }, { block: 0, count: 100 });
   * if (reads !== null) last = reads[0]!.entries.at(-1)!.id;
   * ```
   */
  xread(streams: StreamIds, opts: XReadOptions = {}): Promise<StreamRead[] | null> {
    const args: Arg[] = [XREAD];
    return this.#read(args, streams, opts);
  }

  /**
   * XREADGROUP GROUP group consumer: entries for `consumer` of `group`; `>` as a stream's id
   * reads entries never delivered to the group, another id re-reads the consumer's pending
   * ones. `noack` leaves what is read out of the pending list. With `block` the call waits on a
   * connection of its own.
   *
   * ```ts
   * await client.xgroupCreate("jobs", "workers", "0", { mkstream: true });
   * const reads = await client.xreadgroup("workers", "w1", { jobs: ">" }, { count: 10, block: 2000 });
   * for (const e of reads?.[0]?.entries ?? []) await client.xack("jobs", "workers", e.id);
   * ```
   */
  xreadgroup(
    group: Arg,
    consumer: Arg,
    streams: StreamIds,
    opts: XReadOptions & { noack?: boolean } = {},
  ): Promise<StreamRead[] | null> {
    const args: Arg[] = [XREADGROUP, "GROUP", group, consumer];
    if (opts.noack) args.push("NOACK");
    return this.#read(args, streams, opts);
  }

  #read(args: Arg[], streams: StreamIds, opts: XReadOptions): Promise<StreamRead[] | null> {
    if (opts.count !== undefined) args.push("COUNT", opts.count);
    if (opts.block === undefined) {
      streamsArgs(args, streams);
      return this.call(args).then(toReads);
    }
    args.push("BLOCK", opts.block);
    streamsArgs(args, streams);
    return this.blocking(...args).then(toReads);
  }

  /**
   * XGROUP CREATE: makes consumer group `group` reading after `id` (`$`: only new entries);
   * `mkstream` creates a missing stream. Rejects with BUSYGROUP when the group exists.
   */
  async xgroupCreate(
    key: Arg,
    group: Arg,
    id = "$",
    opts: { mkstream?: boolean } = {},
  ): Promise<void> {
    const args: Arg[] = [XGROUP, "CREATE", key, group, id];
    if (opts.mkstream) args.push("MKSTREAM");
    await this.call(args);
  }

  /** XACK: acknowledges entries of `group`; how many were pending. */
  xack(key: Arg, group: Arg, ...ids: string[]): Promise<number> {
    return this.call([XACK, key, group, ...ids]) as Promise<number>;
  }
}
