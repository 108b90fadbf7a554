// Running scripts as Redis 7.0 runs them: the `redis` table scripts call (call, pcall,
// error_reply, status_reply, sha1hex, log, setresp, set_repl, breakpoint, REDIS_VERSION), and one
// run of a script for a client: KEYS and ARGV set, the script called under Redis's error handler,
// its result or error written as the reply with Redis's texts. A script runs synchronously on the
// server's one thread, so no other client runs meanwhile; the writes it made are propagated
// together (effects replication: MULTI ... EXEC around them, call.ts).

import {
  lauxlib,
  loadEngine,
  lua,
  type LuaKey,
  type LuaState,
  luaString,
  raise,
  setFunctions,
} from "./engine.ts";
import { lua51CompileError } from "./parse_errors.ts";
import { newLuaState } from "./lua_state.ts";
import { sha1hex } from "./sha1.ts";

export { sha1hex };
import { numberArg, pushErrorTable, pushReply, writeLuaValue } from "./lua_values.ts";
import type { Command, Server, Session } from "../commands/types.ts";
import { call, propagateAtomically } from "../commands/call.ts";
import { lowerName } from "../commands/args.ts";
import { type BusyScript, busyThreshold, clearBusy, setBusy } from "./busy.ts";
import { beginRun, endRun, type MemoryState, resumeRun, suspendRun } from "./script_memory.ts";

const latin1 = new TextDecoder("latin1");

/** What Lua's redis.REDIS_VERSION says: the Redis version tokserver answers as. */
export const REDIS_VERSION = "7.0.15";
const REDIS_VERSION_NUM = 0x07000f;

/** One script running: whose it is and what it may do. */
export interface ScriptRun extends BusyScript {
  readonly c: Session;
  /** The script's sha1 (EVAL) or the function's name (FCALL), for error texts. */
  readonly name: string;
  /** EVAL_RO, FCALL_RO, or the no-writes flag: write commands are refused. */
  readonly readOnly: boolean;
  /** redis.setresp's protocol for replies handed to the script. */
  resp: 2 | 3;
  /** redis.set_repl: whether writes are propagated. */
  replicate: boolean;
}

/** A run's starting state: RESP2 replies, propagated writes, nothing written or killed yet. */
export function newRun(c: Session, name: string, readOnly: boolean, isEval: boolean): ScriptRun {
  return { c, name, readOnly, isEval, resp: 2, replicate: true, wrote: false, killed: false };
}

/** A script run as a coroutine that yields past busy-reply-threshold (busy.ts). */
interface Suspendable {
  readonly run: ScriptRun;
  readonly T: LuaState;
  readonly threadRef: number;
  readonly start: number;
  readonly changes: [Uint8Array[], number][];
  readonly db: number;
  readonly lastCommand: string;
  nargs: number;
  sliceStart: number;
  suspended: boolean;
  /** The run's memory accounting while it waits for its next turn. */
  memory: MemoryState | undefined;
}

/** Instructions between two looks at the clock. */
const HOOK_COUNT = 10000;
/** Once busy, how long the script runs before the event loop gets a turn (ms). */
const SLICE_MS = 20;
const NOT_A_WAIT = { db: 0, keys: [], deadline: 0, serve: () => false, expire() {}, resume() {} };

/** A Lua state and what runs in it: EVAL's scripts, or FUNCTION's libraries. */
export class LuaEngine {
  readonly L: LuaState;
  readonly #errHandler: number;
  readonly #xpcall: number;
  readonly server: Server;
  #active: Suspendable | undefined;
  /** A finished coroutine, ready for the next script. */
  #idle: { T: LuaState; ref: number } | undefined;
  /** The script running now, if any. */
  current: ScriptRun | undefined;

