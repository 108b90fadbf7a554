// The one door to the Lua engine. Scripts run on fengari (Lua 5.3 written in JavaScript): it runs
// synchronously on the server's thread, keeps Lua strings as bytes (binary-safe keys and values),
// and a call from Lua into a command costs a plain JS call. Everything else of scripting reaches
// the engine through the typed names here, so the engine can be swapped in this one file. The
// measurements behind the choice are in docs/scripting.md.

import "./fengari_conf.ts";
import { patchFengari } from "./fengari_lua51.ts";

/** A Lua state (fengari's lua_State), opaque to us. */
export type LuaState = { readonly __lua_state: unique symbol };

/** What lua_getinfo fills: where a function is. */
export interface LuaDebug {
  source: Uint8Array | null;
  currentline: number;
}

/** A function Lua can call: reads its arguments from the stack, pushes results, returns how many. */
export type LuaFunction = (L: LuaState) => number;

/** The subset of Lua's C API that scripting uses, with fengari's byte strings. */
export interface LuaApi {
  LUA_REGISTRYINDEX: number;
  LUA_MULTRET: number;
  LUA_OK: number;
  LUA_YIELD: number;
  LUA_TNIL: number;
  LUA_TBOOLEAN: number;
  LUA_TLIGHTUSERDATA: number;
  LUA_TNUMBER: number;
  LUA_TSTRING: number;
  LUA_TTABLE: number;
  LUA_TFUNCTION: number;
  LUA_MASKCOUNT: number;
  lua_absindex(L: LuaState, i: number): number;
  lua_call(L: LuaState, nargs: number, nresults: number): void;
  lua_concat(L: LuaState, n: number): void;
  lua_createtable(L: LuaState, narr: number, nrec: number): void;
  lua_error(L: LuaState): number;
  lua_getfield(L: LuaState, i: number, k: Uint8Array | string): number;
  lua_getglobal(L: LuaState, k: Uint8Array | string): number;
  lua_gettop(L: LuaState): number;
  lua_insert(L: LuaState, i: number): void;
  lua_isinteger(L: LuaState, i: number): boolean;
  lua_next(L: LuaState, i: number): number;
  lua_pcall(L: LuaState, nargs: number, nresults: number, errfunc: number): number;
  lua_pushlightuserdata(L: LuaState, p: unknown): void;
  lua_touserdata(L: LuaState, i: number): unknown;
  lua_pushboolean(L: LuaState, b: boolean | number): void;
  lua_newthread(L: LuaState): LuaState;
  lua_resume(L: LuaState, from: LuaState | null, nargs: number): number;
  lua_yield(L: LuaState, n: number): number;
  lua_isyieldable(L: LuaState): boolean;
  lua_checkstack(L: LuaState, n: number): boolean;
  lua_Debug: new () => LuaDebug;
  lua_getstack(L: LuaState, level: number, ar: LuaDebug): number;
  lua_getinfo(L: LuaState, what: Uint8Array | string, ar: LuaDebug): number;
  lua_pushcfunction(L: LuaState, f: LuaFunction): void;
  lua_pushglobaltable(L: LuaState): void;
  lua_pushinteger(L: LuaState, n: number): void;
  lua_pushnil(L: LuaState): void;
  lua_pushnumber(L: LuaState, n: number): void;
  lua_pushstring(L: LuaState, s: Uint8Array): void;
  lua_pushliteral(L: LuaState, s: string): void;
  lua_pushvalue(L: LuaState, i: number): void;
  lua_rawget(L: LuaState, i: number): number;
  lua_rawgeti(L: LuaState, i: number, n: number): number;
  lua_rawlen(L: LuaState, i: number): number;
  lua_rawset(L: LuaState, i: number): void;
  lua_rawseti(L: LuaState, i: number, n: number): void;
  lua_setfield(L: LuaState, i: number, k: Uint8Array | string): void;
  lua_setglobal(L: LuaState, k: Uint8Array | string): void;
  lua_sethook(L: LuaState, f: ((L: LuaState) => void) | null, mask: number, count: number): void;
  lua_setmetatable(L: LuaState, i: number): void;
  lua_setupvalue(L: LuaState, funcindex: number, n: number): Uint8Array | null;
  lua_settop(L: LuaState, i: number): void;
  lua_toboolean(L: LuaState, i: number): boolean;
  lua_tointeger(L: LuaState, i: number): number;
  lua_tolstring(L: LuaState, i: number): Uint8Array | null;
  lua_tonumber(L: LuaState, i: number): number;
  lua_type(L: LuaState, i: number): number;
  lua_remove(L: LuaState, i: number): void;
}

