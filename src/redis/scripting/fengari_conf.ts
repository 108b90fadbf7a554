// fengari reads its build settings from the FENGARICONF environment variable when it is first
// loaded, so this module sets them and must be imported before fengari (engine.ts does). Floats
// with an integral value print as Lua 5.1 prints them ("3", not 5.3's "3.0"), and the Lua stack
// is bounded so runaway recursion ends in a Lua error ("stack overflow").

try {
  Deno.env.set(
    "FENGARICONF",
    JSON.stringify({ LUA_COMPAT_FLOATSTRING: true, LUAI_MAXSTACK: 200000 }),
  );
} catch {
  // Without --allow-env fengari keeps its defaults (5.3's float formatting).
}
