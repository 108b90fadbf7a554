// CLIENT and its subcommands: ID, GETNAME, SETNAME, SETINFO, INFO, LIST, KILL, HELP, with
// CLIENT LIST's line format and CLIENT KILL's filters as Redis 7.0 has them.

import { TRACKING_SUBCOMMANDS } from "./tracking.ts";
import { keyOf } from "../store/db.ts";
import { type Command, type Session } from "./types.ts";
import { parseInt64, parseInteger } from "../../resp/integer.ts";
import { UNBLOCKED } from "./blocking.ts";
import { cString, isWord, lowerName } from "./args.ts";
import { Err } from "./replies.ts";

import { helpReply } from "./replies.ts";
import { validName } from "./connection.ts";

// What tot-mem counts for a client beyond its buffers (Redis counts its client struct, ~1 KB
// here as an estimate of the session object).
const CLIENT_OVERHEAD = 1024;

/**
 * One CLIENT LIST line for `c` with Redis 7.0's fields in its order (no trailing newline).
 * `argv` is the command `c` is running when it asks about itself (argv-mem). Real values where
 * tokserver has them; obl and oll are 0 (replies go to one buffer, counted in omem), rbp is rbs,
 * tot-mem is the buffers plus a fixed estimate of the client's own size.
 */
export function clientLine(c: Session, now = Date.now(), argv?: Uint8Array[]): string {
  const tx = c.tx;
  const tr = c.tracking;
  let flags = (c.subscribed ? "P" : "") + (tx?.queue !== undefined ? "x" : "") +
    (c.blockedOn !== undefined ? "b" : "") +
    (tr !== undefined ? "t" : "") + (tr?.brokenRedirect ? "R" : "") + (tr?.bcast ? "B" : "") +
    (tx?.touched ? "d" : "") + (c.closeAfterReply ? "c" : "") + (c.noEvict ? "e" : "");
  if (flags === "") flags = "N";
  let argvMem = 0;
  for (const a of argv ?? []) argvMem += a.length;
  let multiMem = 0;
  for (const q of tx?.queue ?? []) for (const a of q.args) multiMem += a.length;
  const qbuf = c.pendingInput, rbs = c.readBufferSize, omem = c.pendingOutput;
  return `id=${c.id} addr=${c.addr} laddr=${c.server.options.host}:${c.server.port} ` +
    `fd=${c.fd} name=${c.name} age=${Math.floor((now - c.since) / 1000)} ` +
    `idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${flags} db=${c.db} ` +
    `sub=${c.channels.size} psub=${c.patterns.size} ssub=0 multi=${tx?.queue?.length ?? -1} ` +
    `qbuf=${qbuf} qbuf-free=${Math.max(0, rbs - qbuf)} argv-mem=${argvMem} ` +
    `multi-mem=${multiMem} rbs=${rbs} rbp=${rbs} obl=0 oll=0 omem=${omem} ` +
    `tot-mem=${CLIENT_OVERHEAD + rbs + omem + argvMem + multiMem} ` +
    `events=r${omem > 0 ? "w" : ""} cmd=${c.lastCommand || "NULL"} user=default ` +
    `redir=${tr === undefined ? -1 : tr.redirect} ` +
    `resp=${c.resp}`;
}

/** Whether `c` is of CLIENT LIST / KILL's TYPE `type` (normal, master, replica, slave, pubsub). */
function ofType(c: Session, type: string): boolean {
  return type === "pubsub" ? c.subscribed : type === "normal" ? !c.subscribed : false;
}

