// Who is online across every instance of a rooms chat, kept in Redis beside the backplane: one key
// per user, `<prefix>:user:<name in lower case>` holding `<instance>\n<name>\n<room>`, claimed with
// SET NX (so a name is unique on all instances) and given an expiry that the owning instance keeps
// refreshing while it lives. An instance that dies takes its users with it once their keys
// expire; a Redis that restarts empty gets them back at the next refresh. Without a backplane, or
// while it is down, presence is the instance's own users only.

import type { Client } from "../../client/client.ts";
import type { Backplane } from "../backplane.ts";
import { withDeadline } from "../../net/deadline.ts";

/** How long a user's key lives without a refresh. */
export const PRESENCE_TTL_MS = 6000;
/** How often an instance refreshes its users' keys. */
export const PRESENCE_REFRESH_MS = 2000;
/** How long a presence query may take before the answer is local only. */
const QUERY_MS = 1500;

/** A user somewhere in the chat. */
export interface Person {
  name: string;
  room: string;
  /** The instance the user is connected to. */
  instance: string;
}

interface Own {
  name: string;
  room: string;
  /** Whether the key in Redis is known to be ours (false: claimed while the backplane was down). */
  claimed: boolean;
  /** Whether another instance was found holding the name (reported once). */
  conflicted?: boolean;
}

const decoder = new TextDecoder();

/** The presence of one instance's users, shared through Redis when there is a backplane. */
export class Presence {
  /** This instance's id (`local` without a backplane). */
  readonly instance: string;
  readonly #bp: Backplane | undefined;
  readonly #own = new Map<string, Own>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #refreshing: Promise<void> | undefined;
  #conflict: (lower: string) => void = () => {};

  constructor(bp: Backplane | undefined) {
    this.#bp = bp;
    this.instance = bp?.instance ?? "local";
    if (bp) bp.onConnected(() => this.refresh());
  }

  /** Starts refreshing this instance's keys. */
  start(): void {
    if (this.#bp && this.#timer === undefined) {
      this.#timer = setInterval(() => this.refresh(), PRESENCE_REFRESH_MS);
    }
  }

  /**
   * Calls `fn(lower)` when a refresh finds that another instance holds the name of one of this
   * instance's users (both claimed it while the backplane was split).
   */
  onConflict(fn: (lower: string) => void): void {
    this.#conflict = fn;
  }

