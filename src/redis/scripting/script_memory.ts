// A script's memory is bounded. fengari's strings are Uint8Arrays outside V8's heap cap, so a
// script doubling a string (`s = s .. s` forty times) or keeping a table of big strings would
// grow the process until the kernel kills it, dropping every client. Every Lua string a run
// makes (fengari's luaS_bless and luaS_new, the auxiliary library's buffers behind string.rep,
// table.concat, string.format and gsub, the encoders of cjson, cmsgpack and struct) and every new
// table entry is charged here; each time a run has been charged STEP bytes, the process's memory
// is measured after a collection, and a run holding more than SCRIPT_MEMORY_LIMIT gets Lua's own
// "not enough memory" error. Outside a run nothing is measured (one subtraction per string).

/** The most one script run may hold (bytes): room for a table of a million short strings. */
export const SCRIPT_MEMORY_LIMIT = 384 * 1024 * 1024;
/** Bytes charged between two measurements. */
const STEP = 32 * 1024 * 1024;
/** The least charged before the next measurement, so a run near the limit is not collected for every string. */
const MIN_STEP = 4 * 1024 * 1024;
/** What one new table entry costs, about (a Map entry, two TValues, the entry object). */
const TABLE_ENTRY = 96;
const LUA_ERRMEM = 4;

/** Bytes that may still be charged before the next measurement; Infinity outside a run. */
let left = Infinity;
/** The process's memory without the run's (after a collection), once measured; -1 before. */
let base = -1;
/** The run passed the limit: its garbage is collected when it ends. */
let exceeded = false;

type Throw = (L: unknown, status: number) => never;
let luaThrow: Throw = () => {
  throw new Error("the Lua engine is not loaded");
};

/** A run's accounting, kept while it waits for its next turn (a busy script). */
export interface MemoryState {
  left: number;
  base: number;
}

/** Starts accounting for one run (EVAL, FCALL, a library's body). */
export function beginRun(): void {
  left = STEP;
  base = -1;
}

/** Ends the run's accounting; a run that passed the limit has its garbage collected now. */
export function endRun(): void {
  left = Infinity;
  base = -1;
  if (exceeded) {
    exceeded = false;
    collect();
  }
}

/** Sets the running run's accounting aside (it yielded) and returns it. */
export function suspendRun(): MemoryState {
  const s = { left, base };
  left = Infinity;
  base = -1;
  return s;
}

/** Brings a yielded run's accounting back. */
export function resumeRun(s: MemoryState): void {
  left = s.left;
  base = s.base;
}

/** Charges `n` bytes to the running run; `L` (the Lua state) raises the error, when given. */
export function charge(L: unknown, n: number): void {
  if ((left -= n) < 0) measure(L, n);
}

function measure(L: unknown, n: number): void {
  if (L === null || L === undefined) return;
  if (n > SCRIPT_MEMORY_LIMIT) fail(L);
  // The first measurement of a run collects, and takes what the run was charged so far as its
  // own; later ones collect only when the garbage may be what passes the limit.
  if (base < 0) {
    const charged = STEP - left - n;
    collect();
    base = heldNow() - Math.max(0, charged);
  }
  let used = heldNow() - base + n;
  if (used > SCRIPT_MEMORY_LIMIT) {
    collect();
    used = heldNow() - base + n;
    if (used > SCRIPT_MEMORY_LIMIT) fail(L);
  }
  left = Math.max(Math.min(STEP, SCRIPT_MEMORY_LIMIT - used), MIN_STEP);
}

/** The process's JS heap in use and its memory outside the heap (the Uint8Arrays). */
function heldNow(): number {
  const m = Deno.memoryUsage();
  return m.external + m.heapUsed;
}

function fail(L: unknown): never {
  exceeded = true;
  left = MIN_STEP;
  return luaThrow(L, LUA_ERRMEM);
}

let gc: (() => void) | null | undefined;

