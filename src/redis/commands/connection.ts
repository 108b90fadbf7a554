// Connection commands: PING, ECHO, HELLO, SELECT, RESET, and CLIENT with its subcommands (what
// real clients send right after connecting). QUIT is answered in mod.ts before the table, as
// Redis 7.0 does, and is listed here for COMMAND.

import { keyOf } from "../store/db.ts";
import { type Client, type Command } from "./types.ts";
import { cString, isWord, lowerName, parseLong } from "./args.ts";
import { Err } from "./errors.ts";
import { authenticate, resetAuth, WRONGPASS } from "./auth.ts";
import { discardTransaction } from "./transactions.ts";

const PONG = new TextEncoder().encode("pong");

/** The version reported to clients (HELLO, INFO): the Redis release whose behaviour we follow. */
export const REDIS_VERSION = "7.0.15";

function ping(c: Client, args: Uint8Array[]): void {
  if (args.length > 2) {
    c.out.error(Err.arity("ping"));
    return;
  }
  if (c.resp === 2 && (c.channels.size > 0 || c.patterns.size > 0)) {
    c.out.arrayHeader(2);
    c.out.bulk(PONG);
    c.out.bulk(args[1] ?? new Uint8Array(0));
  } else if (args.length === 2) {
    c.out.bulk(args[1]!);
  } else {
    c.out.simple("PONG");
  }
}

/** Whether a client name or library field has only the characters Redis allows ('!'..'~'). */
function validName(b: Uint8Array): boolean {
  for (const ch of b) if (ch < 33 || ch > 126) return false;
  return true;
}

