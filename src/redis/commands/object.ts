// OBJECT (ENCODING, REFCOUNT, IDLETIME, FREQ, HELP) and COPY: what Redis 7.0's object.c and
// db.c answer about and with a value of any type. Encodings follow Redis's rules: a string is
// "int" when it reads as a 64-bit integer, "embstr" up to 44 bytes, else "raw"; a hash is
// "listpack" or "hashtable", a set "intset" or "hashtable", a sorted set "listpack" or
// "skiplist" (store/value_limits.ts).

import {
  HashValue,
  keyOf,
  ListValue,
  SetValue,
  type Stored,
  StreamValue,
  ZSetValue,
} from "../store/db.ts";
import { lookupWrite } from "./collections.ts";
import { isInt64 } from "../store/value_limits.ts";
import type { Command, Session } from "./types.ts";
import { Err, helpReply } from "./replies.ts";
import { Notify } from "./events.ts";
import { isWord } from "./args.ts";
import { parseInt64 } from "../../resp/integer.ts";

/** Redis's OBJECT ENCODING name of a value. */
export function encodingOf(v: Stored): string {
  if (v instanceof HashValue) return v.listpack ? "listpack" : "hashtable";
  if (v instanceof SetValue) return v.intset ? "intset" : "hashtable";
  // Redis 7.0 encodes every list as a quicklist.
  if (v instanceof ListValue) return "quicklist";
  if (v instanceof ZSetValue) return v.listpack ? "listpack" : "skiplist";
  if (v instanceof StreamValue) return "stream";
  const len = v.length;
  if (len <= 20 && isInt64(typeof v === "string" ? v : keyOf(v))) return "int";
  return len <= 44 ? "embstr" : "raw";
}

/** Integers Redis keeps as shared objects (OBJ_SHARED_INTEGERS) have this reference count. */
const SHARED_REFCOUNT = 2147483647;

function lookup(c: Session, args: Uint8Array[]): Stored | undefined {
  const v = c.keyspace.peekStored(keyOf(args[2]!));
  if (v === undefined) c.out.nullBulk();
  return v;
}

const OBJECT_HELP = [
  "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>.",
  "FREQ <key>",
  "    Return the access frequency index of the <key>. The returned integer is",
  "    proportional to the logarithm of the recent access frequency of the key.",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key.",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key>.",
  "HELP",
  "    Prints this help.",
];

const ADJUST = "Please note that when switching between policies at runtime LRU and LFU data " +
  "will take some time to adjust.";
const NO_LFU =
  `ERR An LFU maxmemory policy is not selected, access frequency not tracked. ${ADJUST}`;
const LFU_SELECTED = `ERR An LFU maxmemory policy is selected, idle time not tracked. ${ADJUST}`;

/** COPY source destination [DB n] [REPLACE], as Redis's copyCommand. */
function copy(c: Session, args: Uint8Array[]): void {
  let replace = false;
  let target = c.db;
  for (let j = 3; j < args.length; j++) {
    if (isWord(args[j]!, "replace")) replace = true;
    else if (isWord(args[j]!, "db") && j + 1 < args.length) {
      const n = parseInt64(args[++j]!);
      if (n === undefined || n < -2147483648 || n > 2147483647) {
        c.out.error(Err.notInteger);
        return;
      }
      if (n < 0 || n >= c.server.dbs.count) {
        c.out.error("ERR DB index is out of range");
        return;
      }
      target = Number(n);
    } else {
      c.out.error(Err.syntax);
      return;
    }
  }
  const src = c.keyspace, dst = c.server.dbs.get(target);
  const key = keyOf(args[1]!), newKey = keyOf(args[2]!);
  if (src === dst && key === newKey) {
    c.out.error("ERR source and destination objects are the same");
    return;
  }
  const v = src.getStored(key);
  if (v === undefined) {
    c.out.integer(0);
    return;
  }
  const at = src.expireAt(key);
  if (lookupWrite(dst, newKey) !== undefined) {
    if (!replace) {
      c.out.integer(0);
      return;
    }
    dst.delete(newKey);
  }
  const dup = v instanceof HashValue || v instanceof SetValue || v instanceof ListValue ||
      v instanceof ZSetValue || v instanceof StreamValue
    ? v.clone()
    : typeof v === "string"
    ? v
    : v.slice();
  dst.set(newKey, dup, at);
  c.server.blocked.ready(dst.index, newKey);
  c.server.events.emit(Notify.GENERIC, "copy_to", newKey, dst.index);
  c.out.integer(1);
}

function sub(name: string, handler: Command["handler"]): Command {
  return {
    name: `object|${name}`,
    arity: 3,
    flags: ["readonly"],
    keys: [2, 2, 1],
    acl: ["@keyspace", "@read", "@slow"],
    handler,
  };
}

/** OBJECT and COPY. */
export const OBJECT_COMMANDS: readonly Command[] = [
  {
    name: "object",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    subcommands: [
      sub("encoding", (c, a) => {
        const v = lookup(c, a);
        if (v !== undefined) c.out.bulk(encodingOf(v));
      }),
      sub("refcount", (c, a) => {
        const v = lookup(c, a);
        if (v === undefined) return;
        const n = typeof v === "string" && v.length <= 4 && isInt64(v) && v[0] !== "-"
          ? SHARED_REFCOUNT
          : 1;
        c.out.integer(n);
      }),
      // OBJECT looks keys up without touching them (LOOKUP_NOTOUCH).
      sub("idletime", (c, a) => {
        const v = lookup(c, a);
        if (v === undefined) return;
        if (c.server.dbs.shared.access.lfu) c.out.error(LFU_SELECTED);
        else c.out.integer(c.keyspace.idleSeconds(keyOf(a[2]!), v));
      }),
      sub("freq", (c, a) => {
        const v = lookup(c, a);
        if (v === undefined) return;
        if (!c.server.dbs.shared.access.lfu) c.out.error(NO_LFU);
        else c.out.integer(c.keyspace.frequency(keyOf(a[2]!), v));
      }),
      {
        name: "object|help",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@keyspace", "@slow"],
        handler: (c) => helpReply(c, OBJECT_HELP),
      },
    ],
  },
  {
    name: "copy",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, 2, 1],
    acl: ["@keyspace", "@write", "@slow"],
    handler: copy,
  },
];
