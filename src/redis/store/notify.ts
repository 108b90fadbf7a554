// Keyspace notifications (Redis's notify.c): publishing `__keyspace@<db>__:<key>` / `__keyevent@<db>__:<event>`
// messages through the server's pub/sub. A command (or the keyspace itself, for `expired`, `new`
// and `keymiss`) calls emit(); while the class is off that is one bit test and nothing else.

import { keyBytes } from "./db.ts";
import { Notify } from "./notify_classes.ts";
import type { PubSub } from "./pubsub.ts";

const encoder = new TextEncoder();

/** Publishes keyspace events, as enabled by `flags`. */
export class KeyspaceEvents {
  /** The enabled classes (Notify bits). */
  flags = 0;
  readonly #pubsub: PubSub;
  readonly #names = new Map<string, Uint8Array>();

  constructor(pubsub: PubSub, flags = 0) {
    this.#pubsub = pubsub;
    this.flags = flags;
  }

  /** Whether events of class `type` are published. */
  on(type: number): boolean {
    return (this.flags & type) !== 0;
  }

  /** Publishes `event` on `key` (binary string) of database `db`, if its class is enabled. */
  emit(type: number, event: string, key: string, db: number): void {
    const flags = this.flags;
    if ((flags & type) === 0) return;
    let name = this.#names.get(event);
    if (name === undefined) this.#names.set(event, name = encoder.encode(event));
    if (flags & Notify.KEYSPACE) {
      const channel = `__keyspace@${db}__:${key}`;
      this.#pubsub.publish(keyBytes(channel), channel, name);
    }
    if (flags & Notify.KEYEVENT) {
      const channel = `__keyevent@${db}__:${event}`;
      this.#pubsub.publish(keyBytes(channel), channel, keyBytes(key));
    }
  }
}