/** CLIENT LIST [TYPE type | ID id...], as Redis 7.0 reads its arguments. */
function clientList(c: Session, args: Uint8Array[]): void {
  const now = Date.now();
  let text = "";
  if (args.length === 4 && isWord(args[2]!, "type")) {
    const type = lowerName(args[3]!);
    if (!CLIENT_TYPES.includes(type)) {
      c.out.error(`ERR Unknown client type '${cString(args[3]!)}'`);
      return;
    }
    for (const other of c.server.clients.values()) {
      if (ofType(other, type)) {
        text += clientLine(other, now, other === c ? args : undefined) + "\n";
      }
    }
  } else if (args.length > 3 && isWord(args[2]!, "id")) {
    const ids: number[] = [];
    for (let i = 3; i < args.length; i++) {
      const id = parseInteger(args[i]!);
      if (id === undefined) {
        c.out.error("ERR Invalid client ID");
        return;
      }
      ids.push(id);
    }
    for (const id of ids) {
      const other = c.server.clients.get(id);
      if (other !== undefined) {
        text += clientLine(other, now, other === c ? args : undefined) + "\n";
      }
    }
  } else if (args.length !== 2) {
    c.out.error(Err.syntax);
    return;
  } else {
    for (const other of c.server.clients.values()) {
      text += clientLine(other, now, other === c ? args : undefined) + "\n";
    }
  }
  c.out.verbatim(text);
}

