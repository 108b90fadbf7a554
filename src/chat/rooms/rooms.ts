// Mode `rooms`: the chat beyond the tutorial. Clients pick a unique name, start in #lobby and talk
// to the room they are in; commands move them between rooms, list who is where and send private
// messages; a client sending more than --flood lines a second has the excess dropped. Each room is
// a hub of its own; each client also has a queue of lines for it alone (replies, private
// messages). With --backplane, room lines, notices and private messages also go to the other
// instances, and presence (names, rooms) is kept in Redis so /who and /rooms count everyone.
//
// This file holds the rooms and their members (joining, leaving, names, talking); the slash
// commands are in commands.ts, the pieces in flood.ts, names.ts, outbox.ts and presence.ts.

import { afterRoom, Hub } from "../hub.ts";
import { ClientSet } from "../client.ts";
import { closeQuietly, type Connection } from "../../net/server.ts";
import { stripControls } from "../sanitize.ts";
import type { ChatContext, ChatLine, ModeServer } from "../mode.ts";
import type { ChatOptions } from "../options.ts";
import type { Turns } from "../outbox.ts";
import { type Backplane, BACKPLANE_BACK, BACKPLANE_DOWN, deliveredLine } from "../backplane.ts";
import { MemberOutbox } from "./outbox.ts";
import { Flood, FloodGate, floodNotice } from "./flood.ts";
import { badName } from "./names.ts";
import { type Person, Presence } from "./presence.ts";
import type { Member, RoomsState } from "./member.ts";
import { command } from "./commands.ts";

const encoder = new TextEncoder();

/** Where everyone starts. */
export const LOBBY = "#lobby";

const WELCOME = "*** welcome to tokserver chat";
const PROMPT = "*** choose a name (1-32 letters, digits, _ or -):";
const BYE = "*** bye";

/** The rooms of one instance: their hubs, the members and their names, presence. */
class Rooms implements RoomsState {
  readonly clients: ClientSet = new ClientSet();
  readonly hubs: Map<string, Hub> = new Map();
  readonly names: Map<string, Member> = new Map();
  readonly members: Set<Member> = new Set();
  readonly presence: Presence;
  readonly backplane: Backplane | undefined;
  readonly #opts: ChatOptions;
  readonly #turns: Turns;
  readonly #flood: string;
  readonly #tap: ((line: ChatLine) => void) | undefined;

  constructor(ctx: ChatContext) {
    this.#opts = ctx.opts;
    this.#turns = ctx.turns;
    const tap = this.#tap = ctx.tap;
    const bp = this.backplane = ctx.backplane;
    this.presence = new Presence(bp);
    this.#flood = floodNotice(ctx.opts.flood);
    bp?.onMessage((topic, line, from) => {
      if (topic.charCodeAt(0) === 35 /* # */) {
        const hub = this.hubs.get(topic);
        if (tap && hub) tap(deliveredLine(line, from, topic));
        if (hub?.room() !== undefined) {
          return afterRoom(hub, undefined, (l: Uint8Array) => void hub.publishBytes(l), line);
        }
        hub?.publishBytes(line);
      } else if (topic.charCodeAt(0) === 64 /* @ */) {
        const to = this.names.get(topic.slice(1));
        if (to?.name !== undefined) to.out.push(line);
      }
    });
    bp?.onStatus((up) => {
      for (const m of this.members) this.say(m, up ? BACKPLANE_BACK : BACKPLANE_DOWN);
    });
    this.presence.onConflict((lower) => {
      const m = this.names.get(lower);
      if (m?.name === undefined) return;
      this.say(
        m,
        `*** another user took the name ${m.name} while the instances were apart;` +
          " pick a new one with /nick",
      );
    });
  }

  say(m: Member, text: string): void {
    m.out.push(encoder.encode(text + "\r\n"));
  }

