// One client of the rooms mode, and what the slash commands (commands.ts) may do with the rooms
// (rooms.ts implements it): kept apart so the commands depend on an interface, not on the mode.

import type { Connection } from "../../net/server.ts";
import type { ChatClient } from "../client.ts";
import type { Backplane } from "../backplane.ts";
import type { MemberOutbox } from "./outbox.ts";
import type { FloodGate } from "./flood.ts";
import type { Person, Presence } from "./presence.ts";

/** One client of the rooms mode. */
export interface Member {
  readonly c: Connection;
  /** Its key in the room hubs (for leaving it out of its own lines). */
  readonly key: string;
  readonly out: MemberOutbox;
  readonly flood: FloodGate;
  client?: ChatClient;
  /** Set once a name is accepted. */
  name?: string;
  lower?: string;
  room?: string;
  quitting?: boolean;
}

/** The rooms as the slash commands see them. */
export interface RoomsState {
  /** Members by lower-case name, from the moment a name is being claimed. */
  readonly names: Map<string, Member>;
  readonly presence: Presence;
  /** The link to the other instances, with --backplane. */
  readonly backplane: Backplane | undefined;
  /** Sends `text` to `m` alone. */
  say(m: Member, text: string): void;
  /** Sends `text` to everyone in `room` on every instance but `m`, its author. */
  toRoom(room: string, text: string, m: Member): void;
  /** A chat line of `m` to its room (a paste waits for the room's readers). */
  talk(m: Member, text: string): void | Promise<void>;
  /** Moves `m` to `room`, with the notices on both sides. */
  enter(m: Member, room: string): Promise<void>;
  /** Whether `name` can be taken by `m`; says why not. Reserves it locally when it can. */
  claim(m: Member, name: string): Promise<boolean>;
  /** Says goodbye to `m` and closes its connection. */
  quit(m: Member): Promise<void>;
  /** Everyone `m` can know of: on all instances, or on this one (then `local` is true). */
  everyone(): Promise<{ people: Person[]; local: boolean }>;
}
