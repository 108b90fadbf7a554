// The `cmsgpack` library (lua-cmsgpack as Redis bundles it): cmsgpack.pack(...) and
// cmsgpack.unpack(s) with its encodings (smallest integer form, float32 when exact, tables with
// keys 1..n as arrays), which BullMQ's scripts use for job options.

import { lauxlib, lua, type LuaState, raiseHere, setFunctions } from "./engine.ts";
import { charge } from "./script_memory.ts";

class Out {
  bytes: number[] = [];
  u8(...b: number[]): void {
    for (const x of b) this.bytes.push(x & 0xff);
  }
  be(n: bigint | number, size: number): void {
    let v = BigInt.asUintN(size * 8, BigInt(n));
    const tmp: number[] = [];
    for (let i = 0; i < size; i++) {
      tmp.push(Number(v & 0xffn));
      v >>= 8n;
    }
    for (let i = size - 1; i >= 0; i--) this.bytes.push(tmp[i]!);
  }
}

function packInt(o: Out, n: number): void {
  if (n >= 0) {
    if (n <= 127) o.u8(n);
    else if (n <= 0xff) o.u8(0xcc, n);
    else if (n <= 0xffff) (o.u8(0xcd), o.be(n, 2));
    else if (n <= 0xffffffff) (o.u8(0xce), o.be(n, 4));
    else (o.u8(0xcf), o.be(BigInt(n), 8));
  } else {
    if (n >= -32) o.u8(n);
    else if (n >= -128) o.u8(0xd0, n);
    else if (n >= -32768) (o.u8(0xd1), o.be(n, 2));
    else if (n >= -2147483648) (o.u8(0xd2), o.be(n, 4));
    else (o.u8(0xd3), o.be(BigInt(n), 8));
  }
}

function packValue(L: LuaState, o: Out, depth: number): void {
  if (!lua.lua_checkstack(L, 4)) raiseHere(L, "stack overflow");
  const t = lua.lua_type(L, -1);
  // The output is a number[]: 8 bytes of heap per byte written.
  charge(L, 64);
  if (t === lua.LUA_TSTRING) {
    const s = lua.lua_tolstring(L, -1)!;
    const n = s.length;
    charge(L, 8 * n);
    if (n < 32) o.u8(0xa0 | n);
    else if (n <= 0xff) o.u8(0xd9, n);
    else if (n <= 0xffff) (o.u8(0xda), o.be(n, 2));
    else (o.u8(0xdb), o.be(n, 4));
    for (const b of s) o.bytes.push(b);
  } else if (t === lua.LUA_TNUMBER) {
    const n = lua.lua_tonumber(L, -1);
    if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) packInt(o, n);
    else if (Math.fround(n) === n || Number.isNaN(n)) {
      o.u8(0xca);
      const b = new DataView(new ArrayBuffer(4));
      b.setFloat32(0, n);
      for (let i = 0; i < 4; i++) o.u8(b.getUint8(i));
    } else {
      o.u8(0xcb);
      const b = new DataView(new ArrayBuffer(8));
      b.setFloat64(0, n);
      for (let i = 0; i < 8; i++) o.u8(b.getUint8(i));
    }
  } else if (t === lua.LUA_TBOOLEAN) o.u8(lua.lua_toboolean(L, -1) ? 0xc3 : 0xc2);
  else if (t === lua.LUA_TTABLE && depth < 16) {
    const idx = lua.lua_gettop(L);
    const len = arrayLength(L, idx);
    if (len >= 0) {
      if (len <= 15) o.u8(0x90 | len);
      else if (len <= 0xffff) (o.u8(0xdc), o.be(len, 2));
      else (o.u8(0xdd), o.be(len, 4));
      for (let i = 1; i <= len; i++) {
        lua.lua_rawgeti(L, idx, i);
        packValue(L, o, depth + 1);
        lua.lua_settop(L, -2);
      }
    } else {
      let n = 0;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, idx) !== 0) (n++, lua.lua_settop(L, -2));
      if (n <= 15) o.u8(0x80 | n);
      else if (n <= 0xffff) (o.u8(0xde), o.be(n, 2));
      else (o.u8(0xdf), o.be(n, 4));
      lua.lua_pushnil(L);
      while (lua.lua_next(L, idx) !== 0) {
        lua.lua_pushvalue(L, -2);
        packValue(L, o, depth + 1);
        lua.lua_settop(L, -2);
        packValue(L, o, depth + 1);
        lua.lua_settop(L, -2);
      }
    }
  } else o.u8(0xc0);
}

/** lua-cmsgpack's table_is_an_array: keys 1..n exactly (n, or -1 for a map). */
function arrayLength(L: LuaState, idx: number): number {
  let max = 0, count = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx) !== 0) {
    lua.lua_settop(L, -2);
    if (lua.lua_type(L, -1) !== lua.LUA_TNUMBER) return (lua.lua_settop(L, -2), -1);
    const k = lua.lua_tonumber(L, -1);
    if (!Number.isInteger(k) || k <= 0) return (lua.lua_settop(L, -2), -1);
    if (k > max) max = k;
    count++;
  }
  return max === count ? max : -1;
}

