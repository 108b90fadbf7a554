// The slash commands of the rooms mode: /help, /nick, /join, /rooms, /who, /me, /msg, /quit.
// Each answers its member with `***` lines; names and rooms are checked by names.ts.

import { byName, roomName } from "./names.ts";
import type { Member, RoomsState } from "./member.ts";

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

/** Said after a list that counts this instance only (the backplane is down). */
export const LOCAL_ONLY = " (local only)";

const encoder = new TextEncoder();

async function who(r: RoomsState, m: Member): Promise<void> {
  const { people, local } = await r.everyone();
  const here = people.filter((p) => p.room === m.room).map((p) => p.name).sort(byName);
  r.say(m, `*** ${here.length} in ${m.room}: ${here.join(", ")}${local ? LOCAL_ONLY : ""}`);
}

async function listRooms(r: RoomsState, m: Member): Promise<void> {
  const { people, local } = await r.everyone();
  const counts = new Map<string, number>();
  for (const p of people) counts.set(p.room, (counts.get(p.room) ?? 0) + 1);
  const list = [...counts].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([room, n]) => `${room} (${n})`);
  const rooms = list.length === 1 ? "1 room" : `${list.length} rooms`;
  r.say(m, `*** ${rooms}: ${list.join(", ")}${local ? LOCAL_ONLY : ""}`);
}

async function nick(r: RoomsState, m: Member, arg: string): Promise<void> {
  const old = m.name!;
  if (arg === old) return r.say(m, `*** you are already ${old}`);
  const lower = arg.toLowerCase();
  if (lower !== m.lower) {
    if (!await r.claim(m, arg)) return;
    r.names.delete(m.lower!);
    await r.presence.release(old);
    m.lower = lower;
    m.name = arg;
  } else {
    m.name = arg; // only the case changes: the name stays ours
    await r.presence.move(arg, m.room!);
  }
  r.say(m, `*** you are now known as ${arg}`);
  r.toRoom(m.room!, `*** ${old} is now known as ${arg}`, m);
}

async function join(r: RoomsState, m: Member, arg: string): Promise<void> {
  const room = roomName(arg);
  if ("why" in room) return r.say(m, `*** bad room name: ${room.why}`);
  if (room.room === m.room) return r.say(m, `*** you are already in ${room.room}`);
  await r.enter(m, room.room);
  r.say(m, `*** you are now in ${room.room}`); // after presence has it, for /who anywhere
}

async function msg(r: RoomsState, m: Member, arg: string): Promise<void> {
  const space = arg.indexOf(" ");
  const text = space === -1 ? "" : arg.slice(space + 1).trim();
  if (text === "") return r.say(m, "*** usage: /msg NAME TEXT");
  const name = arg.slice(0, space);
  const line = `[private] ${m.name}: ${text}`;
  const here = r.names.get(name.toLowerCase());
  if (here?.name !== undefined) {
    here.out.push(encoder.encode(line + "\r\n"));
    return r.say(m, `[private to ${here.name}] ${text}`);
  }
  const bp = r.backplane;
  const there = bp ? await r.presence.find(name) : null;
  if (there === undefined) return r.say(m, `*** ${name} is not here${LOCAL_ONLY}`);
  if (there === null || there.instance === r.presence.instance) {
    return r.say(m, `*** no such user: ${name}`);
  }
  bp!.publish(`@${there.name.toLowerCase()}`, m.name!, line);
  r.say(m, `[private to ${there.name}] ${text}`);
}

/**
 * Runs the slash command `line` (without its trailing blanks) of member `m`.
 *
 * @example
 * ```ts ignore
 * await command(rooms, member, "/join #random");
 * ```
 */
export function command(r: RoomsState, m: Member, line: string): void | Promise<void> {
  const space = line.indexOf(" ");
  const cmd = (space === -1 ? line : line.slice(0, space)).toLowerCase();
  const arg = space === -1 ? "" : line.slice(space + 1).trim();
  switch (cmd) {
    case "/help":
      for (const h of HELP) r.say(m, h);
      return;
    case "/nick":
      return arg === "" ? r.say(m, "*** usage: /nick NAME") : nick(r, m, arg);
    case "/join":
      return arg === "" ? r.say(m, "*** usage: /join ROOM") : join(r, m, arg);
    case "/rooms":
      return listRooms(r, m);
    case "/who":
      return who(r, m);
    case "/me":
      if (arg === "") return r.say(m, "*** usage: /me ACTION");
      return r.talk(m, `[${m.room}] * ${m.name} ${arg}`);
    case "/msg":
      return msg(r, m, arg);
    case "/quit":
      return r.quit(m);
    default:
      r.say(m, `*** unknown command ${cmd} (/help lists the commands)`);
  }
}
