// Redis's conversions between replies and Lua values, both ways (script_lua.c in Redis 7.0): a
// command's reply, read straight from the RESP bytes it wrote, becomes the Lua value redis.call
// returns (RESP2 or RESP3 forms, as redis.setresp chose), and a script's result becomes the
// client's reply: numbers truncated to integers, false as nil, tables as arrays up to the first
// nil, {ok=...}, {err=...} and RESP3's {map=}, {set=}, {double=}, {big_number=}.

import { lua, LuaKey, type LuaState, luaString, raise } from "./engine.ts";
import { formatDouble, type RespWriter } from "../../resp/writer.ts";

const dec = new TextDecoder("latin1");
const ERR_KEY = new LuaKey(luaString("err"));
const OK_KEY = new LuaKey(luaString("ok"));
const DOUBLE_KEY = new LuaKey(luaString("double"));
const BIG_KEY = new LuaKey(luaString("big_number"));
const MAP_KEY = new LuaKey(luaString("map"));
const SET_KEY = new LuaKey(luaString("set"));
const VERBATIM_KEY = new LuaKey(luaString("verbatim_string"));
const FORMAT_KEY = new LuaKey(luaString("format"));
const STRING_KEY = new LuaKey(luaString("string"));

/** Where a reply's parse stands: the bytes and the next position. */
interface Cursor {
  buf: Uint8Array;
  pos: number;
}

function line(cur: Cursor): Uint8Array {
  const start = cur.pos;
  const cr = cur.buf.indexOf(13, start);
  cur.pos = cr + 2;
  return cur.buf.subarray(start, cr);
}

function lineNumber(cur: Cursor): number {
  const b = line(cur);
  let n = 0, i = 0, neg = false;
  if (b[0] === 45) {
    neg = true;
    i = 1;
  }
  for (; i < b.length; i++) n = n * 10 + (b[i]! - 48);
  return neg ? -n : n;
}

/** Sets `key` of the table below the value at the top of the stack to that value (popped). */
function setKey(L: LuaState, key: LuaKey): void {
  key.push(L);
  lua.lua_insert(L, -2);
  lua.lua_rawset(L, -3);
}

/** Pushes an {err=...} table; `msg` without its leading "-". */
export function pushErrorTable(L: LuaState, msg: Uint8Array): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushstring(L, msg);
  setKey(L, ERR_KEY);
}

/**
 * Pushes the Lua value of the reply starting at `cur.pos` (Redis's redisProtocolToLuaType) and
 * moves past it. Returns the error text when the reply is an error (the {err=} table is pushed).
 */