  toRoom(room: string, text: string, m: Member): void {
    this.hubs.get(room)?.publish(text, m.key);
    this.backplane?.publish(room, m.name!, text);
    if (this.#tap) this.#tap({ from: m.key, text, room, name: m.name });
  }

  /** An operator's line to `room`, or to every room; returns how many clients it is for. */
  announce(text: string, room?: string): number {
    let n = 0;
    for (const [name, hub] of this.hubs) {
      if (room !== undefined && name !== room) continue;
      n += hub.publish(text);
      this.#tap?.({ text, room: name });
    }
    return n;
  }

  /**
   * A chat line of `m` to its room; a paste waits for the room's readers (and Redis) instead of
   * overrunning them, and the member's next line is read once it has gone.
   */
  talk(m: Member, text: string): void | Promise<void> {
    const hub = this.hubs.get(m.room!), bp = this.backplane;
    if (hub?.room() !== undefined || bp?.room() !== undefined) {
      return afterRoom(hub, bp, (t: string) => this.toRoom(m.room!, t, m), text);
    }
    this.toRoom(m.room!, text, m);
  }

  async enter(m: Member, room: string): Promise<void> {
    const old = m.room;
    if (old !== undefined) this.toRoom(old, `*** ${m.name} left ${old}`, m);
    let hub = this.hubs.get(room);
    if (!hub) this.hubs.set(room, hub = new Hub(this.#opts.queue, this.#turns));
    m.out.setRoom(hub.subscribe(m.key));
    m.room = room;
    if (old !== undefined && this.hubs.get(old)?.size === 0) this.hubs.delete(old);
    this.toRoom(room, `*** ${m.name} joined ${room}`, m);
    // A claim records the first room; a move records the next ones.
    if (old !== undefined) await this.presence.move(m.name!, room);
  }

  /** Takes `m` out of its room and frees its name. */
  leave(m: Member): void {
    if (m.lower !== undefined && this.names.get(m.lower) === m) this.names.delete(m.lower);
    if (m.name === undefined || m.room === undefined) return;
    const room = m.room;
    m.out.setRoom(undefined);
    if (this.hubs.get(room)?.size === 0) this.hubs.delete(room);
    this.toRoom(room, `*** ${m.name} left ${room}`, m);
    this.presence.release(m.name);
  }

  async claim(m: Member, name: string): Promise<boolean> {
    const why = badName(name);
    if (why !== undefined) {
      this.say(m, `*** bad name: ${why}`);
      return false;
    }
    const lower = name.toLowerCase();
    if (this.names.has(lower)) {
      this.say(m, `*** name taken: ${name}`);
      return false;
    }
    this.names.set(lower, m); // nobody else here can claim it while Redis answers
    if (!await this.presence.claim(name, m.room ?? LOBBY)) {
      this.names.delete(lower);
      this.say(m, `*** name taken: ${name}`);
      return false;
    }
    return true;
  }

  async #chooseName(m: Member, line: string): Promise<void> {
    const name = line.trim();
    if (name.toLowerCase() === "/quit") return await this.quit(m);
    if (!await this.claim(m, name)) return this.say(m, PROMPT);
    m.name = name;
    m.lower = name.toLowerCase();
    this.say(m, `*** hello ${name}, you are in ${LOBBY} (/help lists the commands)`);
    await this.enter(m, LOBBY);
  }

  async quit(m: Member): Promise<void> {
    m.quitting = true;
    await m.client?.finish(encoder.encode(BYE + "\r\n"));
    closeQuietly(m.c.conn);
  }

  async everyone(): Promise<{ people: Person[]; local: boolean }> {
    const bp = this.backplane;
    const all = bp ? await this.presence.everyone() : null;
    if (all) return { people: all, local: false };
    return { people: this.presence.local(), local: bp !== undefined };
  }

  /** One line from `m`: its name while it has none, a command, or a line for its room. */
  #onLine(m: Member, raw: string): void | Promise<void> {
    if (m.quitting) return;
    const verdict = m.flood.check();
    if (verdict !== Flood.Pass) {
      if (verdict === Flood.Notice) this.say(m, this.#flood);
      return;
    }
    const line = stripControls(raw);
    if (m.name === undefined) return this.#chooseName(m, line);
    if (line.charCodeAt(0) === 47 /* / */) {
      if (line.charCodeAt(1) !== 47) return command(this, m, line.trimEnd());
      return this.talk(m, `[${m.room}] ${m.name}: ${line.slice(1)}`);
    }
    if (line.trim() === "") return;
    return this.talk(m, `[${m.room}] ${m.name}: ${line}`);
  }

  /** Serves one client until it leaves. */
  async serve(c: Connection): Promise<void> {
    const opts = this.#opts;
    const m: Member = {
      c,
      key: c.remote,
      out: new MemberOutbox(opts.queue, this.#turns),
      flood: new FloodGate(opts.flood),
    };
    const client = m.client = this.clients.add(c, m.out);
    this.members.add(m);
    this.say(m, WELCOME);
    if (this.backplane && !this.backplane.up) this.say(m, BACKPLANE_DOWN);
    this.say(m, PROMPT);
    try {
      await client.serveLines(opts.maxLine, (line) => this.#onLine(m, line));
    } finally {
      this.members.delete(m);
      this.leave(m);
      this.clients.delete(client);
    }
  }

  /** After every connection has closed. */
  async close(): Promise<void> {
    for (const hub of this.hubs.values()) hub.close();
    this.hubs.clear();
    await this.presence.close();
  }
}

/** Mode `rooms`. */
export function rooms(ctx: ChatContext): ModeServer {
  const r = new Rooms(ctx);
  return {
    started: () => r.presence.start(),
    handle: (c) => r.serve(c),
    clients: r.clients,
    stopped: () => r.close(),
    publish: (text, room) => r.announce(text, room),
    describe(c) {
      for (const m of r.members) if (m.c === c) return { name: m.name, room: m.room };
    },
  };
}