function pack(L: LuaState): number {
  const n = lua.lua_gettop(L);
  if (n === 0) raiseHere(L, "MessagePack pack needs input.");
  const o = new Out();
  for (let i = 1; i <= n; i++) {
    lua.lua_pushvalue(L, i);
    packValue(L, o, 0);
    lua.lua_settop(L, -2);
  }
  lua.lua_pushstring(L, Uint8Array.from(o.bytes));
  return 1;
}

class In {
  pos = 0;
  constructor(readonly b: Uint8Array, readonly L: LuaState) {}
  need(n: number): void {
    if (this.pos + n > this.b.length) raiseHere(this.L, "Missing bytes in input.");
  }
  uint(n: number): number {
    this.need(n);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.b[this.pos++]!;
    return v;
  }
  int(n: number): number {
    const u = this.uint(n);
    return u >= 2 ** (8 * n - 1) ? u - 2 ** (8 * n) : u;
  }
  float(n: 4 | 8): number {
    this.need(n);
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, n);
    this.pos += n;
    return n === 4 ? v.getFloat32(0) : v.getFloat64(0);
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const s = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

function unpackValue(L: LuaState, i: In): void {
  if (!lua.lua_checkstack(L, 4)) raiseHere(L, "stack overflow");
  const t = i.uint(1);
  if (t <= 0x7f) lua.lua_pushnumber(L, t);
  else if (t >= 0xe0) lua.lua_pushnumber(L, t - 256);
  else if ((t & 0xe0) === 0xa0) lua.lua_pushstring(L, i.bytes(t & 0x1f));
  else if ((t & 0xf0) === 0x90) unpackArray(L, i, t & 0x0f);
  else if ((t & 0xf0) === 0x80) unpackMap(L, i, t & 0x0f);
  else {
    switch (t) {
      case 0xc0:
        return lua.lua_pushnil(L);
      case 0xc2:
        return lua.lua_pushboolean(L, false);
      case 0xc3:
        return lua.lua_pushboolean(L, true);
      case 0xcc:
        return lua.lua_pushnumber(L, i.uint(1));
      case 0xcd:
        return lua.lua_pushnumber(L, i.uint(2));
      case 0xce:
        return lua.lua_pushnumber(L, i.uint(4));
      case 0xcf:
        return lua.lua_pushnumber(L, i.uint(8));
      case 0xd0:
        return lua.lua_pushnumber(L, i.int(1));
      case 0xd1:
        return lua.lua_pushnumber(L, i.int(2));
      case 0xd2:
        return lua.lua_pushnumber(L, i.int(4));
      case 0xd3:
        return lua.lua_pushnumber(L, i.int(8));
      case 0xca:
        return lua.lua_pushnumber(L, i.float(4));
      case 0xcb:
        return lua.lua_pushnumber(L, i.float(8));
      case 0xd9:
      case 0xc4:
        return lua.lua_pushstring(L, i.bytes(i.uint(1)));
      case 0xda:
      case 0xc5:
        return lua.lua_pushstring(L, i.bytes(i.uint(2)));
      case 0xdb:
      case 0xc6:
        return lua.lua_pushstring(L, i.bytes(i.uint(4)));
      case 0xdc:
        return unpackArray(L, i, i.uint(2));
      case 0xdd:
        return unpackArray(L, i, i.uint(4));
      case 0xde:
        return unpackMap(L, i, i.uint(2));
      case 0xdf:
        return unpackMap(L, i, i.uint(4));
      default:
        raiseHere(L, "Bad data format in input.");
    }
  }
}

function unpackArray(L: LuaState, i: In, n: number): void {
  lua.lua_createtable(L, n, 0);
  for (let k = 1; k <= n; k++) {
    unpackValue(L, i);
    lua.lua_rawseti(L, -2, k);
  }
}

function unpackMap(L: LuaState, i: In, n: number): void {
  lua.lua_createtable(L, 0, n);
  for (let k = 0; k < n; k++) {
    unpackValue(L, i);
    unpackValue(L, i);
    if (lua.lua_type(L, -2) === lua.LUA_TNIL) lua.lua_settop(L, -3);
    else lua.lua_rawset(L, -3);
  }
}

function unpack(L: LuaState): number {
  const s = lauxlib.luaL_checklstring(L, 1);
  const input = new In(s, L);
  lua.lua_settop(L, 1);
  let n = 0;
  while (input.pos < s.length) {
    unpackValue(L, input);
    n++;
  }
  return n;
}

/** Opens `cmsgpack` (pushes the table). */
export function openCmsgpack(L: LuaState): number {
  lua.lua_createtable(L, 0, 2);
  setFunctions(L, { pack, unpack });
  return 1;
}