const CLIENT_TYPES = ["normal", "master", "replica", "slave", "pubsub"];

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: wakes a client blocked by a blocking pop. */
function clientUnblock(c: Session, args: Uint8Array[]): void {
  if (args.length > 4) {
    c.out.error(Err.unknownSubcommand(cString(args[1]!), "CLIENT"));
    return;
  }
  let error: string | undefined;
  if (args.length === 4) {
    if (isWord(args[3]!, "error")) error = UNBLOCKED;
    else if (!isWord(args[3]!, "timeout")) {
      c.out.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  const id = parseInt64(args[2]!);
  if (id === undefined) {
    c.out.error(Err.notInteger);
    return;
  }
  const w = c.server.clients.get(Number(id))?.blockedOn;
  c.out.integer(w !== undefined && c.server.blocked.unblock(w, error) ? 1 : 0);
}

function clientKill(c: Session, args: Uint8Array[]): void {
  const clients = c.server.clients;
  if (args.length === 3) {
    // Old form: CLIENT KILL addr:port
    const addr = keyOf(args[2]!);
    for (const other of clients.values()) {
      if (other.addr === addr) {
        c.out.simple("OK");
        if (other === c) c.closeAfterReply = true;
        else c.server.kill(other);
        return;
      }
    }
    c.out.error("ERR No such client");
    return;
  }
  let id: number | undefined, addr: string | undefined, type: string | undefined;
  let skipMe = true;
  for (let i = 2; i < args.length; i += 2) {
    const opt = args[i]!, val = args[i + 1];
    if (val === undefined) {
      c.out.error(Err.syntax);
      return;
    }
    if (isWord(opt, "id")) {
      const n = parseInteger(val);
      if (n === undefined || n <= 0) {
        c.out.error("ERR client-id should be greater than 0");
        return;
      }
      id = n;
    } else if (isWord(opt, "addr")) {
      addr = keyOf(val);
    } else if (isWord(opt, "type")) {
      type = lowerName(val);
      if (!CLIENT_TYPES.includes(type)) {
        c.out.error(`ERR Unknown client type '${cString(val)}'`);
        return;
      }
    } else if (isWord(opt, "skipme")) {
      if (isWord(val, "yes")) skipMe = true;
      else if (isWord(val, "no")) skipMe = false;
      else {
        c.out.error(Err.syntax);
        return;
      }
    } else {
      c.out.error(Err.syntax);
      return;
    }
  }
  let killed = 0;
  for (const other of [...clients.values()]) {
    if (id !== undefined && other.id !== id) continue;
    if (addr !== undefined && other.addr !== addr) continue;
    if (type !== undefined && !ofType(other, type)) continue;
    if (other === c && skipMe) continue;
    killed++;
    if (other === c) c.closeAfterReply = true;
    else c.server.kill(other);
  }
  c.out.integer(killed);
}

function clientSetinfo(c: Session, args: Uint8Array[]): void {
  const attr = args[2]!, value = args[3]!;
  const isName = isWord(attr, "lib-name");
  if (!isName && !isWord(attr, "lib-ver")) {
    c.out.error(`ERR Unrecognized option '${cString(attr)}'`);
    return;
  }
  if (!validName(value)) {
    c.out.error(
      `ERR ${
        isName ? "lib-name" : "lib-ver"
      } cannot contain spaces, newlines or special characters.`,
    );
    return;
  }
  if (isName) c.libName = keyOf(value);
  else c.libVer = keyOf(value);
  c.out.simple("OK");
}

const CLIENT_HELP = [
  "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "GETNAME",
  "    Return the name of the current connection.",
  "ID",
  "    Return the ID of the current connection.",
  "INFO",
  "    Return information about the current client connection.",
  "KILL <ip:port>",
  "    Kill connection made from <ip:port>.",
  "KILL <option> <value> [<option> <value> [...]]",
  "    Kill connections. Options are:",
  "    * ADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made from the specified address",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Kill connections by type.",
  "    * SKIPME (YES|NO)",
  "      Skip killing current connection (default: yes).",
  "LIST [options ...]",
  "    Return information about client connections. Options:",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Return clients of specified type.",
  "SETNAME <name>",
  "    Assign the name <name> to the current connection.",
  "NO-EVICT (ON|OFF)",
  "    Protect current client connection from eviction.",
  "SETINFO <option> <value>",
  "    Set client meta attr. Options are:",
  "    * LIB-NAME: the client lib name.",
  "    * LIB-VER: the client lib version.",
  "HELP",
  "    Prints this help.",
];

/** CLIENT and its subcommands. */
export const CLIENT_COMMANDS: readonly Command[] = [
  {
    name: "client",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    subcommands: [
      {
        name: "client|id",
        arity: 2,
        flags: ["noscript", "loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c) => c.out.integer(c.id),
      },
      {
        name: "client|getname",
        arity: 2,
        flags: ["noscript", "loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c) => c.name === "" ? c.out.nullBulk() : c.out.bulk(c.name),
      },
      {
        name: "client|setname",
        arity: 3,
        flags: ["noscript", "loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c, args) => {
          if (!validName(args[2]!)) {
            c.out.error("ERR Client names cannot contain spaces, newlines or special characters.");
            return;
          }
          c.name = keyOf(args[2]!);
          c.out.simple("OK");
        },
      },
      {
        name: "client|setinfo",
        arity: 4,
        flags: ["noscript", "loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: clientSetinfo,
      },
      {
        name: "client|info",
        arity: 2,
        flags: ["noscript", "loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c, args) => c.out.verbatim(clientLine(c, Date.now(), args) + "\n"),
      },
      {
        name: "client|list",
        arity: -2,
        flags: ["admin", "noscript", "loading", "stale"],
        acl: ["@admin", "@slow", "@dangerous", "@connection"],
        handler: clientList,
      },
      {
        name: "client|kill",
        arity: -3,
        flags: ["admin", "noscript", "loading", "stale"],
        acl: ["@admin", "@slow", "@dangerous", "@connection"],
        handler: clientKill,
      },
      {
        name: "client|unblock",
        arity: -3,
        flags: ["admin", "noscript", "loading", "stale"],
        acl: ["@admin", "@slow", "@dangerous", "@connection"],
        handler: clientUnblock,
      },
      {
        name: "client|no-evict",
        arity: 3,
        flags: ["admin", "noscript", "loading", "stale"],
        acl: ["@admin", "@slow", "@dangerous", "@connection"],
        handler: (c, args) => {
          if (isWord(args[2]!, "on")) c.noEvict = true;
          else if (isWord(args[2]!, "off")) c.noEvict = false;
          else return c.out.error(Err.syntax);
          c.out.simple("OK");
        },
      },
      {
        name: "client|help",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c) => helpReply(c, CLIENT_HELP),
      },
      ...TRACKING_SUBCOMMANDS,
    ],
  },
];