  #key(lower: string): string {
    return this.#bp!.name(`user:${lower}`);
  }

  #value(own: Own): string {
    return `${this.instance}\n${own.name}\n${own.room}`;
  }

  #client(): Client | undefined {
    return this.#bp?.client;
  }

  /**
   * Claims `name` (unique across instances, case-insensitive) for a user in `room`. False when
   * another instance holds it. While the backplane is down the name is only checked locally
   * (by the caller) and claimed in Redis once it is back.
   */
  async claim(name: string, room: string): Promise<boolean> {
    const lower = name.toLowerCase();
    const own: Own = { name, room, claimed: false };
    const client = this.#client();
    if (client) {
      try {
        const set = client.set(this.#key(lower), this.#value(own), {
          px: PRESENCE_TTL_MS,
          nx: true,
        });
        if (!await withDeadline(set, QUERY_MS, "SET timed out")) return false;
        own.claimed = true;
      } catch {
        // Redis went away meanwhile: local only, claimed at the next refresh
      }
    }
    this.#own.set(lower, own);
    return true;
  }

  /** Records that the user `name` is now in `room` (visible to other instances). */
  async move(name: string, room: string): Promise<void> {
    const lower = name.toLowerCase();
    const own = this.#own.get(lower);
    if (!own) return;
    own.name = name;
    own.room = room;
    const client = this.#client();
    if (!client) return;
    try {
      await withDeadline(this.#store(client, lower, own), QUERY_MS, "SET timed out");
    } catch {
      // written at the next refresh
    }
  }

  /** Writes a user's key: over our own, or anew; false when another instance holds it. */
  async #store(client: Client, lower: string, own: Own): Promise<boolean> {
    const key = this.#key(lower);
    const value = this.#value(own);
    if (own.claimed && await client.set(key, value, { px: PRESENCE_TTL_MS, xx: true })) {
      return true;
    }
    own.claimed = await client.set(key, value, { px: PRESENCE_TTL_MS, nx: true });
    return own.claimed;
  }

  /** Forgets a user who left or was renamed and deletes its key (bounded; never rejects). */
  async release(name: string): Promise<void> {
    const lower = name.toLowerCase();
    const own = this.#own.get(lower);
    if (!own) return;
    this.#own.delete(lower);
    const client = own.claimed ? this.#client() : undefined;
    if (client) await withDeadline(client.del(this.#key(lower)), QUERY_MS, "").catch(() => {});
  }

  /** Keeps this instance's keys alive, re-creating any that Redis lost (bounded; never rejects). */
  refresh(): Promise<void> {
    // Bounded, so a Redis that stops answering cannot hold up every later refresh.
    return this.#refreshing ??= withDeadline(this.#refresh(), 2 * QUERY_MS, "refresh timed out")
      .catch(() => {})
      .finally(() => this.#refreshing = undefined);
  }

  async #refresh(): Promise<void> {
    const client = this.#client();
    if (!client || this.#own.size === 0) return;
    const entries = [...this.#own];
    // One pipelined PEXPIRE per user; only the keys found missing are written again.
    const alive = await Promise.all(
      entries.map(([lower, own]) =>
        own.claimed ? client.pexpire(this.#key(lower), PRESENCE_TTL_MS) : Promise.resolve(false)
      ),
    ).catch(() => null);
    if (alive === null) return;
    await Promise.all(entries.map(async ([lower, own], i) => {
      if (alive[i] || this.#own.get(lower) !== own) return;
      own.claimed = false;
      if (await this.#store(client, lower, own) || this.#own.get(lower) !== own) return;
      if (!own.conflicted) {
        own.conflicted = true;
        this.#conflict(lower);
      }
    })).catch(() => {});
  }

  /** This instance's users. */
  local(): Person[] {
    return Array.from(this.#own.values(), (o) => ({
      name: o.name,
      room: o.room,
      instance: this.instance,
    }));
  }

  /**
   * Everyone on every instance, or null when only this instance's users can be known (no
   * backplane, or it is down or too slow).
   */
  async everyone(): Promise<Person[] | null> {
    const client = this.#client();
    if (!client) return null;
    let values: Array<Uint8Array | null>;
    try {
      values = await withDeadline(
        client.keys(this.#key("*")).then((keys) => keys.length === 0 ? [] : client.mget(...keys)),
        QUERY_MS,
        "presence query timed out",
      );
    } catch {
      return null;
    }
    const people = this.local();
    for (const v of values) {
      const p = v === null ? undefined : parse(v);
      if (p && p.instance !== this.instance) people.push(p);
    }
    return people;
  }

  /**
   * The user called `name` (any case): on this instance, on another, null when nobody is, or
   * undefined when that cannot be known (the backplane is down).
   */
  async find(name: string): Promise<Person | null | undefined> {
    const lower = name.toLowerCase();
    const own = this.#own.get(lower);
    if (own) return { name: own.name, room: own.room, instance: this.instance };
    const client = this.#client();
    if (!client) return this.#bp ? undefined : null;
    try {
      const v = await withDeadline(client.get(this.#key(lower)), QUERY_MS, "GET timed out");
      return v === null ? null : parse(v) ?? null;
    } catch {
      return undefined;
    }
  }

  /** Stops refreshing and deletes this instance's keys (bounded). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#refreshing?.catch(() => {});
    const client = this.#client();
    const keys = [...this.#own].filter(([, o]) => o.claimed).map(([lower]) => this.#key(lower));
    this.#own.clear();
    if (client && keys.length > 0) {
      await withDeadline(client.del(...keys), QUERY_MS, "").catch(() => {});
    }
  }
}

function parse(v: Uint8Array): Person | undefined {
  const [instance, name, room] = decoder.decode(v).split("\n");
  if (instance === undefined || name === undefined || room === undefined) return undefined;
  return { instance, name, room };
}