  constructor(server: Server, extra?: (L: LuaState) => void) {
    loadEngine();
    this.server = server;
    const { L, errHandler } = newLuaState((L) => {
      this.#makeRedis(L);
      extra?.(L);
    });
    this.L = L;
    this.#errHandler = errHandler;
    // A script's coroutine starts in xpcall(script, handler, ...): Redis's error handler runs
    // where the error is raised, and no Lua frame is added around the script.
    lua.lua_getglobal(L, luaString("xpcall"));
    this.#xpcall = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  }

  /**
   * Compiles `body` as a chunk named `@user_script` and keeps it; returns its registry reference
   * or the compile error's text.
   */
  compile(source: Uint8Array, chunk = "@user_script"): number | string {
    const L = this.L;
    if (lauxlib.luaL_loadbuffer(L, source, source.length, luaString(chunk)) !== lua.LUA_OK) {
      const msg = lua51CompileError(latin1.decode(lua.lua_tolstring(L, -1) ?? new Uint8Array()));
      lua.lua_settop(L, 0);
      return msg;
    }
    return lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  }

  /** Lets go of a compiled chunk. */
  release(ref: number): void {
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
  }

  /** Sets a global without the protection (KEYS, ARGV) to an array of strings. */
  setArray(name: LuaKey, items: Uint8Array[], from: number, to: number): void {
    const L = this.L;
    lua.lua_pushglobaltable(L);
    name.push(L);
    this.pushArray(items, from, to);
    lua.lua_rawset(L, -3);
    lua.lua_settop(L, -2);
  }

  /** Pushes a table of `items[from..to)` (on `L`, the engine's state unless given). */
  pushArray(items: Uint8Array[], from: number, to: number, L: LuaState = this.L): void {
    lua.lua_createtable(L, to - from, 0);
    for (let i = from; i < to; i++) {
      lua.lua_pushstring(L, items[i]!);
      lua.lua_rawseti(L, -2, i - from + 1);
    }
  }

  /**
   * Calls the function `ref` with the `nargs` values pushed by `pushArgs` for `run.c`, writing
   * its result (or Redis's error text) as the reply, and propagates its writes atomically. A
   * client on a socket, outside EXEC, runs it as a coroutine that may yield once it has run past
   * busy-reply-threshold: the reply then comes on a later turn, and the client waits for it.
   */
  run(run: ScriptRun, ref: number, nargs = 0, pushArgs?: (L: LuaState) => void): void {
    const L = this.L, c = run.c, server = this.server;
    if (c.canBlock && server.propagateBatch === undefined) {
      // A finished coroutine is reused: a new one per call is most of a short script's garbage.
      const thread = this.#idle ?? this.#newThread();
      this.#idle = undefined;
      const T = thread.T, threadRef = thread.ref;
      lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, this.#xpcall);
      lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, ref);
      lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, this.#errHandler);
      pushArgs?.(T);
      const now = Date.now();
      const s: Suspendable = {
        run,
        T,
        threadRef,
        start: now,
        changes: [],
        db: c.db,
        lastCommand: c.lastCommand,
        nargs: nargs + 2,
        sliceStart: now,
        suspended: false,
        memory: undefined,
      };
      this.#step(s);
      return;
    }
    lua.lua_settop(L, 0);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.#errHandler);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
    pushArgs?.(L);
    const db = c.db, name = c.lastCommand;
    const changes: [Uint8Array[], number][] = [];
    const outer = server.propagateBatch;
    server.propagateBatch = changes;
    this.current = run;
    let status: number;
    beginRun();
    // Nested calls are counted as in a coroutine (whose resume counts one, fengari_lua51.ts), so
    // pcall nests as deep here as on the coroutine path.
    const calls = L as unknown as { nCcalls: number };
    calls.nCcalls++;
    try {
      status = lua.lua_pcall(L, nargs, 1, 1);
    } catch (err) {
      status = -1;
      lua.lua_settop(L, 0);
      lua.lua_pushstring(L, luaString(String(err)));
    } finally {
      calls.nCcalls--;
      endRun();
      this.current = undefined;
      server.propagateBatch = outer;
      if (c.db !== db) c.db = db;
      c.lastCommand = name;
    }
    if (status === lua.LUA_OK) writeLuaValue(L, c.out, run.resp);
    else this.#writeError(L, run);
    lua.lua_settop(L, 0);
    propagateAtomically(server, changes);
  }

