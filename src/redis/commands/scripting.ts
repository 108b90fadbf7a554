// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (LOAD, EXISTS, FLUSH, KILL, DEBUG, HELP), with
// Redis 7.0's replies and error texts. Scripts are kept by their sha1 in a per-server cache, each
// compiled once into the server's Lua state for EVAL (scripting/runtime.ts); `#!lua` shebang
// lines with flags are read as Redis 7.0 reads them.

import type { Command, Server, Session } from "./types.ts";
import { LuaEngine, newRun, sha1hex } from "../scripting/runtime.ts";
import { kill } from "../scripting/busy.ts";
import { LuaKey, luaString } from "../scripting/engine.ts";
import { parseInteger } from "../../resp/integer.ts";
import { Err, helpReply } from "./replies.ts";
import { isWord } from "./args.ts";
import HELPS from "./docs/scripting_help.json" with { type: "json" };

const latin1 = new TextDecoder("latin1");
const KEYS = new LuaKey(luaString("KEYS"));
const ARGV = new LuaKey(luaString("ARGV"));

/** A cached script: its compiled chunk and whether its shebang asked for no writes. */
interface Script {
  readonly ref: number;
  readonly noWrites: boolean;
}

/** The EVAL side of a server's scripting: the Lua state and the scripts by sha1. */
class EvalState {
  engine: LuaEngine;
  scripts = new Map<string, Script>();
  /** EVAL's bodies (as latin1 text) to their sha1: a repeated EVAL skips hashing its body. */
  shas = new Map<string, string>();
  constructor(readonly server: Server) {
    this.engine = new LuaEngine(server);
  }

  /** SCRIPT FLUSH: a new Lua state and an empty cache, as Redis does. */
  flush(): void {
    this.engine = new LuaEngine(this.server);
    this.scripts.clear();
    this.shas.clear();
  }
}

const states = new WeakMap<Server, EvalState>();

function stateOf(server: Server): EvalState {
  let s = states.get(server);
  if (s === undefined) states.set(server, s = new EvalState(server));
  return s;
}

/** The shebang's flags, or an error text; `skip` is where the code starts. */
function shebang(body: Uint8Array): { noWrites: boolean; skip: number } | string {
  if (body[0] !== 35 || body[1] !== 33) return { noWrites: false, skip: 0 };
  let end = body.indexOf(10);
  if (end === -1) end = body.length;
  const words = latin1.decode(body.subarray(0, end)).split(" ").filter((w) => w !== "");
  if (words[0] !== "#!lua") return `ERR Unexpected engine in script shebang: ${words[0]}`;
  let noWrites = false;
  for (const w of words.slice(1)) {
    if (!w.startsWith("flags=")) return `ERR Unknown lua shebang option: ${w}`;
    for (const f of w.slice(6).split(",")) {
      if (f === "no-writes") noWrites = true;
      else if (
        f !== "allow-oom" && f !== "allow-stale" && f !== "no-cluster" &&
        f !== "allow-cross-slot-keys" && f !== ""
      ) return `ERR Unexpected flag in script shebang: ${f}`;
    }
  }
  return { noWrites, skip: end };
}

/** Compiles and caches `body` (SCRIPT LOAD, EVAL); an error text when it does not compile. */
function load(state: EvalState, body: Uint8Array, sha: string): Script | string {
  const known = state.scripts.get(sha);
  if (known !== undefined) return known;
  const flags = shebang(body);
  if (typeof flags === "string") return flags;
  const ref = state.engine.compile(body.subarray(flags.skip));
  if (typeof ref === "string") return `ERR Error compiling script (new function): ${ref}`;
  const script = { ref, noWrites: flags.noWrites };
  state.scripts.set(sha, script);
  return script;
}

/** EVALSHA's sha1 as the cache's key (lower case), without a TextDecoder call for 40 bytes. */
function lowerHex(b: Uint8Array): string {
  if (b.length > 64) return latin1.decode(b).toLowerCase();
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const x = b[i]!;
    s += String.fromCharCode(x >= 65 && x <= 90 ? x + 32 : x);
  }
  return s;
}

