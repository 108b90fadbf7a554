// Redis 7 functions: FUNCTION LOAD [REPLACE], DELETE, FLUSH, LIST, DUMP, RESTORE, STATS, KILL,
// HELP, and FCALL / FCALL_RO, with Redis 7.0's replies and error texts. Libraries (`#!lua
// name=<lib>`) run once in a reduced environment that registers their functions
// (scripting/library_loader.ts); the functions then run in their own Lua state, apart from EVAL's.
// Loading, deleting and flushing are writes, so the append-only file replays them.

import type { Command, Server, Session } from "./types.ts";
import { LuaEngine, newRun } from "../scripting/runtime.ts";
import { LibraryLoader, type RegisteredFunction, validName } from "../scripting/library_loader.ts";
import { dumpLibraries, restoreLibraries } from "../scripting/function_dump.ts";
import { parseInteger } from "../../resp/integer.ts";
import { Err, helpReply } from "./replies.ts";
import { isWord } from "./args.ts";
import { globMatch } from "../store/glob.ts";
import { killBusy } from "./scripting.ts";
import HELPS from "./docs/scripting_help.json" with { type: "json" };

const latin1 = new TextDecoder("latin1");

/** A loaded library: its code and its functions. */
export interface Library {
  readonly name: string;
  readonly code: Uint8Array;
  readonly functions: readonly RegisteredFunction[];
}

/** A server's functions: the Lua state they run in, libraries by name, functions by name. */
class FunctionState {
  engine: LuaEngine;
  loader: LibraryLoader;
  libraries = new Map<string, Library>();
  functions = new Map<string, RegisteredFunction>();
  constructor(readonly server: Server) {
    this.engine = new LuaEngine(server);
    this.loader = new LibraryLoader(this.engine.L);
  }

  flush(): void {
    this.engine = new LuaEngine(this.server);
    this.loader = new LibraryLoader(this.engine.L);
    this.libraries.clear();
    this.functions.clear();
  }

  remove(lib: Library): void {
    this.libraries.delete(lib.name);
    for (const f of lib.functions) {
      this.functions.delete(f.name);
      this.engine.release(f.ref);
    }
  }

  /** Loads `code` as a library; its name, or Redis's error text. */
  load(code: Uint8Array, replace: boolean): { name: string } | { error: string } {
    if (code[0] !== 35 || code[1] !== 33) return { error: "ERR Missing library metadata" };
    let end = code.indexOf(10);
    if (end === -1) end = code.length;
    const words = latin1.decode(code.subarray(2, end)).split(" ").filter((w) => w !== "");
    let name: string | undefined;
    for (const w of words.slice(1)) {
      if (w.startsWith("name=")) name = w.slice(5);
      else return { error: `ERR Invalid metadata value given: ${w}` };
    }
    if (name === undefined) return { error: "ERR Library name was not given" };
    if ((words[0] ?? "").toLowerCase() !== "lua") {
      return { error: `ERR Engine '${words[0] ?? ""}' not found` };
    }
    if (!validName(name)) {
      return {
        error:
          "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
      };
    }
    const old = this.libraries.get(name);
    if (old !== undefined && !replace) return { error: `ERR Library '${name}' already exists` };
    const registered = this.loader.load(code.subarray(end));
    if (typeof registered === "string") return { error: registered };
    for (const f of registered) {
      const owner = this.functions.get(f.name);
      if (owner !== undefined && !old?.functions.includes(owner)) {
        for (const g of registered) this.engine.release(g.ref);
        return { error: `ERR Function ${f.name} already exists` };
      }
    }
    if (old !== undefined) this.remove(old);
    this.libraries.set(name, { name, code: code.slice(), functions: registered });
    for (const f of registered) this.functions.set(f.name, f);
    return { name };
  }
}

const states = new WeakMap<Server, FunctionState>();

function stateOf(server: Server): FunctionState {
  let s = states.get(server);
  if (s === undefined) states.set(server, s = new FunctionState(server));
  return s;
}

/** The libraries loaded on `server` (for the append-only file's rewrite). */
export function librariesOf(server: Server): readonly Library[] {
  return [...(states.get(server)?.libraries.values() ?? [])];
}

function changed(c: Session): void {
  c.server.dbs.shared.dirty++;
}

function functionLoad(c: Session, args: Uint8Array[]): void {
  let replace = false;
  if (args.length === 4) {
    if (!isWord(args[2]!, "replace")) {
      return c.out.error(`ERR Unknown option given: ${latin1.decode(args[2]!)}`);
    }
    replace = true;
  } else if (args.length > 4) return c.out.error(Err.arity("function|load"));
  const r = stateOf(c.server).load(args[args.length - 1]!, replace);
  if ("error" in r) return c.out.error(r.error);
  changed(c);
  c.out.bulk(r.name);
}

function functionDelete(c: Session, args: Uint8Array[]): void {
  const state = stateOf(c.server);
  const lib = state.libraries.get(latin1.decode(args[2]!));
  if (lib === undefined) return c.out.error("ERR Library not found");
  state.remove(lib);
  changed(c);
  c.out.simple("OK");
}

