// Mode `rooms`: the chat beyond the tutorial. Clients pick a unique name, start in #lobby and talk
// to the room they are in; commands move them between rooms, list who is where and send private
// messages; a client sending more than --flood lines a second has the excess dropped. Each room is
// a hub of its own; each client also has a queue of lines for it alone (replies, private
// messages). With --backplane, room lines, notices and private messages also go to the other
// instances, and presence (names, rooms) is kept in Redis so /who and /rooms count everyone.

import { afterRoom, Hub } from "../hub.ts";
import { ChatClient, ClientSet } from "../client.ts";
import { closeQuietly, type Connection } from "../../net/server.ts";
import { stripControls } from "../sanitize.ts";
import type { ChatContext, ChatStage } from "../mode.ts";
import { BACKPLANE_BACK, BACKPLANE_DOWN } from "../backplane.ts";
import { MemberOutbox } from "../rooms_outbox.ts";
import { Flood, FloodGate, floodNotice } from "../rooms_flood.ts";
import { badName, byName, roomName } from "../rooms_names.ts";
import { type Person, Presence } from "../rooms_presence.ts";

const encoder = new TextEncoder();

/** Where everyone starts. */
export const LOBBY = "#lobby";

/** The lines of /help. */
export const HELP = [
  "*** commands:",
  "***   /help            this list",
  "***   /nick NAME       change your name",
  "***   /join ROOM       go to another room (it is made when first joined)",
  "***   /rooms           the rooms and how many are in each",
  "***   /who             who is in your room",
  "***   /me ACTION       tell your room what you do",
  "***   /msg NAME TEXT   a private message",
  "***   /quit            leave",
  "***   //text           a line that starts with /",
];

const WELCOME = "*** welcome to tokserver chat";
const PROMPT = "*** choose a name (1-32 letters, digits, _ or -):";
const BYE = "*** bye";
const LOCAL_ONLY = " (local only)";