/** The auxiliary library's names scripting uses. */
export interface LauxApi {
  luaL_newstate(): LuaState;
  luaL_loadbuffer(L: LuaState, s: Uint8Array, size: number | null, name: Uint8Array): number;
  luaL_ref(L: LuaState, t: number): number;
  luaL_unref(L: LuaState, t: number, ref: number): void;
  luaL_where(L: LuaState, level: number): void;
  luaL_checkinteger(L: LuaState, arg: number): number;
  luaL_checknumber(L: LuaState, arg: number): number;
  luaL_checklstring(L: LuaState, arg: number): Uint8Array;
  luaL_requiref(L: LuaState, name: Uint8Array, f: LuaFunction, glb: number): void;
  luaopen_base: LuaFunction;
}

/** The standard libraries' openers. */
export interface LualibApi {
  luaopen_base: LuaFunction;
  luaopen_table: LuaFunction;
  luaopen_string: LuaFunction;
  luaopen_math: LuaFunction;
  luaopen_debug: LuaFunction;
  luaopen_os: LuaFunction;
  luaopen_coroutine: LuaFunction;
}

/**
 * Lua's C API (fengari), filled by {@linkcode loadEngine}: fengari is loaded on first use, not at
 * server start (it takes some 70 ms to load, which a server that runs no script never pays).
 */
export const lua = {} as LuaApi;
/** Lua's auxiliary library (fengari), filled by {@linkcode loadEngine}. */
export const lauxlib = {} as LauxApi;
/** Lua's standard library openers (fengari), filled by {@linkcode loadEngine}. */
export const lualib = {} as LualibApi;

let loaded = false;

type NodeRequire = (id: string) => unknown;

/** Loads fengari (synchronously, once) before the first Lua state is made. */
export function loadEngine(): void {
  if (loaded) return;
  // Node's require, reached through `process` so that nothing of Node's layer loads at start.
  const node = (globalThis as unknown as {
    process: { getBuiltinModule(id: "module"): { createRequire(from: string): NodeRequire } };
  }).process;
  const req = node.getBuiltinModule("module").createRequire(import.meta.url);
  patchFengari(req);
  const f = req("fengari") as {
    lua: LuaApi;
    lauxlib: LauxApi;
    lualib: LualibApi;
  };
  const lobject = req("fengari/src/lobject.js") as {
    pushsvalue2s(L: LuaState, ts: unknown): void;
  };
  const lstring = req("fengari/src/lstring.js") as {
    TString: new (L: null, bytes: Uint8Array) => unknown;
  };
  internals.pushString = lobject.pushsvalue2s;
  internals.TString = lstring.TString;
  Object.assign(lua, f.lua);
  Object.assign(lauxlib, f.lauxlib);
  Object.assign(lualib, f.lualib);
  loaded = true;
}

const internals = {} as {
  pushString(L: LuaState, ts: unknown): void;
  TString: new (L: null, bytes: Uint8Array) => unknown;
};

/**
 * A constant Lua string made once: pushing it shares one immutable string object (whose hash
 * fengari computes once), where lua_pushstring copies the bytes and the table lookup hashes them
 * again on every push. For table keys and names pushed on every script call.
 */
export class LuaKey {
  #ts: unknown;
  constructor(readonly bytes: Uint8Array) {}

  /** Pushes the string onto `L`'s stack (which must have room, as for any push). */
  push(L: LuaState): void {
    internals.pushString(L, this.#ts ??= new internals.TString(null, this.bytes));
  }
}

/** Keeps fengari in the module graph, so `deno compile` embeds it; never called. */
export const engineModule = (): Promise<unknown> => import("fengari");

const utf8 = new TextEncoder();

/** A JS string as a Lua byte string (UTF-8, as fengari's to_luastring). */
export function luaString(s: string): Uint8Array {
  return utf8.encode(s);
}

/** Opens `name`'s library with `open` and leaves it as a global (luaL_requiref). */
export function openLib(L: LuaState, name: string, open: LuaFunction): void {
  lauxlib.luaL_requiref(L, luaString(name), open, 1);
  lua.lua_settop(L, 0);
}

/** Sets the table of functions `fns` (name to function) on the table at the top of the stack. */
export function setFunctions(L: LuaState, fns: Record<string, LuaFunction>): void {
  for (const [name, fn] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, luaString(name));
  }
}

/** Raises a Lua error with the message `msg` (no position added). */
export function raise(L: LuaState, msg: string): never {
  lua.lua_pushstring(L, luaString(msg));
  lua.lua_error(L);
  throw new Error("unreachable");
}

/** Raises a Lua error as luaL_error does: `msg` after the calling script's position. */
export function raiseHere(L: LuaState, msg: string): never {
  lauxlib.luaL_where(L, 1);
  lua.lua_pushstring(L, luaString(msg));
  lua.lua_concat(L, 2);
  lua.lua_error(L);
  throw new Error("unreachable");
}