/** A full collection: V8's gc when exposed (src/v8_flags.txt), else exposed on first use. */
function collect(): void {
  if (gc === undefined) {
    gc = (globalThis as { gc?: () => void }).gc ?? null;
    if (gc === null) {
      try {
        const proc = (globalThis as unknown as {
          process: { getBuiltinModule(id: string): unknown };
        }).process;
        const v8 = proc.getBuiltinModule("v8") as { setFlagsFromString(f: string): void };
        const vm = proc.getBuiltinModule("vm") as { runInNewContext(code: string): () => void };
        v8.setFlagsFromString("--expose-gc");
        gc = vm.runInNewContext("gc");
      } catch {
        gc = null;
      }
    }
  }
  gc?.();
}

type Require = (id: string) => unknown;
// deno-lint-ignore no-explicit-any
type Module = Record<string, any>;

/**
 * Charges fengari's string creation; must run before fengari's other modules load (they copy
 * lstring's exports when they load).
 */
export function patchStrings(req: Require): void {
  const lstring = req("fengari/src/lstring.js") as Module;
  const defs = req("fengari/src/defs.js") as Module;
  const TString = lstring.TString as new (L: unknown, b: Uint8Array) => unknown;
  const from = defs.luastring_from as (a: unknown) => Uint8Array;
  const bless = (L: unknown, str: Uint8Array): unknown => {
    if ((left -= str.length) < 0) measure(L, str.length);
    return new TString(L, str);
  };
  lstring.luaS_bless = bless;
  // A function, not an arrow: ltm.js calls it with `new`.
  lstring.luaS_new = function (L: unknown, str: unknown) {
    return bless(L, from(str));
  };
}

/**
 * Charges the auxiliary library's buffers and new table entries, and takes Lua's error thrower;
 * must run after the other patches and before the standard libraries load.
 */
export function patchBuffersAndTables(req: Require): void {
  const ldo = req("fengari/src/ldo.js") as Module;
  luaThrow = ldo.luaD_throw as Throw;
  const lauxlib = req("fengari/src/lauxlib.js") as Module;
  type Buffer = { L: unknown; n: number };
  for (const name of ["luaL_addlstring", "luaL_addstring", "luaL_addvalue", "luaL_addchar"]) {
    const f = lauxlib[name] as (B: Buffer, ...a: unknown[]) => void;
    lauxlib[name] = (B: Buffer, ...a: unknown[]) => {
      const n = B.n;
      f(B, ...a);
      if ((left -= B.n - n) < 0) measure(B.L, 0);
    };
  }
  const prep = lauxlib.luaL_prepbuffsize as (B: Buffer, sz: number) => Uint8Array;
  lauxlib.luaL_prepbuffsize = (B: Buffer, sz: number) => {
    if ((left -= sz) < 0) measure(B.L, sz);
    return prep(B, sz);
  };
  const initsize = lauxlib.luaL_buffinitsize as (L: unknown, B: Buffer, sz: number) => Uint8Array;
  lauxlib.luaL_buffinitsize = (L: unknown, B: Buffer, sz: number) => {
    if ((left -= sz) < 0) measure(L, sz);
    return initsize(L, B, sz);
  };
  const ltable = req("fengari/src/ltable.js") as Module;
  type Table = { strong: Map<unknown, unknown> };
  const setint = ltable.luaH_setint as (t: Table, k: number, v: unknown) => void;
  ltable.luaH_setint = (t: Table, k: number, v: unknown) => {
    const n = t.strong.size;
    setint(t, k, v);
    if (t.strong.size > n && (left -= TABLE_ENTRY) < 0) measure(null, 0);
  };
  const setfrom = ltable.luaH_setfrom as (L: unknown, t: Table, k: unknown, v: unknown) => void;
  ltable.luaH_setfrom = (L: unknown, t: Table, k: unknown, v: unknown) => {
    const n = t.strong.size;
    setfrom(L, t, k, v);
    if (t.strong.size > n && (left -= TABLE_ENTRY) < 0) measure(L, 0);
  };
}
