// A Lua state set up as Redis 7.0 sets up its scripting engine: the libraries Redis loads (base,
// coroutine, table, string, math, cjson, cmsgpack, bit, struct), Lua 5.1's names that scripts written for
// Redis use (unpack, loadstring, table.getn, math.mod, ...), no file, OS or module access, the
// error handler that adds the script's line to errors, and globals protected ("Script attempted
// to access nonexistent global variable", "Attempt to modify a readonly table").

import { lauxlib, lua, lualib, type LuaState, luaString, openLib, raiseHere } from "./engine.ts";
import { openCjson } from "./lib_cjson.ts";
import { openCmsgpack } from "./lib_cmsgpack.ts";
import { openBit } from "./lib_bit.ts";
import { openStruct } from "./lib_struct.ts";
import { formatSpec } from "./format_g.ts";

const latin1 = new TextDecoder("latin1");

/** Lua 5.1 compatibility, the error handler, and the removal of what Redis does not load. */
const PRELUDE = `
local dbg = debug
unpack = table.unpack
loadstring = load
table.getn = function(t) return #t end
table.setn = function() end
table.maxn = function(t) local n = 0 for k in pairs(t) do if type(k) == 'number' and k > n then n = k end end return n end
table.foreach = function(t, f) for k, v in pairs(t) do local r = f(k, v) if r ~= nil then return r end end end
table.foreachi = function(t, f) for i = 1, #t do local r = f(i, t[i]) if r ~= nil then return r end end end
math.mod = math.fmod
math.pow = function(a, b) return a ^ b end
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math.tanh = function(x) local a, b = math.exp(x), math.exp(-x) return (a - b) / (a + b) end
string.gfind = string.gmatch
-- Lua 5.1 formats %d of any number by truncating it; 5.3 refuses floats out of integer range.
local fmt, sel, floor, ceil, unpack = string.format, select, math.floor, math.ceil, table.unpack
local numfmt = __redis__numfmt
__redis__numfmt = nil
string.format = function(f, ...)
  local args, n, i = {...}, sel('#', ...), 0
  local spec = f:gsub('%%[-+ #0]*%d*%.?%d*[%a%%]', function(s)
    if s == '%%' then return nil end
    i = i + 1
    local c, v = s:sub(-1), args[i]
    if (c == 'd' or c == 'i') and type(v) == 'number' and (v >= 2^31 or v < -2^31 or v % 1 ~= 0) then
      args[i] = v >= 0 and floor(v) or ceil(v)
      return s:sub(1, -2) .. '.0f'
    end
    -- %g, %e of doubles and %x, %o of 64-bit values as glibc prints them (format_g.ts).
    if c == 'g' or c == 'G' or c == 'e' or c == 'E' or c == 'x' or c == 'X' or c == 'o' then
      local r = numfmt(s, v)
      if r then
        args[i] = r
        return '%s'
      end
    end
  end)
  return fmt(spec, unpack(args, 1, n))
end
-- Lua 5.1's string.rep has no separator.
local rep = string.rep
string.rep = function(s, n) return rep(s, n) end
math.atan2 = math.atan
-- Lua 5.3's names that 5.1 (and so Redis) does not have.
math.type, math.tointeger, math.ult, math.maxinteger, math.mininteger = nil, nil, nil, nil, nil
table.move, table.pack, table.unpack = nil, nil, nil
string.pack, string.packsize, string.unpack = nil, nil, nil
gcinfo = function() return math.floor(collectgarbage('count')) end
__redis__err__handler = function(err)
  local i = dbg.getinfo(2, 'nSl')
  if i and (i.what == 'C' or i.what == 'J') then i = dbg.getinfo(3, 'nSl') end
  if type(err) == 'string' then
    -- Lua 5.1's wording of type errors: "attempt to index local 't' (a nil value)".
    err = err:gsub("attempt to (.-) a (%a+) value %((%a+) '([^']*)'%)", "attempt to %1 %3 '%4' (a %2 value)")
  end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
debug = nil
print = nil
dofile = nil
loadfile = nil
require = nil
package = nil
utf8 = nil
`;

/** Runs trusted set-up code in `L`; throws on failure (a bug of ours). */
export function runSetup(L: LuaState, code: string, name: string): void {
  const src = luaString(code);
  if (
    lauxlib.luaL_loadbuffer(L, src, src.length, luaString(`=${name}`)) !== lua.LUA_OK ||
    lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK
  ) {
    throw new Error(
      `scripting set-up ${name}: ${new TextDecoder().decode(lua.lua_tolstring(L, -1)!)}`,
    );
  }
  lua.lua_settop(L, 0);
}

/**
 * A new state with Redis's libraries, `redis` as the global table built by `makeRedis` (which
 * pushes it), and globals protected. Returns the state and the registry reference of the error
 * handler.
 */
export function newLuaState(
  makeRedis: (L: LuaState) => void,
): { L: LuaState; errHandler: number } {
  const L = lauxlib.luaL_newstate();
  openLib(L, "_G", lualib.luaopen_base);
  openLib(L, "table", lualib.luaopen_table);
  openLib(L, "string", lualib.luaopen_string);
  openLib(L, "math", lualib.luaopen_math);
  openLib(L, "coroutine", lualib.luaopen_coroutine);
  openLib(L, "debug", lualib.luaopen_debug);
  openLib(L, "cjson", openCjson);
  openLib(L, "cmsgpack", openCmsgpack);
  openLib(L, "bit", openBit);
  openLib(L, "struct", openStruct);
  lua.lua_getglobal(L, luaString("math"));
  lua.lua_pushcfunction(L, frexp);
  lua.lua_setfield(L, -2, luaString("frexp"));
  lua.lua_getglobal(L, luaString("table"));
  lua.lua_pushcfunction(L, tinsert);
  lua.lua_setfield(L, -2, luaString("insert"));
  lua.lua_pushcfunction(L, tremove);
  lua.lua_setfield(L, -2, luaString("remove"));
  lua.lua_settop(L, 0);
  lua.lua_pushcfunction(L, numfmt);
  lua.lua_setglobal(L, luaString("__redis__numfmt"));
  makeRedis(L);
  lua.lua_setglobal(L, luaString("redis"));
  runSetup(L, PRELUDE, "prelude");
  lua.lua_getglobal(L, luaString("__redis__err__handler"));
  const errHandler = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  lua.lua_pushnil(L);
  lua.lua_setglobal(L, luaString("__redis__err__handler"));
  protectGlobals(L);
  return { L, errHandler };
}

