// Connection commands: PING, ECHO, HELLO, SELECT, RESET (what real clients send right after
// connecting; CLIENT is in client_command.ts). QUIT is answered in server/dispatch.ts before the
// table, as Redis 7.0 does, and is listed here for COMMAND.

import { keyOf } from "../store/db.ts";
import { type Command, type Session } from "./types.ts";
import { parseInteger } from "../../resp/integer.ts";
import { cString, isWord } from "./args.ts";
import { Err } from "./replies.ts";
import { authenticate, resetAuth, WRONGPASS } from "./auth.ts";
import { discardTransaction } from "./transactions.ts";
import { dbIndexArg, validDb } from "./databases.ts";

const PONG = new TextEncoder().encode("pong");

/** The version reported to clients (HELLO, INFO): the Redis release whose behaviour we follow. */
export const REDIS_VERSION = "7.0.15";

function ping(c: Session, args: Uint8Array[]): void {
  if (args.length > 2) {
    c.out.error(Err.arity("ping"));
    return;
  }
  if (c.resp === 2 && c.subscribed) {
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
export function validName(b: Uint8Array): boolean {
  for (const ch of b) if (ch < 33 || ch > 126) return false;
  return true;
}

function hello(c: Session, args: Uint8Array[]): void {
  let next = 1;
  // HELLO without a version keeps the protocol spoken.
  let ver: number | undefined;
  if (args.length >= 2) {
    ver = parseInteger(args[next++]!);
    if (ver === undefined) {
      c.out.error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (ver !== 2 && ver !== 3) {
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
  if (ver !== undefined) c.resp = ver as 2 | 3;
  const o = c.out;
  o.mapHeader(7);
  o.bulk("server");
  o.bulk("redis");
  o.bulk("version");
  o.bulk(REDIS_VERSION);
  o.bulk("proto");
  o.integer(c.resp);
  o.bulk("id");
  o.integer(c.id);
  o.bulk("mode");
  o.bulk("standalone");
  o.bulk("role");
  o.bulk("master");
  o.bulk("modules");
  o.arrayHeader(0);
}

function select(c: Session, args: Uint8Array[]): void {
  const n = dbIndexArg(c, args[1]!);
  if (n === undefined) return;
  if (!validDb(c, n)) {
    c.out.error("ERR DB index is out of range");
    return;
  }
  c.db = n;
  c.out.simple("OK");
}

function reset(c: Session): void {
  discardTransaction(c);
  resetAuth(c);
  const ps = c.server.pubsub;
  ps.removeAll(c);
  c.server.tracking.disable(c);
  c.db = 0;
  c.resp = 2;
  c.name = "";
  c.out.simple("RESET");
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
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy", "pubsub_context"],
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
    acl: ["@fast", "@connection"],
    handler: select,
  },
  {
    name: "reset",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy", "pubsub_context"],
    acl: ["@fast", "@connection"],
    handler: reset,
  },
];