export function pushReply(L: LuaState, cur: Cursor): Uint8Array | undefined {
  if (!lua.lua_checkstack(L, 4)) raise(L, "reached lua stack limit");
  const buf = cur.buf;
  const type = buf[cur.pos++]!;
  switch (type) {
    case 58: { // : integer
      // Up to 15 digits the digits' sum is exact; longer ones round as Number() does.
      const cr = cur.buf.indexOf(13, cur.pos);
      lua.lua_pushnumber(L, cr - cur.pos <= 15 ? lineNumber(cur) : Number(dec.decode(line(cur))));
      return undefined;
    }
    case 36: { // $ bulk
      const n = lineNumber(cur);
      if (n < 0) lua.lua_pushboolean(L, false);
      else {
        lua.lua_pushstring(L, buf.subarray(cur.pos, cur.pos + n));
        cur.pos += n + 2;
      }
      return undefined;
    }
    case 43: // + status
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushstring(L, line(cur));
      setKey(L, OK_KEY);
      return undefined;
    case 45: { // - error
      const msg = line(cur);
      pushErrorTable(L, msg);
      return msg;
    }
    case 42: // * array
    case 62: { // > push
      const n = lineNumber(cur);
      if (n < 0) {
        lua.lua_pushboolean(L, false);
        return undefined;
      }
      lua.lua_createtable(L, n, 0);
      for (let i = 1; i <= n; i++) {
        pushReply(L, cur);
        lua.lua_rawseti(L, -2, i);
      }
      return undefined;
    }
    case 37: { // % map
      const n = lineNumber(cur);
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, n);
      for (let i = 0; i < n; i++) {
        pushReply(L, cur);
        pushReply(L, cur);
        lua.lua_rawset(L, -3);
      }
      setKey(L, MAP_KEY);
      return undefined;
    }
    case 126: { // ~ set
      const n = lineNumber(cur);
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, n);
      for (let i = 0; i < n; i++) {
        pushReply(L, cur);
        lua.lua_pushboolean(L, true);
        lua.lua_rawset(L, -3);
      }
      setKey(L, SET_KEY);
      return undefined;
    }
    case 95: // _ null
      line(cur);
      lua.lua_pushnil(L);
      return undefined;
    case 35: // # boolean
      lua.lua_pushboolean(L, line(cur)[0] === 116);
      return undefined;
    case 44: // , double
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushnumber(L, Number(dec.decode(line(cur)).replace("inf", "Infinity")));
      setKey(L, DOUBLE_KEY);
      return undefined;
    case 40: // ( big number
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushstring(L, line(cur));
      setKey(L, BIG_KEY);
      return undefined;
    case 61: { // = verbatim
      const n = lineNumber(cur);
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, 2);
      lua.lua_pushstring(L, buf.subarray(cur.pos, cur.pos + 3));
      setKey(L, FORMAT_KEY);
      lua.lua_pushstring(L, buf.subarray(cur.pos + 4, cur.pos + n));
      setKey(L, STRING_KEY);
      setKey(L, VERBATIM_KEY);
      cur.pos += n + 2;
      return undefined;
    }
    default:
      throw new Error(`scripting: unexpected reply type ${String.fromCharCode(type)}`);
  }
}

/** Redis turns CR and LF in status and error texts into spaces. */
function oneLine(b: Uint8Array): Uint8Array {
  if (b.indexOf(13) === -1 && b.indexOf(10) === -1) return b;
  return b.map((x) => x === 13 || x === 10 ? 32 : x);
}

const INT64_MIN = -9223372036854775808n;
/** Nesting beyond which a result is not converted (Lua 5.1's C stack allows about as much). */
const MAX_DEPTH = 7000;

/** Writes a Lua number as Redis does: truncated to a 64-bit integer. */
function writeNumber(out: RespWriter, n: number): void {
  if (Number.isSafeInteger(n)) out.integer(n);
  else if (!Number.isFinite(n) || Math.abs(n) >= 9223372036854775808) out.integer(INT64_MIN);
  else out.integer(BigInt(Math.trunc(n)));
}

/** The field `key` of the table at `idx` when it has type `type` (left pushed), else nothing. */
function field(L: LuaState, idx: number, key: LuaKey, type: number): boolean {
  key.push(L);
  if (lua.lua_rawget(L, idx) === type) return true;
  lua.lua_settop(L, -2);
  return false;
}

/**
 * Writes the Lua value at the top of the stack as a reply to `out` (Redis's luaReplyToRedisReply)
 * and pops it. `resp` is the script's protocol (redis.setresp), which decides how booleans go.
 */
export function writeLuaValue(L: LuaState, out: RespWriter, resp: 2 | 3, depth = 0): void {
  // As Redis: room for 4 more values (a map entry), or an error in the reply's place.
  if (depth > MAX_DEPTH || !lua.lua_checkstack(L, 4)) {
    out.error("ERR reached lua stack limit");
    lua.lua_settop(L, -2);
    return;
  }
  const t = lua.lua_type(L, -1);
  if (t === lua.LUA_TSTRING) {
    out.bulk(lua.lua_tolstring(L, -1)!);
  } else if (t === lua.LUA_TBOOLEAN) {
    const b = lua.lua_toboolean(L, -1);
    if (resp === 2) {
      if (b) out.integer(1);
      else out.nullBulk();
    } else out.boolean(b);
  } else if (t === lua.LUA_TNUMBER) {
    writeNumber(out, lua.lua_tonumber(L, -1));
  } else if (t === lua.LUA_TTABLE) {
    writeTable(L, out, resp, depth);
  } else {
    out.nullBulk();
  }
  lua.lua_settop(L, -2);
}

