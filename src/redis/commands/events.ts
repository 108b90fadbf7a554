// The one call a command makes to announce a change (keyspace notifications, store/notify.ts):
// the event of class `type` on `key` of the client's selected database.

import type { Session } from "./types.ts";

export { Notify } from "../store/notify_classes.ts";

/** Publishes `event` (Redis's name) for `key` (binary string) in `c`'s selected database. */
export function notify(c: Session, type: number, event: string, key: string): void {
  c.server.events.emit(type, event, key, c.db);
}
