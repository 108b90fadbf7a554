// A stream's consumer groups, as Redis 7.0's streamCG: the last id delivered, the entries-read
// counter (for the lag), the pending entries list (PEL: entries delivered and not yet
// acknowledged, by id) and the consumers, each with its own PEL of the same pending entries.
// A PEL is an IdIndex: a Map for lookups plus a sorted array of ids for ranges, where a
// delete only leaves the id behind until the array is compacted (so acknowledging is O(1)).

import { MAX_ID, type StreamId } from "./stream_id.ts";

/** A map from stream ids with ascending iteration from any id. */
export class IdIndex<T> {
  readonly #map = new Map<StreamId, T>();
  /** Sorted; may hold ids no longer in the map (skipped, dropped on compaction). */
  #ids: StreamId[] = [];

  /** Entries held. */
  get size(): number {
    return this.#map.size;
  }

  /** The value at `id`. */
  get(id: StreamId): T | undefined {
    return this.#map.get(id);
  }

  /** Stores `v` at `id`. */
  set(id: StreamId, v: T): void {
    if (!this.#map.has(id)) {
      const ids = this.#ids;
      const n = ids.length;
      if (n === 0 || ids[n - 1]! < id) ids.push(id);
      else {
        const i = this.#lowerBound(id);
        if (ids[i] !== id) ids.splice(i, 0, id);
      }
    }
    this.#map.set(id, v);
  }

  /** Removes `id`; true when it was held. */
  delete(id: StreamId): boolean {
    if (!this.#map.delete(id)) return false;
    if (this.#ids.length > 2 * this.#map.size + 32) {
      this.#ids = this.#ids.filter((x) => this.#map.has(x));
    }
    return true;
  }

  #lowerBound(id: StreamId): number {
    const ids = this.#ids;
    let lo = 0, hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Ids and values with start <= id <= end, ascending; at most `count` (0: all). */
  range(start: StreamId, end: StreamId, count = 0): [StreamId, T][] {
    const out: [StreamId, T][] = [];
    const ids = this.#ids;
    for (let i = this.#lowerBound(start); i < ids.length; i++) {
      const id = ids[i]!;
      if (id > end) break;
      const v = this.#map.get(id);
      if (v === undefined) continue;
      out.push([id, v]);
      if (out.length === count) break;
    }
    return out;
  }

  /** The first and last ids held (undefined when empty). */
  edges(): [StreamId, StreamId] | undefined {
    if (this.#map.size === 0) return undefined;
    const ids = this.#ids;
    let a = 0, b = ids.length - 1;
    while (!this.#map.has(ids[a]!)) a++;
    while (!this.#map.has(ids[b]!)) b--;
    return [ids[a]!, ids[b]!];
  }
}

/** A pending entry: delivered to a consumer, not yet acknowledged. */
export interface Nack {
  /** The last delivery time (ms). */
  deliveryTime: number;
  deliveryCount: number;
  consumer: Consumer;
}

/** A consumer of a group. */
export class Consumer {
  readonly name: string;
  /** The last time it was seen (ms). */
  seenTime: number;
  readonly pel: IdIndex<Nack> = new IdIndex();

  constructor(name: string, now: number) {
    this.name = name;
    this.seenTime = now;
  }
}

/** Redis's SCG_INVALID_ENTRIES_READ: the group's entries-read counter is unknown. */
export const INVALID_ENTRIES_READ = -1;

/** A consumer group. */
export class StreamGroup {
  lastId: StreamId;
  /** Entries read by the group, or INVALID_ENTRIES_READ. */
  entriesRead: number;
  readonly pel: IdIndex<Nack> = new IdIndex();
  /** By name (binary string). */
  readonly consumers = new Map<string, Consumer>();

  constructor(lastId: StreamId, entriesRead: number) {
    this.lastId = lastId;
    this.entriesRead = entriesRead;
  }

  /** The consumer `name`, made when missing; `created` tells whether it was. */
  consumer(name: string, now: number): { consumer: Consumer; created: boolean } {
    let consumer = this.consumers.get(name);
    if (consumer !== undefined) return { consumer, created: false };
    consumer = new Consumer(name, now);
    this.consumers.set(name, consumer);
    return { consumer, created: true };
  }

  /** Deletes consumer `name` and its pending entries; returns how many it had (0 without it). */
  deleteConsumer(name: string): number {
    const consumer = this.consumers.get(name);
    if (consumer === undefined) return 0;
    const pending = consumer.pel.range(0n, MAX_ID);
    for (const [id] of pending) this.pel.delete(id);
    this.consumers.delete(name);
    return pending.length;
  }

  /** The consumers sorted by name (Redis keeps them in a radix tree). */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
  }

  /** A deep copy (COPY). */
  clone(): StreamGroup {
    const g = new StreamGroup(this.lastId, this.entriesRead);
    const map = new Map<Consumer, Consumer>();
    for (const [name, c] of this.consumers) {
      const nc = new Consumer(name, c.seenTime);
      map.set(c, nc);
      g.consumers.set(name, nc);
    }
    for (const [id, n] of this.pel.range(0n, MAX_ID)) {
      const nn: Nack = { ...n, consumer: map.get(n.consumer)! };
      g.pel.set(id, nn);
      nn.consumer.pel.set(id, nn);
    }
    return g;
  }
}