/** One client of the rooms mode. */
interface Member {
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

/** Mode `rooms`. */
export function rooms(ctx: ChatContext): ChatStage {
  const { opts } = ctx;
  const bp = ctx.backplane;
  const clients = new ClientSet();
  const hubs = new Map<string, Hub>();
  /** Members by lower-case name, from the moment a name is being claimed. */
  const names = new Map<string, Member>();
  const members = new Set<Member>();
  const presence = new Presence(bp);
  const flood = floodNotice(opts.flood);

  function say(m: Member, text: string): void {
    m.out.push(encoder.encode(text + "\r\n"));
  }

  /** Sends `text` to everyone in `room` on every instance but `m`, its author. */
  function toRoom(room: string, text: string, m: Member): void {
    hubs.get(room)?.publish(text, m.key);
    bp?.publish(room, m.name!, text);
  }

  /**
   * A chat line of `m` to its room; a paste waits for the room's readers (and Redis) instead of
   * overrunning them, and the member's next line is read once it has gone.
   */
  function talk(m: Member, text: string): void | Promise<void> {
    const hub = hubs.get(m.room!);
    if (hub?.room() !== undefined || bp?.room() !== undefined) {
      return afterRoom(hub, bp, (t: string) => toRoom(m.room!, t, m), text);
    }
    toRoom(m.room!, text, m);
  }

  bp?.onMessage((topic, line) => {
    if (topic.charCodeAt(0) === 35 /* # */) {
      const hub = hubs.get(topic);
      if (hub?.room() !== undefined) {
        return afterRoom(hub, undefined, (l: Uint8Array) => void hub.publishBytes(l), line);
      }
      hub?.publishBytes(line);
    } else if (topic.charCodeAt(0) === 64 /* @ */) {
      const to = names.get(topic.slice(1));
      if (to?.name !== undefined) to.out.push(line);
    }
  });
  bp?.onStatus((up) => {
    for (const m of members) say(m, up ? BACKPLANE_BACK : BACKPLANE_DOWN);
  });
  presence.onConflict((lower) => {
    const m = names.get(lower);
    if (m?.name === undefined) return;
    say(
      m,
      `*** another user took the name ${m.name} while the instances were apart;` +
        " pick a new one with /nick",
    );
  });

  /** Moves `m` to `room` (from none, at first), with the notices on both sides. */
  async function enter(m: Member, room: string): Promise<void> {
    const old = m.room;
    if (old !== undefined) toRoom(old, `*** ${m.name} left ${old}`, m);
    let hub = hubs.get(room);
    if (!hub) hubs.set(room, hub = new Hub(opts.queue));
    m.out.setRoom(hub.subscribe(m.key));
    m.room = room;
    if (old !== undefined && hubs.get(old)?.size === 0) hubs.delete(old);
    toRoom(room, `*** ${m.name} joined ${room}`, m);
    if (old !== undefined) await presence.move(m.name!, room); // a claim records the first room
  }

  /** Takes `m` out of its room and frees its name. */
  function leave(m: Member): void {
    if (m.lower !== undefined && names.get(m.lower) === m) names.delete(m.lower);
    if (m.name === undefined || m.room === undefined) return;
    const room = m.room;
    m.out.setRoom(undefined);
    if (hubs.get(room)?.size === 0) hubs.delete(room);
    toRoom(room, `*** ${m.name} left ${room}`, m);
    presence.release(m.name);
  }

  /** Whether `name` can be taken by `m`; says why not. Reserves it locally when it can. */
  async function claim(m: Member, name: string): Promise<boolean> {
    const why = badName(name);
    if (why !== undefined) {
      say(m, `*** bad name: ${why}`);
      return false;
    }
    const lower = name.toLowerCase();
    if (names.has(lower)) {
      say(m, `*** name taken: ${name}`);
      return false;
    }
    names.set(lower, m); // nobody else here can claim it while Redis answers
    if (!await presence.claim(name, m.room ?? LOBBY)) {
      names.delete(lower);
      say(m, `*** name taken: ${name}`);
      return false;
    }
    return true;
  }

  async function chooseName(m: Member, line: string): Promise<void> {
    const name = line.trim();
    if (name.toLowerCase() === "/quit") return await quit(m);
    if (!await claim(m, name)) return say(m, PROMPT);
    m.name = name;
    m.lower = name.toLowerCase();
    say(m, `*** hello ${name}, you are in ${LOBBY} (/help lists the commands)`);
    await enter(m, LOBBY);
  }

  async function quit(m: Member): Promise<void> {
    m.quitting = true;
    await m.client?.finish(encoder.encode(BYE + "\r\n"));
    closeQuietly(m.c.conn);
  }

  /** Everyone `m` can know of: on all instances, or on this one (then `local` is true). */
  async function everyone(): Promise<{ people: Person[]; local: boolean }> {
    const all = bp ? await presence.everyone() : null;
    if (all) return { people: all, local: false };
    return { people: presence.local(), local: bp !== undefined };
  }

  async function who(m: Member): Promise<void> {
    const { people, local } = await everyone();
    const here = people.filter((p) => p.room === m.room).map((p) => p.name).sort(byName);
    say(m, `*** ${here.length} in ${m.room}: ${here.join(", ")}${local ? LOCAL_ONLY : ""}`);
  }

  async function listRooms(m: Member): Promise<void> {
    const { people, local } = await everyone();
    const counts = new Map<string, number>();
    for (const p of people) counts.set(p.room, (counts.get(p.room) ?? 0) + 1);
    const list = [...counts].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
      .map(([room, n]) => `${room} (${n})`);
    const rooms = list.length === 1 ? "1 room" : `${list.length} rooms`;
    say(m, `*** ${rooms}: ${list.join(", ")}${local ? LOCAL_ONLY : ""}`);
  }

  async function nick(m: Member, arg: string): Promise<void> {
    const old = m.name!;
    if (arg === old) return say(m, `*** you are already ${old}`);
    const lower = arg.toLowerCase();
    if (lower !== m.lower) {
      if (!await claim(m, arg)) return;
      names.delete(m.lower!);
      await presence.release(old);
      m.lower = lower;
      m.name = arg;
    } else {
      m.name = arg; // only the case changes: the name stays ours
      await presence.move(arg, m.room!);
    }
    say(m, `*** you are now known as ${arg}`);
    toRoom(m.room!, `*** ${old} is now known as ${arg}`, m);
  }

  async function join(m: Member, arg: string): Promise<void> {
    const r = roomName(arg);
    if ("why" in r) return say(m, `*** bad room name: ${r.why}`);
    if (r.room === m.room) return say(m, `*** you are already in ${r.room}`);
    await enter(m, r.room);
    say(m, `*** you are now in ${r.room}`); // after presence has it, for /who anywhere
  }

  async function msg(m: Member, arg: string): Promise<void> {
    const space = arg.indexOf(" ");
    const text = space === -1 ? "" : arg.slice(space + 1).trim();
    if (text === "") return say(m, "*** usage: /msg NAME TEXT");
    const name = arg.slice(0, space);
    const line = `[private] ${m.name}: ${text}`;
    const here = names.get(name.toLowerCase());
    if (here?.name !== undefined) {
      here.out.push(encoder.encode(line + "\r\n"));
      return say(m, `[private to ${here.name}] ${text}`);
    }
    const there = bp ? await presence.find(name) : null;
    if (there === undefined) return say(m, `*** ${name} is not here${LOCAL_ONLY}`);
    if (there === null || there.instance === presence.instance) {
      return say(m, `*** no such user: ${name}`);
    }
    bp!.publish(`@${there.name.toLowerCase()}`, m.name!, line);
    say(m, `[private to ${there.name}] ${text}`);
  }

  function command(m: Member, line: string): void | Promise<void> {
    const space = line.indexOf(" ");
    const cmd = (space === -1 ? line : line.slice(0, space)).toLowerCase();
    const arg = space === -1 ? "" : line.slice(space + 1).trim();
    switch (cmd) {
      case "/help":
        for (const h of HELP) say(m, h);
        return;
      case "/nick":
        return arg === "" ? say(m, "*** usage: /nick NAME") : nick(m, arg);
      case "/join":
        return arg === "" ? say(m, "*** usage: /join ROOM") : join(m, arg);
      case "/rooms":
        return listRooms(m);
      case "/who":
        return who(m);
      case "/me":
        if (arg === "") return say(m, "*** usage: /me ACTION");
        return talk(m, `[${m.room}] * ${m.name} ${arg}`);
      case "/msg":
        return msg(m, arg);
      case "/quit":
        return quit(m);
      default:
        say(m, `*** unknown command ${cmd} (/help lists the commands)`);
    }
  }

  function onLine(m: Member, raw: string): void | Promise<void> {
    if (m.quitting) return;
    const verdict = m.flood.check();
    if (verdict !== Flood.Pass) {
      if (verdict === Flood.Notice) say(m, flood);
      return;
    }
    const line = stripControls(raw);
    if (m.name === undefined) return chooseName(m, line);
    if (line.charCodeAt(0) === 47 /* / */) {
      if (line.charCodeAt(1) !== 47) return command(m, line.trimEnd());
      return talk(m, `[${m.room}] ${m.name}: ${line.slice(1)}`);
    }
    if (line.trim() === "") return;
    return talk(m, `[${m.room}] ${m.name}: ${line}`);
  }

  return {
    started() {
      presence.start();
    },
    async handle(c) {
      const m: Member = {
        c,
        key: c.remote,
        out: new MemberOutbox(opts.queue),
        flood: new FloodGate(opts.flood),
      };
      const client = m.client = clients.add(c, m.out);
      members.add(m);
      say(m, WELCOME);
      if (bp && !bp.up) say(m, BACKPLANE_DOWN);
      say(m, PROMPT);
      try {
        await client.serveLines(opts.maxLine, (line) => onLine(m, line));
      } finally {
        members.delete(m);
        leave(m);
        clients.delete(client);
      }
    },
    clients,
    async stopped() {
      for (const hub of hubs.values()) hub.close();
      hubs.clear();
      await presence.close();
    },
  };
}
