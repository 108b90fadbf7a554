// Loading a FUNCTION library as Redis 7.0 does (function_lua.c): the code runs once in an
// environment that holds only a reduced `redis` table (register_function, log, the constants), and
// the functions it registers later run with the full globals. The environment is one protected
// table whose lookups depend on whether a load is under way.

import { lauxlib, lua, type LuaState, luaString, raiseHere, setFunctions } from "./engine.ts";
import { lua51CompileError } from "./parse_errors.ts";
import { REDIS_VERSION } from "./runtime.ts";
import { pushErrorTable } from "./lua_values.ts";
import { protectTop } from "./lua_state.ts";
import { beginRun, endRun } from "./script_memory.ts";

const latin1 = new TextDecoder("latin1");

/** A function a library registered. */
export interface RegisteredFunction {
  readonly name: string;
  /** Registry reference of the callback. */
  readonly ref: number;
  readonly flags: readonly string[];
  readonly description: string | undefined;
}

/** The flags in the order Redis lists them. */
const FLAG_ORDER = [
  "no-writes",
  "allow-oom",
  "allow-stale",
  "no-cluster",
  "allow-cross-slot-keys",
];
const FLAGS = new Set(FLAG_ORDER);
const NAME = /^[A-Za-z0-9_]+$/;

/** Whether `name` is a valid library or function name. */
export function validName(name: string): boolean {
  return NAME.test(name);
}

/** The environment functions' code runs in, for one Lua state. */
export class LibraryLoader {
  readonly #L: LuaState;
  readonly #envRef: number;
  /** Set while a library's code runs: what it registered. */
  #loading: RegisteredFunction[] | undefined;

  constructor(L: LuaState) {
    this.#L = L;
    // The reduced redis table, protected like the globals.
    lua.lua_createtable(L, 0, 8);
    setFunctions(L, {
      register_function: (L) => this.#register(L),
      log: () => 0,
    });
    const consts: Record<string, number> = {
      LOG_DEBUG: 0,
      LOG_VERBOSE: 1,
      LOG_NOTICE: 2,
      LOG_WARNING: 3,
    };
    for (const [k, v] of Object.entries(consts)) {
      lua.lua_pushnumber(L, v);
      lua.lua_setfield(L, -2, luaString(k));
    }
    lua.lua_pushstring(L, luaString(REDIS_VERSION));
    lua.lua_setfield(L, -2, luaString("REDIS_VERSION"));
    protectTop(L);
    const limited = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    // The environment: empty, every lookup through __index.
    lua.lua_createtable(L, 0, 0);
    lua.lua_createtable(L, 0, 2);
    lua.lua_pushcfunction(L, (L) => {
      const key = lua.lua_tolstring(L, 2);
      if (this.#loading !== undefined) {
        if (key !== null && latin1.decode(key) === "redis") {
          lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, limited);
          return 1;
        }
      } else {
        lua.lua_pushglobaltable(L);
        lua.lua_pushvalue(L, 2);
        if (lua.lua_rawget(L, -2) !== lua.LUA_TNIL) return 1;
      }
      const text = key === null ? "?" : latin1.decode(key);
      raiseHere(L, `Script attempted to access nonexistent global variable '${text}'`);
    });
    lua.lua_setfield(L, -2, luaString("__index"));
    lua.lua_pushcfunction(L, (L) => raiseHere(L, "Attempt to modify a readonly table"));
    lua.lua_setfield(L, -2, luaString("__newindex"));
    lua.lua_setmetatable(L, -2);
    this.#envRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_settop(L, 0);
  }

  /**
   * Compiles and runs a library's code (after its shebang line); returns what it registered, or
   * Redis's error text.
   */
  load(source: Uint8Array): RegisteredFunction[] | string {
    const L = this.#L;
    lua.lua_settop(L, 0);
    if (
      lauxlib.luaL_loadbuffer(L, source, source.length, luaString("@user_function")) !== lua.LUA_OK
    ) {
      const msg = lua51CompileError(latin1.decode(lua.lua_tolstring(L, -1) ?? new Uint8Array()));
      lua.lua_settop(L, 0);
      return `ERR Error compiling function: ${msg}`;
    }
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.#envRef);
    lua.lua_setupvalue(L, 1, 1);
    const registered: RegisteredFunction[] = [];
    this.#loading = registered;
    let status: number;
    beginRun();
    try {
      status = lua.lua_pcall(L, 0, 0, 0);
    } finally {
      endRun();
      this.#loading = undefined;
    }
    if (status !== lua.LUA_OK) {
      for (const f of registered) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, f.ref);
      let msg: string;
      if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
        lua.lua_getfield(L, -1, luaString("err"));
        msg = latin1.decode(lua.lua_tolstring(L, -1) ?? new Uint8Array());
      } else {
        msg = "ERR " + latin1.decode(lua.lua_tolstring(L, -1) ?? new Uint8Array());
      }
      lua.lua_settop(L, 0);
      return `ERR Error registering functions: ${msg}`;
    }
    lua.lua_settop(L, 0);
    if (registered.length === 0) return "ERR No functions registered";
    return registered;
  }

  /** redis.register_function(name, callback) or redis.register_function{...}. */
  #register(L: LuaState): number {
    const out = this.#loading;
    const fail = (msg: string): never => {
      pushErrorTable(L, luaString(msg));
      lua.lua_error(L);
      throw new Error("unreachable");
    };
    if (out === undefined) {
      fail("ERR redis.register_function can only be called on FUNCTION LOAD command");
    }
    const argc = lua.lua_gettop(L);
    let name: string | undefined;
    let flags: string[] = [];
    let description: string | undefined;
    if (argc === 1) {
      if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) {
        fail(
          "ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).",
        );
      }
      lua.lua_getfield(L, 1, luaString("function_name"));
      const n = lua.lua_tolstring(L, -1);
      name = n === null ? undefined : latin1.decode(n);
      lua.lua_getfield(L, 1, luaString("description"));
      const d = lua.lua_tolstring(L, -1);
      description = d === null ? undefined : latin1.decode(d);
      lua.lua_getfield(L, 1, luaString("flags"));
      if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
        for (let i = 1; lua.lua_rawgeti(L, -1, i) !== lua.LUA_TNIL; i++) {
          const f = latin1.decode(lua.lua_tolstring(L, -1) ?? new Uint8Array());
          if (!FLAGS.has(f)) fail("ERR unknown flag given");
          flags.push(f);
          lua.lua_settop(L, -2);
        }
        lua.lua_settop(L, -2);
      }
      lua.lua_getfield(L, 1, luaString("callback"));
      if (lua.lua_type(L, -1) === lua.LUA_TNIL) {
        fail("ERR redis.register_function must get a callback argument");
      }
      if (name === undefined) fail("ERR redis.register_function must get a function name argument");
    } else if (argc === 2) {
      const n = lua.lua_tolstring(L, 1);
      name = n === null ? "" : latin1.decode(n);
      lua.lua_pushvalue(L, 2);
    } else {
      fail("ERR wrong number of arguments to redis.register_function");
    }
    if (lua.lua_type(L, -1) !== lua.LUA_TFUNCTION) {
      fail("ERR second argument to redis.register_function must be a function");
    }
    if (!validName(name!)) {
      fail(
        "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
      );
    }
    if (out!.some((f) => f.name === name)) fail("ERR Function already exists in the library");
    const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    flags = FLAG_ORDER.filter((f) => flags.includes(f));
    out!.push({ name: name!, ref, flags, description });
    flags = [];
    return 0;
  }
}