/** Lua 5.1's math.frexp (5.3 dropped it): `m, e` with `x = m * 2^e` and 0.5 <= |m| < 1. */
function frexp(L: LuaState): number {
  const x = lauxlib.luaL_checknumber(L, 1);
  if (x === 0 || !Number.isFinite(x)) {
    lua.lua_pushnumber(L, x);
    lua.lua_pushnumber(L, 0);
    return 2;
  }
  let e = Math.floor(Math.log2(Math.abs(x))) + 1;
  let m = x / 2 ** e;
  if (Math.abs(m) >= 1) (m /= 2, e++);
  else if (Math.abs(m) < 0.5) (m *= 2, e--);
  lua.lua_pushnumber(L, m);
  lua.lua_pushnumber(L, e);
  return 2;
}

/** The text of one numeric string.format conversion (`spec`, value), or nothing. */
function numfmt(L: LuaState): number {
  const spec = lua.lua_tolstring(L, 1);
  const t = lua.lua_type(L, 2);
  if (spec === null || (t !== lua.LUA_TNUMBER && t !== lua.LUA_TSTRING)) return 0;
  const v = lua.lua_tonumber(L, 2);
  if (
    t === lua.LUA_TSTRING && v === 0 && !/^\s*[-+]?0/.test(latin1.decode(lua.lua_tolstring(L, 2)!))
  ) {
    return 0;
  }
  const text = formatSpec(latin1.decode(spec), v);
  if (text === undefined) return 0;
  lua.lua_pushstring(L, luaString(text));
  return 1;
}

/** C's cast of a Lua 5.1 number to an int (luaL_checkint): truncated, then wrapped at 32 bits. */
function checkInt(L: LuaState, arg: number): number {
  return Math.trunc(lauxlib.luaL_checknumber(L, arg)) | 0;
}

/** Lua 5.1's table.insert: a position past the end grows the array (5.3 refuses it). */
function tinsert(L: LuaState): number {
  checkTable(L, "insert");
  let e = lua.lua_rawlen(L, 1) + 1;
  let pos: number;
  const top = lua.lua_gettop(L);
  if (top === 2) pos = e;
  else if (top === 3) {
    pos = checkInt(L, 2);
    if (pos > e) e = pos;
    for (let i = e; i > pos; i--) {
      lua.lua_rawgeti(L, 1, i - 1);
      lua.lua_rawseti(L, 1, i);
    }
  } else raiseHere(L, "wrong number of arguments to 'insert'");
  lua.lua_rawseti(L, 1, pos);
  return 0;
}

/** Lua 5.1's table.remove: a position outside 1..#t removes nothing (5.3 refuses it). */
function tremove(L: LuaState): number {
  checkTable(L, "remove");
  const e = lua.lua_rawlen(L, 1);
  let pos = lua.lua_type(L, 2) <= lua.LUA_TNIL ? e : checkInt(L, 2);
  if (!(1 <= pos && pos <= e)) return 0;
  lua.lua_rawgeti(L, 1, pos);
  for (; pos < e; pos++) {
    lua.lua_rawgeti(L, 1, pos + 1);
    lua.lua_rawseti(L, 1, pos);
  }
  lua.lua_pushnil(L);
  lua.lua_rawseti(L, 1, e);
  return 1;
}

function checkTable(L: LuaState, name: string): void {
  const t = lua.lua_type(L, 1);
  if (t === lua.LUA_TTABLE) return;
  const got = t === lua.LUA_TNIL && lua.lua_gettop(L) === 0 ? "no value" : typeName(t);
  raiseHere(L, `bad argument #1 to '${name}' (table expected, got ${got})`);
}

function typeName(t: number): string {
  return [
    "nil",
    "boolean",
    "userdata",
    "number",
    "string",
    "table",
    "function",
    "userdata",
    "thread",
  ][
    t
  ] ?? "no value";
}

function protectGlobals(L: LuaState): void {
  lua.lua_pushglobaltable(L);
  protectTop(L);
  lua.lua_settop(L, 0);
}

/**
 * Protects the table at the top of the stack as Redis protects the globals: reading a missing
 * name and writing any new one raise Redis's errors.
 */
export function protectTop(L: LuaState): void {
  lua.lua_createtable(L, 0, 2);
  lua.lua_pushcfunction(L, (L) => {
    const name = lua.lua_tolstring(L, 2);
    const text = name === null ? "?" : new TextDecoder("latin1").decode(name);
    raiseHere(L, `Script attempted to access nonexistent global variable '${text}'`);
  });
  lua.lua_setfield(L, -2, luaString("__index"));
  lua.lua_pushcfunction(L, (L) => raiseHere(L, "Attempt to modify a readonly table"));
  lua.lua_setfield(L, -2, luaString("__newindex"));
  lua.lua_setmetatable(L, -2);
}
