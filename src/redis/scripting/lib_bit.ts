// The `bit` library (LuaBitOp 1.0, which Redis bundles): 32-bit operations whose results are
// signed 32-bit numbers, as scripts written for Redis expect.

import { lauxlib, lua, type LuaState, luaString, setFunctions } from "./engine.ts";

function arg(L: LuaState, i: number): number {
  const n = lauxlib.luaL_checknumber(L, i);
  return Number.isFinite(n) ? Number(BigInt.asIntN(32, BigInt(Math.round(n)))) : 0;
}

function ret(L: LuaState, n: number): number {
  lua.lua_pushinteger(L, n | 0);
  return 1;
}

function fold(op: (a: number, b: number) => number) {
  return (L: LuaState): number => {
    let r = arg(L, 1);
    const top = lua.lua_gettop(L);
    for (let i = 2; i <= top; i++) r = op(r, arg(L, i));
    return ret(L, r);
  };
}

function shift(op: (a: number, b: number) => number) {
  return (L: LuaState): number => ret(L, op(arg(L, 1), arg(L, 2) & 31));
}

function tohex(L: LuaState): number {
  const x = arg(L, 1);
  let n = lua.lua_type(L, 2) <= 0 ? 8 : arg(L, 2);
  const upper = n < 0;
  if (upper) n = -n;
  if (n > 8) n = 8;
  let s = (x >>> 0).toString(16).padStart(8, "0").slice(8 - n);
  if (upper) s = s.toUpperCase();
  lua.lua_pushstring(L, luaString(s));
  return 1;
}

/** Opens `bit` (pushes the table). */
export function openBit(L: LuaState): number {
  lua.lua_createtable(L, 0, 12);
  setFunctions(L, {
    tobit: (L) => ret(L, arg(L, 1)),
    bnot: (L) => ret(L, ~arg(L, 1)),
    band: fold((a, b) => a & b),
    bor: fold((a, b) => a | b),
    bxor: fold((a, b) => a ^ b),
    lshift: shift((a, b) => a << b),
    rshift: shift((a, b) => a >>> b),
    arshift: shift((a, b) => a >> b),
    rol: shift((a, b) => (a << b) | (a >>> (32 - b))),
    ror: shift((a, b) => (a >>> b) | (a << (32 - b))),
    bswap: (L) => {
      const x = arg(L, 1);
      return ret(L, ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24));
    },
    tohex,
  });
  return 1;
}