function writeTable(L: LuaState, out: RespWriter, resp: 2 | 3, depth: number): void {
  const idx = lua.lua_gettop(L);
  if (field(L, idx, ERR_KEY, lua.LUA_TSTRING)) {
    const msg = oneLine(lua.lua_tolstring(L, -1)!);
    out.error(dec.decode(msg));
    lua.lua_settop(L, idx);
    return;
  }
  if (field(L, idx, OK_KEY, lua.LUA_TSTRING)) {
    out.simple(dec.decode(oneLine(lua.lua_tolstring(L, -1)!)));
    lua.lua_settop(L, idx);
    return;
  }
  if (field(L, idx, DOUBLE_KEY, lua.LUA_TNUMBER)) {
    out.double(lua.lua_tonumber(L, -1));
    lua.lua_settop(L, idx);
    return;
  }
  if (field(L, idx, BIG_KEY, lua.LUA_TSTRING)) {
    out.bigNumber(dec.decode(oneLine(lua.lua_tolstring(L, -1)!)));
    lua.lua_settop(L, idx);
    return;
  }
  if (field(L, idx, MAP_KEY, lua.LUA_TTABLE)) {
    const map = lua.lua_gettop(L);
    let n = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, map) !== 0) {
      n++;
      lua.lua_settop(L, -2);
    }
    out.mapHeader(n);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, map) !== 0) {
      // key, value: write a copy of the key, then the value; the key stays for lua_next.
      lua.lua_pushvalue(L, -2);
      writeLuaValue(L, out, resp, depth + 1);
      writeLuaValue(L, out, resp, depth + 1);
    }
    lua.lua_settop(L, idx);
    return;
  }
  if (field(L, idx, SET_KEY, lua.LUA_TTABLE)) {
    const set = lua.lua_gettop(L);
    let n = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, set) !== 0) {
      n++;
      lua.lua_settop(L, -2);
    }
    out.setHeader(n);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, set) !== 0) {
      lua.lua_settop(L, -2);
      lua.lua_pushvalue(L, -1);
      writeLuaValue(L, out, resp, depth + 1);
    }
    lua.lua_settop(L, idx);
    return;
  }
  if (field(L, idx, VERBATIM_KEY, lua.LUA_TTABLE)) {
    const v = lua.lua_gettop(L);
    if (field(L, v, FORMAT_KEY, lua.LUA_TSTRING)) {
      const format = dec.decode(lua.lua_tolstring(L, -1)!);
      if (field(L, v, STRING_KEY, lua.LUA_TSTRING)) {
        out.verbatim(lua.lua_tolstring(L, -1)!, format);
        lua.lua_settop(L, idx);
        return;
      }
    }
    lua.lua_settop(L, idx);
  }
  // An array, up to the first nil.
  let n = 0;
  while (lua.lua_rawgeti(L, idx, n + 1) !== lua.LUA_TNIL) {
    n++;
    lua.lua_settop(L, -2);
  }
  lua.lua_settop(L, -2);
  out.arrayHeader(n);
  for (let i = 1; i <= n; i++) {
    lua.lua_rawgeti(L, idx, i);
    writeLuaValue(L, out, resp, depth + 1);
  }
}

/** A Lua number as an argument of redis.call: "%.17g", as Redis 7.0 formats it. */
export function numberArg(n: number): Uint8Array {
  return luaString(Number.isInteger(n) && Math.abs(n) < 1e17 ? String(n) : formatDouble(n));
}