function functionFlush(c: Session, args: Uint8Array[]): void {
  if (
    args.length > 3 ||
    (args.length === 3 && !isWord(args[2]!, "sync") && !isWord(args[2]!, "async"))
  ) {
    return c.out.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  stateOf(c.server).flush();
  changed(c);
  c.out.simple("OK");
}

function functionList(c: Session, args: Uint8Array[]): void {
  let pattern: string | undefined;
  let withCode = false;
  for (let i = 2; i < args.length; i++) {
    if (isWord(args[i]!, "withcode") && !withCode) withCode = true;
    else if (isWord(args[i]!, "libraryname") && pattern === undefined) {
      if (i + 1 >= args.length) return c.out.error("ERR library name argument was not given");
      pattern = latin1.decode(args[++i]!);
    } else return c.out.error(`ERR Unknown argument ${latin1.decode(args[i]!)}`);
  }
  const libs = [...stateOf(c.server).libraries.values()].filter((l) =>
    pattern === undefined || globMatch(pattern, l.name)
  );
  const out = c.out;
  out.arrayHeader(libs.length);
  for (const lib of libs) {
    out.mapHeader(withCode ? 4 : 3);
    out.bulk("library_name");
    out.bulk(lib.name);
    out.bulk("engine");
    out.bulk("LUA");
    out.bulk("functions");
    out.arrayHeader(lib.functions.length);
    for (const f of lib.functions) {
      out.mapHeader(3);
      out.bulk("name");
      out.bulk(f.name);
      out.bulk("description");
      if (f.description === undefined) out.nullBulk();
      else out.bulk(f.description);
      out.bulk("flags");
      out.setHeader(f.flags.length);
      for (const flag of f.flags) out.simple(flag);
    }
    if (withCode) {
      out.bulk("library_code");
      out.bulk(lib.code);
    }
  }
}

function functionStats(c: Session): void {
  const state = stateOf(c.server), out = c.out;
  out.mapHeader(2);
  out.bulk("running_script");
  out.nullBulk();
  out.bulk("engines");
  out.mapHeader(1);
  out.bulk("LUA");
  out.mapHeader(2);
  out.bulk("libraries_count");
  out.integer(state.libraries.size);
  out.bulk("functions_count");
  out.integer(state.functions.size);
}

function functionDump(c: Session): void {
  c.out.bulk(dumpLibraries([...stateOf(c.server).libraries.values()].map((l) => l.code)));
}

function functionRestore(c: Session, args: Uint8Array[]): void {
  let policy = "append";
  if (args.length === 4) {
    policy = latin1.decode(args[3]!).toLowerCase();
    if (policy !== "flush" && policy !== "append" && policy !== "replace") {
      return c.out.error(
        "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
      );
    }
  } else if (args.length > 4) return c.out.error(Err.arity("function|restore"));
  const codes = restoreLibraries(args[2]!);
  if (codes === undefined) return c.out.error("ERR DUMP payload version or checksum are wrong");
  const state = stateOf(c.server);
  // Load into a fresh state first, so a failure leaves the libraries as they were.
  const trial = new FunctionState(c.server);
  if (policy !== "flush") {
    for (const lib of state.libraries.values()) trial.load(lib.code, false);
  }
  for (const code of codes) {
    const r = trial.load(code, policy === "replace");
    // RESTORE names a library in the way without LOAD's quotes.
    if ("error" in r) {
      return c.out.error(r.error.replace(/^ERR Library '(.*)' already/, "ERR Library $1 already"));
    }
  }
  states.set(c.server, trial);
  changed(c);
  c.out.simple("OK");
}

function fcall(c: Session, args: Uint8Array[], readOnly: boolean): void {
  const numkeys = parseInteger(args[2]!);
  if (numkeys === undefined) return c.out.error("ERR Bad number of keys provided");
  if (numkeys > args.length - 3) {
    return c.out.error("ERR Number of keys can't be greater than number of args");
  }
  if (numkeys < 0) return c.out.error("ERR Number of keys can't be negative");
  const state = stateOf(c.server);
  const name = latin1.decode(args[1]!);
  const f = state.functions.get(name);
  if (f === undefined) return c.out.error("ERR Function not found");
  const noWrites = f.flags.includes("no-writes");
  if (readOnly && !noWrites) {
    return c.out.error("ERR Can not execute a script with write flag using *_ro command.");
  }
  const engine = state.engine;
  engine.run(newRun(c, name, noWrites, false), f.ref, 2, (L) => {
    engine.pushArray(args, 3, 3 + numkeys, L);
    engine.pushArray(args, 3 + numkeys, args.length, L);
  });
}

const ACL = ["@slow", "@scripting"] as const;
const WRITE_ACL = ["@write", "@slow", "@scripting"] as const;

function sub(
  name: string,
  arity: number,
  flags: Command["flags"],
  handler: Command["handler"],
  acl: readonly string[] = ACL,
): Command {
  return { name: `function|${name}`, arity, flags, acl, handler };
}

const FCALL_FLAGS: Command["flags"] = [
  "noscript",
  "stale",
  "skip_monitor",
  "no_mandatory_keys",
  "movablekeys",
];

/** The functions command family. */
export const FUNCTION_COMMANDS: readonly Command[] = [
  {
    name: "fcall",
    arity: -3,
    flags: FCALL_FLAGS,
    acl: ACL,
    handler: (c, a) => fcall(c, a, false),
  },
  {
    name: "fcall_ro",
    arity: -3,
    flags: ["readonly", ...FCALL_FLAGS],
    acl: ACL,
    handler: (c, a) => fcall(c, a, true),
  },
  {
    name: "function",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    subcommands: [
      sub("delete", 3, ["write", "noscript"], functionDelete, WRITE_ACL),
      sub("dump", 2, ["noscript"], functionDump),
      sub("flush", -2, ["write", "noscript"], functionFlush, WRITE_ACL),
      sub("help", 2, ["loading", "stale"], (c) => helpReply(c, HELPS.function)),
      sub("kill", 2, ["noscript", "allow_busy"], (c) => killBusy(c, false)),
      sub("list", -2, ["noscript"], functionList),
      sub("load", -3, ["write", "denyoom", "noscript"], functionLoad, WRITE_ACL),
      sub("restore", -3, ["write", "denyoom", "noscript"], functionRestore, WRITE_ACL),
      sub("stats", 2, ["noscript", "allow_busy"], functionStats),
    ],
  },
];