  /**
   * Ends a script SCRIPT KILL stopped while it waited for its next turn: its client gets Redis's
   * error with the line it was on; the coroutine is dropped, nothing it did is undone (it wrote
   * nothing, or it could not have been killed).
   */
  #finishKilled(s: Suspendable): void {
    const server = this.server, c = s.run.c, T = s.T;
    const ar = new lua.lua_Debug();
    let where = "";
    for (let level = 0; lua.lua_getstack(T, level, ar) !== 0; level++) {
      lua.lua_getinfo(T, "Sl", ar);
      if (ar.currentline >= 0 && ar.source !== null) {
        where = ` script: ${s.run.name}, on ${latin1.decode(ar.source)}:${ar.currentline}.`;
        break;
      }
    }
    server.stats.errorReplies++;
    c.out.error(`ERR Script killed by user with SCRIPT KILL...${where}`);
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, s.threadRef);
    if (c.db !== s.db) c.db = s.db;
    c.lastCommand = s.lastCommand;
    propagateAtomically(server, s.changes);
    clearBusy(server);
    c.blockedOn = undefined;
    c.resume();
  }

  /** A coroutine for scripts, with the count hook, kept alive by a registry reference. */
  #newThread(): { T: LuaState; ref: number } {
    const T = lua.lua_newthread(this.L);
    const ref = lauxlib.luaL_ref(this.L, lua.LUA_REGISTRYINDEX);
    lua.lua_sethook(T, (T) => this.#hook(T), lua.LUA_MASKCOUNT, HOOK_COUNT);
    return { T, ref };
  }

  /** The count hook: stops a killed script, yields a busy one for the event loop. */
  #hook(T: LuaState): void {
    const s = this.#active;
    // Coroutines a script makes inherit the hook: only the script's own thread is stopped.
    if (s === undefined || T !== s.T) return;
    // A killed script is stopped between two turns (#step), never by an error thrown from here.
    const now = Date.now();
    if (
      (s.run.killed ||
        (now - s.start >= busyThreshold(this.server.config) && now - s.sliceStart >= SLICE_MS)) &&
      lua.lua_isyieldable(T)
    ) {
      lua.lua_yield(T, 0);
    }
  }

  /** Runs `s` until it ends or yields; a yield marks the server busy and comes back next turn. */
  #step(s: Suspendable): void {
    const server = this.server, c = s.run.c, T = s.T;
    if (s.run.killed) {
      this.#finishKilled(s);
      return;
    }
    s.sliceStart = Date.now();
    this.current = s.run;
    this.#active = s;
    server.propagateBatch = s.changes;
    let status: number;
    if (s.memory === undefined) beginRun();
    else resumeRun(s.memory);
    try {
      status = lua.lua_resume(T, null, s.nargs);
    } catch (err) {
      // Not a Lua error (a fault of the engine): the client gets an error, the thread is dropped.
      status = -1;
      lua.lua_pushstring(T, luaString(String(err)));
    } finally {
      this.current = undefined;
      this.#active = undefined;
      server.propagateBatch = undefined;
    }
    if (status === lua.LUA_YIELD) s.memory = suspendRun();
    else endRun();
    s.nargs = 0;
    if (status === lua.LUA_YIELD) {
      if (!s.suspended) {
        s.suspended = true;
        setBusy(server, s.run);
        c.blockedOn = NOT_A_WAIT;
      }
      setTimeout(() => this.#step(s), 0);
      return;
    }
    if (c.db !== s.db) c.db = s.db;
    c.lastCommand = s.lastCommand;
    if (status === lua.LUA_OK && lua.lua_toboolean(T, 1)) {
      lua.lua_settop(T, 2);
      writeLuaValue(T, c.out, s.run.resp);
    } else {
      lua.lua_settop(T, status === lua.LUA_OK ? 2 : lua.lua_gettop(T));
      this.#writeError(T, s.run);
    }
    if (status === lua.LUA_OK && this.#idle === undefined) {
      lua.lua_settop(T, 0);
      this.#idle = { T, ref: s.threadRef };
    } else {
      lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, s.threadRef);
    }
    propagateAtomically(server, s.changes);
    if (s.suspended) {
      clearBusy(server);
      c.blockedOn = undefined;
      if (server.blocked.pending) server.blocked.handle();
      c.resume();
    }
  }

  /** The reply for a script that raised an error (Redis's luaCallFunction). */
  #writeError(L: LuaState, run: ScriptRun): void {
    const out = run.c.out;
    this.server.stats.errorReplies++;
    if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
      const msg = lua.lua_tolstring(L, -1);
      const text = msg === null ? "execution failure" : latin1.decode(msg).slice(0, 100);
      out.error(`ERR Error running script ${run.name}, ${text}`);
      return;
    }
    const t = lua.lua_gettop(L);
    const get = (k: string): string | undefined => {
      lua.lua_getfield(L, t, luaString(k));
      const v = lua.lua_type(L, -1) === lua.LUA_TNIL ? undefined : lua.lua_tolstring(L, -1);
      lua.lua_settop(L, t);
      return v === undefined || v === null ? undefined : latin1.decode(v);
    };
    let msg = get("err") ?? "";
    if (msg.startsWith("-")) msg = msg.slice(1);
    const source = get("source"), line = get("line");
    if (source !== undefined && line !== undefined) {
      msg += ` script: ${run.name}, on ${source}:${line}.`;
    }
    out.error(msg.replace(/[\r\n]/g, " "));
  }

  /** Builds the `redis` table (pushed). */
  #makeRedis(L: LuaState): void {
    lua.lua_createtable(L, 0, 24);
    setFunctions(L, {
      call: (L) => this.#call(L, true),
      pcall: (L) => this.#call(L, false),
      error_reply: errorReply,
      status_reply: statusReply,
      sha1hex: (L) => {
        if (lua.lua_gettop(L) !== 1) raise(L, "wrong number of arguments");
        const s = lua.lua_tolstring(L, 1) ?? new Uint8Array();
        lua.lua_pushstring(L, luaString(sha1hex(s)));
        return 1;
      },
      log: (L) => this.#log(L),
      setresp: (L) => {
        const run = this.current;
        if (lua.lua_gettop(L) !== 1) raise(L, "redis.setresp() requires one argument.");
        const v = lua.lua_tonumber(L, 1);
        if (v !== 2 && v !== 3) raise(L, "RESP version must be 2 or 3.");
        if (run !== undefined) run.resp = v;
        return 0;
      },
      set_repl: (L) => {
        const run = this.current;
        if (lua.lua_gettop(L) !== 1) raise(L, "redis.set_repl() requires one argument.");
        const v = lua.lua_tonumber(L, 1);
        if (!(v >= 0 && v <= 3)) {
          raise(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
        }
        if (run !== undefined) run.replicate = (v & 1) !== 0;
        return 0;
      },
      replicate_commands: (L) => (lua.lua_pushboolean(L, true), 1),
      breakpoint: (L) => (lua.lua_pushboolean(L, false), 1),
      debug: () => 0,
    });
    const consts: Record<string, number> = {
      LOG_DEBUG: 0,
      LOG_VERBOSE: 1,
      LOG_NOTICE: 2,
      LOG_WARNING: 3,
      REPL_NONE: 0,
      REPL_AOF: 1,
      REPL_SLAVE: 2,
      REPL_REPLICA: 2,
      REPL_ALL: 3,
      REDIS_VERSION_NUM,
    };
    for (const [k, v] of Object.entries(consts)) {
      lua.lua_pushnumber(L, v);
      lua.lua_setfield(L, -2, luaString(k));
    }
    lua.lua_pushstring(L, luaString(REDIS_VERSION));
    lua.lua_setfield(L, -2, luaString("REDIS_VERSION"));
  }

  #log(L: LuaState): number {
    const n = lua.lua_gettop(L);
    if (n < 2) raise(L, "redis.log() requires two arguments or more.");
    if (lua.lua_type(L, 1) !== lua.LUA_TNUMBER) {
      raise(L, "First argument must be a number (log level).");
    }
    const level = lua.lua_tonumber(L, 1);
    if (level < 0 || level > 3) raise(L, "Invalid debug level.");
    const parts: string[] = [];
    for (let i = 2; i <= n; i++) {
      const s = lua.lua_tolstring(L, i);
      if (s !== null) parts.push(latin1.decode(s));
    }
    if (level >= 2) this.server.log.info(`script: ${parts.join(" ")}`);
    return 0;
  }

  /** redis.call (raise) and redis.pcall: runs a command for the script's client. */
  #call(L: LuaState, raiseErrors: boolean): number {
    const run = this.current;
    const fail = (msg: string): number => {
      pushErrorTable(L, luaString(msg));
      if (raiseErrors) lua.lua_error(L);
      return 1;
    };
    const argc = lua.lua_gettop(L);
    if (argc === 0) return fail("ERR Please specify at least one argument for this redis lib call");
    const args = new Array<Uint8Array>(argc);
    for (let i = 1; i <= argc; i++) {
      const t = lua.lua_type(L, i);
      if (t === lua.LUA_TSTRING) args[i - 1] = lua.lua_tolstring(L, i)!;
      else if (t === lua.LUA_TNUMBER) args[i - 1] = numberArg(lua.lua_tonumber(L, i));
      else return fail("ERR Lua redis lib command arguments must be strings or integers");
    }
    if (run === undefined) return fail("ERR redis.call is not allowed here");
    const cmd = findCommand(this.server, args);
    if (cmd === undefined) return fail("ERR Unknown Redis command called from script");
    if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity) {
      return fail("ERR Wrong number of args calling Redis command from script");
    }
    if (cmd.flags.includes("noscript")) {
      return fail("ERR This Redis command is not allowed from script");
    }
    if (run.readOnly && cmd.flags.includes("write")) {
      return fail("ERR Write commands are not allowed from read-only scripts.");
    }
    if (cmd.flags.includes("write")) run.wrote = true;
    const c = run.c, out = c.out, start = out.length, resp3 = out.resp3;
    out.resp3 = run.resp === 3;
    const server = this.server;
    const batch = server.propagateBatch;
    if (!run.replicate) server.propagateBatch = [];
    try {
      call(c, cmd, args);
    } finally {
      out.resp3 = resp3;
      server.propagateBatch = batch;
    }
    let err: Uint8Array | undefined;
    try {
      err = pushReply(L, { buf: out.view(), pos: start });
    } finally {
      // A Lua error raised while the reply is converted (not enough memory) leaves through here.
      out.truncate(start);
    }
    if (err !== undefined) {
      lua.lua_settop(L, -2);
      return fail(latin1.decode(err));
    }
    return 1;
  }
}

