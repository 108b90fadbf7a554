// Client-side caching (CLIENT TRACKING), as Redis 7.0's tracking.c: which clients may have cached
// which keys, and the invalidation messages sent when those keys change. Keys read by a tracking
// client are remembered in one table (key -> client ids), so a change costs one lookup whatever
// the number of keys tracked; a key's entry is dropped once its invalidation is sent, and a client
// that left is skipped then. BCAST clients register prefixes instead: a changed key is noted under
// each prefix it starts with, and every prefix's keys go out once per turn as one message.
//
// Invalidations reach a RESP3 client as a push (`>2 invalidate [keys]`), and a RESP2 client only
// through REDIRECT to a subscribed connection, as a `message` on `__redis__:invalidate`.
// FLUSHDB/FLUSHALL send a null instead of keys to every tracking client.

import { keyBytes } from "./db.ts";
import { RespWriter } from "../../resp/writer.ts";

/** What a client's CLIENT TRACKING options are (undefined while tracking is off). */
export interface TrackingState {
  /** REDIRECT's client id, 0 without. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING yes/no was given for the next command. */
  caching: boolean;
  /** The REDIRECT client has gone (CLIENT TRACKINGINFO's broken_redirect). */
  brokenRedirect: boolean;
  /** BCAST's prefixes (binary strings). */
  prefixes: Set<string>;
}

/** A connection as tracking sees it. */
export interface TrackingClient {
  readonly id: number;
  readonly resp: 2 | 3;
  /** Listens to any channel or pattern (a RESP2 redirect target must). */
  readonly subscribed: boolean;
  tracking: TrackingState | undefined;
  /** Appends a frame encoded as a RESP2 array (sent as a push in RESP3) and lets it leave. */
  deliver(frame: Uint8Array): void;
}

interface Prefix {
  readonly clients: Set<TrackingClient>;
  /** Keys changed since the last broadcast, each with the client that changed it last. */
  keys: Map<string, TrackingClient | undefined>;
}

