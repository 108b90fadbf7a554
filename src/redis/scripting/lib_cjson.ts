// The `cjson` library (lua-cjson 2.1 as Redis bundles it): cjson.encode and cjson.decode with its
// rules (arrays for tables whose keys are 1..n, "%.14g" numbers, "\/" escaped, cjson.null), which
// BullMQ and most queue libraries' scripts use to keep JSON in keys.

import { lauxlib, lua, type LuaState, luaString, raiseHere, setFunctions } from "./engine.ts";
import { charge } from "./script_memory.ts";
import { formatG } from "./format_g.ts";

/** cjson.null: a light userdata Lua compares by identity. */
export const NULL = { cjsonNull: true };
const utf8 = new TextDecoder("utf-8");

const ESCAPES: Record<number, string> = {
  8: "\\b",
  9: "\\t",
  10: "\\n",
  12: "\\f",
  13: "\\r",
  34: '\\"',
  47: "\\/",
  92: "\\\\",
};

function encodeString(s: Uint8Array, out: number[]): void {
  out.push(34);
  for (const b of s) {
    const e = ESCAPES[b];
    if (e !== undefined) { for (let i = 0; i < e.length; i++) out.push(e.charCodeAt(i)); }
    else if (b < 32 || b === 127) {
      const h = "\\u" + b.toString(16).padStart(4, "0");
      for (let i = 0; i < h.length; i++) out.push(h.charCodeAt(i));
    } else out.push(b);
  }
  out.push(34);
}

function pushAscii(out: number[], s: string): void {
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

/** The array length of the table at `idx` by lua-cjson's rules: -1 for an object. */
function arrayLength(L: LuaState, idx: number): number {
  let max = 0, items = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx) !== 0) {
    if (lua.lua_type(L, -2) === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumber(L, -2);
      if (Number.isInteger(k) && k >= 1) {
        if (k > max) max = k;
        items++;
        lua.lua_settop(L, -2);
        continue;
      }
    }
    lua.lua_settop(L, -3);
    return -1;
  }
  if (max > items * 2 && max > 10) raiseHere(L, "Cannot serialise table: excessively sparse array");
  return items === 0 ? -1 : max;
}

function encodeValue(L: LuaState, out: number[], depth: number): void {
  if (!lua.lua_checkstack(L, 4)) raiseHere(L, "stack overflow");
  const t = lua.lua_type(L, -1);
  // The output is a number[]: 8 bytes of heap per byte written.
  charge(L, 64);
  if (t === lua.LUA_TSTRING) {
    const s = lua.lua_tolstring(L, -1)!;
    charge(L, 8 * s.length);
    encodeString(s, out);
  } else if (t === lua.LUA_TNUMBER) {
    const n = lua.lua_tonumber(L, -1);
    if (!Number.isFinite(n)) raiseHere(L, "Cannot serialise number: must not be NaN or Inf");
    pushAscii(out, formatG(n));
  } else if (t === lua.LUA_TBOOLEAN) pushAscii(out, lua.lua_toboolean(L, -1) ? "true" : "false");
  else if (t === lua.LUA_TNIL) pushAscii(out, "null");
  else if (t === lua.LUA_TLIGHTUSERDATA && lua.lua_touserdata(L, -1) === NULL) {
    pushAscii(out, "null");
  } else if (t === lua.LUA_TTABLE) {
    if (depth > 1000) raiseHere(L, `Cannot serialise, excessive nesting (${depth})`);
    const idx = lua.lua_gettop(L);
    const len = arrayLength(L, idx);
    if (len >= 0) {
      out.push(91);
      for (let i = 1; i <= len; i++) {
        if (i > 1) out.push(44);
        lua.lua_rawgeti(L, idx, i);
        encodeValue(L, out, depth + 1);
        lua.lua_settop(L, -2);
      }
      out.push(93);
    } else {
      out.push(123);
      let first = true;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, idx) !== 0) {
        if (!first) out.push(44);
        first = false;
        const kt = lua.lua_type(L, -2);
        if (kt === lua.LUA_TSTRING) {
          const k = lua.lua_tolstring(L, -2)!;
          charge(L, 8 * k.length);
          encodeString(k, out);
        } else if (kt === lua.LUA_TNUMBER) {
          out.push(34);
          pushAscii(out, formatG(lua.lua_tonumber(L, -2)));
          out.push(34);
        } else raiseHere(L, "Cannot serialise table: table key must be a number or string");
        out.push(58);
        encodeValue(L, out, depth + 1);
        lua.lua_settop(L, -2);
      }
      out.push(125);
    }
  } else {
    const names = ["nil", "boolean", "userdata", "number", "string", "table", "function"];
    raiseHere(L, `Cannot serialise ${names[t] ?? "userdata"}: type not supported`);
  }
}

function encode(L: LuaState): number {
  if (lua.lua_gettop(L) !== 1) raiseHere(L, "bad argument #1 to 'encode' (expected 1 argument)");
  const out: number[] = [];
  encodeValue(L, out, 1);
  lua.lua_pushstring(L, Uint8Array.from(out));
  return 1;
}

const enc = new TextEncoder();

function pushJson(L: LuaState, v: unknown): void {
  if (!lua.lua_checkstack(L, 4)) raiseHere(L, "stack overflow");
  if (v === null) lua.lua_pushlightuserdata(L, NULL);
  else if (typeof v === "string") lua.lua_pushstring(L, enc.encode(v));
  else if (typeof v === "number") {
    if (Number.isSafeInteger(v)) lua.lua_pushnumber(L, v);
    else lua.lua_pushnumber(L, v);
  } else if (typeof v === "boolean") lua.lua_pushboolean(L, v);
  else if (Array.isArray(v)) {
    lua.lua_createtable(L, v.length, 0);
    for (let i = 0; i < v.length; i++) {
      pushJson(L, v[i]);
      lua.lua_rawseti(L, -2, i + 1);
    }
  } else {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    lua.lua_createtable(L, 0, keys.length);
    for (const k of keys) {
      lua.lua_pushstring(L, enc.encode(k));
      pushJson(L, o[k]);
      lua.lua_rawset(L, -3);
    }
  }
}

function decode(L: LuaState): number {
  const s = lauxlib.luaL_checklstring(L, 1);
  let v: unknown;
  try {
    v = JSON.parse(utf8.decode(s));
  } catch {
    raiseHere(L, "Expected value but found invalid token at character 1");
  }
  pushJson(L, v);
  return 1;
}

/** Opens `cjson` (pushes the table). */
export function openCjson(L: LuaState): number {
  lua.lua_createtable(L, 0, 12);
  setFunctions(L, {
    encode,
    decode,
    encode_keep_buffer: () => 0,
    encode_max_depth: () => 0,
    decode_max_depth: () => 0,
    encode_number_precision: () => 0,
    encode_sparse_array: () => 0,
    encode_invalid_numbers: () => 0,
    decode_invalid_numbers: () => 0,
  });
  lua.lua_pushlightuserdata(L, NULL);
  lua.lua_setfield(L, -2, luaString("null"));
  return 1;
}