/** The command `args` name (with its subcommand), or undefined. */
function findCommand(server: Server, args: Uint8Array[]): Command | undefined {
  const cmd = server.lookup.find(args[0]!);
  if (cmd?.subcommands === undefined || args.length < 2) return cmd;
  const subName = `${cmd.name}|${lowerName(args[1]!)}`;
  return cmd.subcommands.find((s) => s.name === subName);
}

/** Redis's luaPushErrorBuff: "-CODE msg" keeps its code, other texts get "ERR ". */
function errorText(msg: string): string {
  if (!msg.startsWith("-")) return `ERR ${msg}`;
  const sp = msg.indexOf(" ");
  return sp === -1 ? `ERR ${msg.slice(1)}` : `${msg.slice(1, sp)} ${msg.slice(sp + 1)}`;
}

function errorReply(L: LuaState): number {
  if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
    pushErrorTable(L, luaString("ERR wrong number or type of arguments"));
    return 1;
  }
  const msg = latin1.decode(lua.lua_tolstring(L, 1)!);
  pushErrorTable(L, luaString(errorText(msg.startsWith("-") ? msg : `-${msg}`)));
  return 1;
}

function statusReply(L: LuaState): number {
  if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
    pushErrorTable(L, luaString("ERR wrong number or type of arguments"));
    return 1;
  }
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushvalue(L, 1);
  lua.lua_setfield(L, -2, luaString("ok"));
  return 1;
}