const INVALIDATE = keyBytes("invalidate");
const byKey = (a: [string, unknown], b: [string, unknown]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
const MESSAGE = keyBytes("message");
const CHANNEL = keyBytes("__redis__:invalidate");
const REDIR_BROKEN = keyBytes("tracking-redir-broken");

/** The server's tracking tables. */
export class Tracking {
  /** Clients with tracking on. */
  clients = 0;
  /** The client whose command runs now (its own invalidations wait for the reply). */
  current: TrackingClient | undefined;
  readonly #byId: (id: number) => TrackingClient | undefined;
  readonly #keys = new Map<string, Set<number>>();
  readonly #prefixes = new Map<string, Prefix>();
  /** Invalidations of the current client, sent after its command's reply (null: a flush). */
  #pending: (string | null)[] = [];
  #broadcastQueued = false;
  readonly #w = new RespWriter(128);

  /** `byId` finds a connected client by id. */
  constructor(byId: (id: number) => TrackingClient | undefined) {
    this.#byId = byId;
  }

  /** Keys tracked for at least one client. */
  get keys(): number {
    return this.#keys.size;
  }

  /** CLIENT TRACKING on: sets the options (BCAST prefixes add to those already registered). */
  enable(c: TrackingClient, opts: Omit<TrackingState, "caching" | "brokenRedirect">): void {
    if (c.tracking === undefined) this.clients++;
    const prefixes = c.tracking?.prefixes ?? new Set<string>();
    c.tracking = { ...opts, caching: false, brokenRedirect: false, prefixes };
    if (!opts.bcast) return;
    const wanted = opts.prefixes.size === 0 ? [""] : opts.prefixes;
    for (const p of wanted) {
      if (prefixes.has(p)) continue;
      prefixes.add(p);
      let entry = this.#prefixes.get(p);
      if (entry === undefined) {
        this.#prefixes.set(p, entry = { clients: new Set(), keys: new Map() });
      }
      entry.clients.add(c);
    }
  }

  /** CLIENT TRACKING off, or the client left. */
  disable(c: TrackingClient): void {
    const t = c.tracking;
    if (t === undefined) return;
    for (const p of t.prefixes) {
      const entry = this.#prefixes.get(p);
      if (entry === undefined) continue;
      entry.clients.delete(c);
      if (entry.clients.size === 0) this.#prefixes.delete(p);
    }
    c.tracking = undefined;
    this.clients--;
  }

  /** Remembers that `c` read `key` (a read-only command, default mode). */
  remember(c: TrackingClient, key: string): void {
    let ids = this.#keys.get(key);
    if (ids === undefined) this.#keys.set(key, ids = new Set());
    ids.add(c.id);
  }

  /** `key` changed (written, deleted, expired): tells the clients that may have cached it. */
  invalidate(key: string): void {
    if (this.#prefixes.size > 0) this.#noteForBroadcast(key);
    // Most servers track nothing: no lookup then.
    if (this.#keys.size === 0) return;
    const ids = this.#keys.get(key);
    if (ids === undefined) return;
    this.#keys.delete(key);
    const current = this.current;
    for (const id of ids) {
      const target = this.#byId(id);
      const t = target?.tracking;
      if (target === undefined || t === undefined || t.bcast) continue;
      if (target === current) {
        if (!t.noloop) this.#pending.push(key);
      } else {
        this.#send(target, this.#keyArray(key));
      }
    }
  }

  /** FLUSHDB / FLUSHALL: every tracking client is told with a null; the table is emptied. */
  flushed(all: Iterable<TrackingClient>): void {
    if (this.clients > 0) {
      for (const c of all) {
        if (c.tracking === undefined) continue;
        if (c === this.current) this.#pending.push(null);
        else this.#send(c, this.#null(c));
      }
    }
    this.#keys.clear();
  }

  /** After a client's command (not each command of an EXEC): its own pending invalidations. */
  afterCommand(c: TrackingClient): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    for (const key of pending) {
      if (c.tracking === undefined) continue;
      this.#send(c, key === null ? this.#null(c) : this.#keyArray(key));
    }
  }

  #noteForBroadcast(key: string): void {
    for (const [p, entry] of this.#prefixes) {
      if (!key.startsWith(p)) continue;
      entry.keys.set(key, this.current);
    }
    if (!this.#broadcastQueued) {
      this.#broadcastQueued = true;
      queueMicrotask(() => this.#broadcast());
    }
  }

  /** Redis's trackingBroadcastInvalidationMessages: once per turn, each prefix's keys. */
  #broadcast(): void {
    this.#broadcastQueued = false;
    // Prefixes in byte order, as Redis walks its radix tree.
    const changed = [...this.#prefixes].filter(([, e]) => e.keys.size > 0).sort(byKey);
    for (const [, entry] of changed) {
      const keys = [...entry.keys.keys()].sort();
      const by = entry.keys;
      entry.keys = new Map();
      const common = this.#keyList(keys);
      for (const c of entry.clients) {
        if (c.tracking?.noloop) {
          const own = keys.filter((k) => by.get(k) !== c);
          if (own.length > 0) this.#send(c, this.#keyList(own));
        } else {
          this.#send(c, common);
        }
      }
    }
  }

  /** Sends `keys` (an encoded array of keys, or a null) to `c`, or to its REDIRECT client. */
  #send(c: TrackingClient, keys: Uint8Array): void {
    const t = c.tracking!;
    let target = c;
    if (t.redirect !== 0) {
      const redir = this.#byId(t.redirect);
      if (redir === undefined) {
        t.brokenRedirect = true;
        if (c.resp === 3) {
          const w = this.#w;
          w.arrayHeader(2);
          w.bulk(REDIR_BROKEN);
          w.integer(t.redirect);
          c.deliver(w.take());
        }
        return;
      }
      target = redir;
    }
    const w = this.#w;
    if (target.resp === 3) {
      w.arrayHeader(2);
      w.bulk(INVALIDATE);
    } else if (t.redirect !== 0 && target.subscribed) {
      w.arrayHeader(3);
      w.bulk(MESSAGE);
      w.bulk(CHANNEL);
    } else {
      return;
    }
    w.raw(keys);
    target.deliver(w.take());
  }

  #keyArray(key: string): Uint8Array {
    return this.#keyList([key]);
  }

  #keyList(keys: readonly string[]): Uint8Array {
    const w = new RespWriter();
    w.arrayHeader(keys.length);
    for (const k of keys) w.binary(k);
    return w.take();
  }

  /** The null of the tracking client's own protocol, as Redis sends it on a flush. */
  #null(c: TrackingClient): Uint8Array {
    return keyBytes(c.resp === 3 ? "_\r\n" : "$-1\r\n");
  }
}