function evalGeneric(c: Session, args: Uint8Array[], bySha: boolean, readOnly: boolean): void {
  const numkeys = parseInteger(args[2]!);
  if (numkeys === undefined) return c.out.error(Err.notInteger);
  if (numkeys > args.length - 3) {
    return c.out.error("ERR Number of keys can't be greater than number of args");
  }
  if (numkeys < 0) return c.out.error("ERR Number of keys can't be negative");
  const state = stateOf(c.server);
  let script: Script | string | undefined;
  let sha: string;
  if (bySha) {
    sha = lowerHex(args[1]!);
    script = state.scripts.get(sha);
    if (script === undefined) return c.out.error("NOSCRIPT No matching script. Please use EVAL.");
  } else {
    const text = latin1.decode(args[1]!);
    const known = state.shas.get(text);
    sha = known ?? sha1hex(args[1]!);
    script = load(state, args[1]!, sha);
    if (known === undefined && typeof script !== "string") state.shas.set(text, sha);
  }
  if (typeof script === "string") return c.out.error(script);
  const engine = state.engine;
  engine.setArray(KEYS, args, 3, 3 + numkeys);
  engine.setArray(ARGV, args, 3 + numkeys, args.length);
  engine.run(newRun(c, sha, readOnly || script.noWrites, true), script.ref);
}

function scriptLoad(c: Session, args: Uint8Array[]): void {
  const sha = sha1hex(args[2]!);
  const script = load(stateOf(c.server), args[2]!, sha);
  if (typeof script === "string") c.out.error(script);
  else c.out.bulk(sha);
}

function scriptExists(c: Session, args: Uint8Array[]): void {
  const scripts = stateOf(c.server).scripts;
  c.out.arrayHeader(args.length - 2);
  for (let i = 2; i < args.length; i++) {
    c.out.integer(scripts.has(latin1.decode(args[i]!).toLowerCase()) ? 1 : 0);
  }
}

function scriptFlush(c: Session, args: Uint8Array[]): void {
  if (
    args.length > 3 ||
    (args.length === 3 && !isWord(args[2]!, "sync") && !isWord(args[2]!, "async"))
  ) {
    return c.out.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  }
  stateOf(c.server).flush();
  c.out.simple("OK");
}

function scriptDebug(c: Session, args: Uint8Array[]): void {
  if (isWord(args[2]!, "no")) c.out.simple("OK");
  else if (isWord(args[2]!, "yes") || isWord(args[2]!, "sync")) {
    c.out.error("ERR tokserver does not support the Lua debugger");
  } else c.out.error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

/** SCRIPT KILL (`isEval`) and FUNCTION KILL. */
export function killBusy(c: Session, isEval: boolean): void {
  const r = kill(c.server, isEval);
  if ("error" in r) c.out.error(r.error);
  else c.out.simple("OK");
}

const SCRIPT_ACL = ["@slow", "@scripting"] as const;
const EVAL_FLAGS: Command["flags"] = [
  "noscript",
  "stale",
  "skip_monitor",
  "no_mandatory_keys",
  "movablekeys",
];

function sub(name: string, arity: number, flags: Command["flags"], handler: Command["handler"]) {
  return { name: `script|${name}`, arity, flags, acl: SCRIPT_ACL, handler };
}

/** The scripting command family. */
export const SCRIPTING_COMMANDS: readonly Command[] = [
  {
    name: "eval",
    arity: -3,
    flags: EVAL_FLAGS,
    acl: SCRIPT_ACL,
    handler: (c, a) => evalGeneric(c, a, false, false),
  },
  {
    name: "evalsha",
    arity: -3,
    flags: EVAL_FLAGS,
    acl: SCRIPT_ACL,
    handler: (c, a) => evalGeneric(c, a, true, false),
  },
  {
    name: "eval_ro",
    arity: -3,
    flags: ["readonly", ...EVAL_FLAGS],
    acl: SCRIPT_ACL,
    handler: (c, a) => evalGeneric(c, a, false, true),
  },
  {
    name: "evalsha_ro",
    arity: -3,
    flags: ["readonly", ...EVAL_FLAGS],
    acl: SCRIPT_ACL,
    handler: (c, a) => evalGeneric(c, a, true, true),
  },
  {
    name: "script",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    subcommands: [
      sub("debug", 3, ["noscript"], scriptDebug),
      sub("exists", -3, ["noscript"], scriptExists),
      sub("flush", -2, ["noscript"], scriptFlush),
      sub("help", 2, ["loading", "stale"], (c) => helpReply(c, HELPS.script)),
      sub("kill", 2, ["noscript", "allow_busy"], (c) => killBusy(c, true)),
      sub("load", 3, ["noscript", "stale"], scriptLoad),
    ],
  },
];