function hello(c: Client, args: Uint8Array[]): void {
  let next = 1;
  if (args.length >= 2) {
    const ver = parseLong(args[next++]!);
    if (ver === undefined) {
      c.out.error("ERR Protocol version is not an integer or out of range");
      return;
    }
    // RESP3 is not spoken here; Redis answers the same for versions it does not support.
    if (ver !== 2) {
      c.out.error("NOPROTO unsupported protocol version");
      return;
    }
  }
  let name: Uint8Array | undefined;
  let user: Uint8Array | undefined, password: Uint8Array | undefined;
  for (let j = next; j < args.length; j++) {
    const more = args.length - 1 - j;
    const opt = args[j]!;
    if (isWord(opt, "auth") && more >= 2) {
      user = args[++j]!;
      password = args[++j]!;
    } else if (isWord(opt, "setname") && more >= 1) {
      name = args[++j]!;
    } else {
      c.out.error(`ERR Syntax error in HELLO option '${cString(opt, 1 << 20)}'`);
      return;
    }
  }
  if (user !== undefined && !authenticate(c, user, password!)) {
    c.out.error(WRONGPASS);
    return;
  }
  if (!c.authenticated) {
    c.out.error(
      "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO " +
        "AUTH <user> <pass> option can be used to authenticate the client and select the RESP " +
        "protocol version at the same time",
    );
    return;
  }
  if (name !== undefined) {
    if (!validName(name)) {
      c.out.error("ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
    c.name = keyOf(name);
  }
  c.resp = 2;
  const o = c.out;
  o.arrayHeader(14);
  o.bulk("server");
  o.bulk("redis");
  o.bulk("version");
  o.bulk(REDIS_VERSION);
  o.bulk("proto");
  o.integer(2);
  o.bulk("id");
  o.integer(c.id);
  o.bulk("mode");
  o.bulk("standalone");
  o.bulk("role");
  o.bulk("master");
  o.bulk("modules");
  o.arrayHeader(0);
}

function select(c: Client, args: Uint8Array[]): void {
  const n = parseLong(args[1]!);
  if (n === undefined) {
    c.out.error(Err.notInteger);
  } else if (n < -2147483648 || n > 2147483647) {
    c.out.error("ERR value is out of range, value must between -2147483648 and 2147483647");
  } else if (n !== 0) {
    // One database: every other index is out of range, as on a Redis with `databases 1`.
    c.out.error("ERR DB index is out of range");
  } else {
    c.db = 0;
    c.out.simple("OK");
  }
}

function reset(c: Client): void {
  discardTransaction(c);
  resetAuth(c);
  const ps = c.server.pubsub;
  ps.removeAll(c);
  c.db = 0;
  c.resp = 2;
  c.name = "";
  c.out.simple("RESET");
}

/** One CLIENT LIST line for `c` (Redis's fields, with what we track; no trailing newline). */
export function clientLine(c: Client, now = Date.now()): string {
  const tx = c.tx;
  let flags = (c.channels.size > 0 || c.patterns.size > 0 ? "P" : "") +
    (tx?.queue !== undefined ? "x" : "") + (tx?.touched ? "d" : "");
  if (flags === "") flags = "N";
  return [
    `id=${c.id}`,
    `addr=${c.addr}`,
    `laddr=${c.server.options.host}:${c.server.port}`,
    `fd=-1`,
    `name=${c.name}`,
    `age=${Math.floor((now - c.since) / 1000)}`,
    `idle=${Math.floor((now - c.lastInteraction) / 1000)}`,
    `flags=${flags}`,
    `db=${c.db}`,
    `sub=${c.channels.size}`,
    `psub=${c.patterns.size}`,
    `ssub=0`,
    `multi=${tx?.queue?.length ?? -1}`,
    `qbuf=${c.pendingInput}`,
    `qbuf-free=0`,
    `argv-mem=0`,
    `multi-mem=0`,
    `obl=0`,
    `oll=0`,
    `omem=${c.pendingOutput}`,
    `events=r${c.pendingOutput > 0 ? "w" : ""}`,
    `cmd=${c.lastCommand || "NULL"}`,
    `user=default`,
    `redir=-1`,
    `resp=${c.resp}`,
    `lib-name=${c.libName}`,
    `lib-ver=${c.libVer}`,
  ].join(" ");
}

function clientList(c: Client, args: Uint8Array[]): void {
  let type: string | undefined;
  if (args.length === 4 && isWord(args[2]!, "type")) {
    type = lowerName(args[3]!);
    if (!["normal", "master", "replica", "slave", "pubsub"].includes(type)) {
      c.out.error(`ERR Unknown client type '${cString(args[3]!)}'`);
      return;
    }
  } else if (args.length !== 2) {
    c.out.error(Err.syntax);
    return;
  }
  const now = Date.now();
  let text = "";
  for (const other of c.server.clients.values()) {
    const pubsub = other.channels.size > 0 || other.patterns.size > 0;
    if (type === "pubsub" && !pubsub) continue;
    if (type === "normal" && pubsub) continue;
    if (type === "master" || type === "replica" || type === "slave") continue;
    text += clientLine(other, now) + "\n";
  }
  c.out.bulk(text);
}

function clientKill(c: Client, args: Uint8Array[]): void {
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
      const n = parseLong(val);
      if (n === undefined || n <= 0) {
        c.out.error("ERR client-id should be greater than 0");
        return;
      }
      id = n;
    } else if (isWord(opt, "addr")) {
      addr = keyOf(val);
    } else if (isWord(opt, "type")) {
      type = lowerName(val);
      if (!["normal", "master", "replica", "slave", "pubsub"].includes(type)) {
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
    if (type !== undefined) {
      const pubsub = other.channels.size > 0 || other.patterns.size > 0;
      if (type === "pubsub" ? !pubsub : type === "normal" ? pubsub : true) continue;
    }
    if (other === c && skipMe) continue;
    killed++;
    if (other === c) c.closeAfterReply = true;
    else c.server.kill(other);
  }
  c.out.integer(killed);
}

function clientSetinfo(c: Client, args: Uint8Array[]): void {
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
  "SETINFO <option> <value>",
  "    Set client meta attr. Options are:",
  "    * LIB-NAME: the client lib name.",
  "    * LIB-VER: the client lib version.",
  "HELP",
  "    Prints this help.",
];

/** Writes a HELP reply: an array of status lines. */
export function helpReply(c: Client, lines: readonly string[]): void {
  c.out.arrayHeader(lines.length);
  for (const l of lines) c.out.simple(l);
}

/** The connection command family. */
export const CONNECTION_COMMANDS: readonly Command[] = [
  {
    name: "ping",
    arity: -1,
    flags: ["fast", "pubsub_context"],
    acl: ["@fast", "@connection"],
    handler: ping,
  },
  {
    name: "echo",
    arity: 2,
    flags: ["loading", "stale", "fast"],
    acl: ["@fast", "@connection"],
    handler: (c, args) => c.out.bulk(args[1]!),
  },
  {
    name: "quit",
    arity: -1,
    flags: ["allow_busy", "noscript", "loading", "stale", "fast", "no_auth", "pubsub_context"],
    acl: ["@fast", "@connection"],
    handler: (c) => {
      c.out.simple("OK");
      c.closeAfterReply = true;
    },
  },
  {
    name: "hello",
    arity: -1,
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    acl: ["@fast", "@connection"],
    handler: hello,
  },
  {
    name: "select",
    arity: 2,
    flags: ["loading", "stale", "fast"],
    acl: ["@keyspace", "@fast", "@connection"],
    handler: select,
  },
  {
    name: "reset",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy", "pubsub_context"],
    acl: ["@fast", "@connection"],
    handler: reset,
  },
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
        handler: (c) => c.out.bulk(clientLine(c) + "\n"),
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
        name: "client|help",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c) => helpReply(c, CLIENT_HELP),
      },
    ],
  },
];
