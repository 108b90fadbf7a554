// The `struct` library (Roberto Ierusalimschy's struct, which Redis bundles): struct.pack,
// struct.unpack and struct.size for the common formats: endianness (< > = !), x, b B h H i I l L
// (with optional sizes), f d, s (zero-terminated), c (fixed length).

import { lauxlib, lua, type LuaState, luaString, raiseHere, setFunctions } from "./engine.ts";
import { charge } from "./script_memory.ts";

interface Item {
  op: string;
  size: number;
}

function parse(L: LuaState, fmt: string): { items: Item[]; little: boolean[] } {
  const items: Item[] = [];
  const little: boolean[] = [];
  let le = true;
  for (let i = 0; i < fmt.length; i++) {
    const op = fmt[i]!;
    let digits = "";
    while (i + 1 < fmt.length && fmt[i + 1]! >= "0" && fmt[i + 1]! <= "9") digits += fmt[++i];
    const n = digits === "" ? undefined : Number(digits);
    const sizes: Record<string, number> = { b: 1, B: 1, h: 2, H: 2, l: 8, L: 8, i: 4, I: 4 };
    if (op === "<" || op === "=") le = true;
    else if (op === ">") le = false;
    else if (op === "!" || op === " ") continue;
    else if (op in sizes) {
      items.push({ op: op.toLowerCase() === op ? "int" : "uint", size: n ?? sizes[op]! });
      little.push(le);
    } else if (op === "f" || op === "d") {
      items.push({ op, size: op === "f" ? 4 : 8 });
      little.push(le);
    } else if (op === "x" || op === "s" || op === "c") {
      items.push({ op, size: n ?? (op === "c" ? 1 : 0) });
      little.push(le);
    } else raiseHere(L, `invalid format option '${op}'`);
  }
  return { items, little };
}

function fmtArg(L: LuaState): string {
  return new TextDecoder("latin1").decode(lauxlib.luaL_checklstring(L, 1));
}

function pack(L: LuaState): number {
  const { items, little } = parse(L, fmtArg(L));
  const out: number[] = [];
  let arg = 2;
  items.forEach((it, k) => {
    if (it.op === "x") return void out.push(0);
    if (it.op === "s" || it.op === "c") {
      const s = lauxlib.luaL_checklstring(L, arg++);
      const n = it.op === "c" && it.size > 0 ? it.size : s.length;
      charge(L, 8 * n);
      for (let i = 0; i < n; i++) out.push(s[i] ?? 0);
      if (it.op === "s") out.push(0);
      return;
    }
    const v = lauxlib.luaL_checknumber(L, arg++);
    const bytes: number[] = [];
    if (it.op === "f" || it.op === "d") {
      const dv = new DataView(new ArrayBuffer(it.size));
      if (it.size === 4) dv.setFloat32(0, v, true);
      else dv.setFloat64(0, v, true);
      for (let i = 0; i < it.size; i++) bytes.push(dv.getUint8(i));
    } else {
      let x = BigInt.asUintN(it.size * 8, BigInt(Math.trunc(v)));
      for (let i = 0; i < it.size; i++) {
        bytes.push(Number(x & 0xffn));
        x >>= 8n;
      }
    }
    if (!little[k]) bytes.reverse();
    out.push(...bytes);
  });
  lua.lua_pushstring(L, Uint8Array.from(out));
  return 1;
}

function unpack(L: LuaState): number {
  const { items, little } = parse(L, fmtArg(L));
  const data = lauxlib.luaL_checklstring(L, 2);
  let pos = lua.lua_type(L, 3) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, 3) - 1 : 0;
  lua.lua_settop(L, 2);
  let n = 0;
  items.forEach((it, k) => {
    if (it.op === "x") return void pos++;
    if (it.op === "s") {
      const end = data.indexOf(0, pos);
      if (end === -1) raiseHere(L, "unfinished string in data");
      lua.lua_pushstring(L, data.subarray(pos, end));
      pos = end + 1;
      n++;
      return;
    }
    if (pos + it.size > data.length) raiseHere(L, "data string too short");
    const bytes = Array.from(data.subarray(pos, pos + it.size));
    pos += it.size;
    if (it.op === "c") lua.lua_pushstring(L, Uint8Array.from(bytes));
    else {
      if (!little[k]) bytes.reverse();
      if (it.op === "f" || it.op === "d") {
        const dv = new DataView(Uint8Array.from(bytes).buffer);
        lua.lua_pushnumber(L, it.size === 4 ? dv.getFloat32(0, true) : dv.getFloat64(0, true));
      } else {
        let x = 0n;
        for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]!);
        const v = it.op === "int" ? BigInt.asIntN(it.size * 8, x) : x;
        lua.lua_pushnumber(L, Number(v));
      }
    }
    n++;
  });
  lua.lua_pushnumber(L, pos + 1);
  return n + 1;
}

function size(L: LuaState): number {
  const { items } = parse(L, fmtArg(L));
  let n = 0;
  for (const it of items) {
    if (it.op === "s") raiseHere(L, "options 's' has no fixed size");
    n += it.op === "x" ? 1 : it.size;
  }
  lua.lua_pushnumber(L, n);
  return 1;
}

/** Opens `struct` (pushes the table). */
export function openStruct(L: LuaState): number {
  lua.lua_createtable(L, 0, 3);
  setFunctions(L, { pack, unpack, size });
  void luaString;
  return 1;
}
