// Lua 5.1 numbers on fengari. Redis runs Lua 5.1, where every number is a double; fengari is Lua
// 5.3 with 32-bit integers, so `#t`, string lengths, `'2000000000' + '2000000000'`, hex strings
// and library results would wrap at 2^31 and print as integers. Before fengari's modules read one
// another's exports, this module replaces the few places numbers are born: integers are made as
// floats (literals, string coercion, `#`, library results), a float argument a library wants as an
// integer is truncated (5.1's cast, so `string.sub(s, 2.7)` works), `%` is 5.1's
// `a - floor(a/b)*b`, numbers print with "%.14g" as glibc does ("1e+20", "inf", "-nan"), and
// strings read as 5.1's strtod reads them (hex to 64 bits, "inf", "nan").

import { formatG } from "./format_g.ts";
import { patchBuffersAndTables, patchStrings } from "./script_memory.ts";

type Require = (id: string) => unknown;
// deno-lint-ignore no-explicit-any
type Module = Record<string, any>;

const FLOAT = 3; // LUA_TNUMFLT: LUA_TNUMBER | (0 << 4)
const INT = 19; // LUA_TNUMINT: LUA_TNUMBER | (1 << 4)
const negNaN = (() => {
  const b = new Float64Array([NaN]);
  new Uint8Array(b.buffer)[7]! |= 0x80;
  return b[0]!;
})();

/** What 5.1's strtod-based reading gives where fengari's differs: a hex integer, inf, nan. */
function strtod(s: Uint8Array): number | undefined {
  let i = 0, end = s.length;
  while (i < end && isSpace(s[i]!)) i++;
  while (end > i && isSpace(s[end - 1]!)) end--;
  let neg = false;
  if (s[i] === 45 || s[i] === 43) neg = s[i++] === 45;
  if (s[i] === 48 && (s[i + 1] === 120 || s[i + 1] === 88)) {
    let v = 0, j = i + 2;
    for (; j < end; j++) {
      const d = hexValue(s[j]!);
      if (d < 0) return undefined;
      v = v * 16 + d;
    }
    if (j === i + 2) return undefined;
    return neg ? -v : v;
  }
  let word = "";
  for (let j = i; j < end && j < i + 9; j++) word += String.fromCharCode(s[j]! | 0x20);
  if (i + word.length !== end) return undefined;
  if (word === "inf" || word === "infinity") return neg ? -Infinity : Infinity;
  if (word === "nan") return neg ? negNaN : NaN;
  return undefined;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  return c >= 97 && c <= 102 ? c - 87 : -1;
}

/**
 * Patches fengari's modules for Lua 5.1 numbers; must run before `require("fengari")` loads the
 * rest (the modules copy each other's exports when they load).
 */
export function patchFengari(req: Require): void {
  // fengari's own order of loading (its modules require one another in cycles).
  req("fengari/src/fengaricore.js");
  // Every pushed string is copied by luastring_from, which is Uint8Array.from: V8's iterator
  // path. slice() copies the same bytes several times faster (bench/scripting.ts).
  const defs = req("fengari/src/defs.js") as Module;
  const from = defs.luastring_from as (a: ArrayLike<number>) => Uint8Array;
  defs.luastring_from = (a: ArrayLike<number>) => a instanceof Uint8Array ? a.slice() : from(a);
  // Lua 5.1 names the nesting limit of calls through C "C stack overflow".
  const toLua = defs.to_luastring as (s: string, cache?: boolean) => Uint8Array;
  defs.to_luastring = (s: string, cache?: boolean) =>
    toLua(s === "JS stack overflow" ? "C stack overflow" : s, cache);
  const conf = req("fengari/src/luaconf.js") as Module;
  conf.lua_number2str = (n: number) => formatG(n, 14);
  const limits = req("fengari/src/llimits.js") as Module;
  // A script runs in a coroutine, whose resume counts one nested call that Redis's does not.
  limits.LUAI_MAXCCALLS = 201;
  limits.luai_nummod = (_L: unknown, a: number, b: number) => a - Math.floor(a / b) * b;
  patchStrings(req);
  const lapi = req("fengari/src/lapi.js") as Module;
  const lobject = req("fengari/src/lobject.js") as Module;
  lobject.TValue.prototype.setivalue = function (this: Module, x: number) {
    this.type = FLOAT;
    this.value = x;
  };
  const str2num = lobject.luaO_str2num as (s: Uint8Array, o: Module) => number;
  lobject.luaO_str2num = (s: Uint8Array, o: Module): number => {
    const r = str2num(s, o);
    // Hex integers wrap at 32 bits in fengari; inf and nan it refuses.
    if (
      r !== 0 && !(s.length > 1 && (s[1] === 120 || s[1] === 88 || s[2] === 120 || s[2] === 88))
    ) {
      return r;
    }
    const v = strtod(s);
    if (v === undefined) return r;
    o.type = FLOAT;
    o.value = v;
    return s.length + 1;
  };
  // A number's text (tostring, `..`) written straight into bytes: it is ASCII.
  const lstring = req("fengari/src/lstring.js") as Module;
  const TString = lstring.TString as new (L: unknown, b: Uint8Array) => unknown;
  lobject.luaO_tostring = (L: unknown, obj: Module): void => {
    const text = formatG(obj.value as number, 14);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    obj.setsvalue(new TString(L, bytes));
  };
  const ltable = req("fengari/src/ltable.js") as Module;
  const next = ltable.luaH_next as (L: Module, t: unknown, k: number) => boolean;
  ltable.luaH_next = (L: Module, t: unknown, keyI: number): boolean => {
    const more = next(L, t, keyI);
    const key = L.stack[keyI];
    if (more && key.type === INT) key.type = FLOAT;
    return more;
  };
  const pushnumber = lapi.lua_pushnumber as (L: unknown, n: number) => void;
  lapi.lua_pushinteger = pushnumber;
  const tonumberx = lapi.lua_tonumberx as (L: unknown, i: number) => number | false;
  const tointegerx = (L: unknown, i: number): number | false => {
    const n = tonumberx(L, i);
    if (n === false) return false;
    return Number.isFinite(n) ? Math.trunc(n) : -9223372036854775808;
  };
  lapi.lua_tointegerx = tointegerx;
  lapi.lua_tointeger = (L: unknown, i: number): number => tointegerx(L, i) || 0;
  patchBuffersAndTables(req);
}
