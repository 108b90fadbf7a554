// Lua recursion is bounded as in Redis 7.0 (Lua 5.1), byte for byte against redis-server
// (tests/_diff.ts): deep recursion ends in "stack overflow", calls nested through C (pcall,
// string.gsub callbacks, __index functions) in "C stack overflow" at the same depth, both in a
// script that runs alone and inside EXEC (where it cannot yield).

import { diffTest, script } from "./_diff.ts";

const CASES = [
  `"local function f(n) return 1 + f(n + 1) end return f(1)"`,
  `"local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(10000)"`,
  `"local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(100000)"`,
  `"local depth = 0 local function f() depth = depth + 1 pcall(f) end f() return depth"`,
  `"local function f(n) local ok, e = pcall(f, n + 1) return e end return f(1)"`,
  `"local function f(n) local ok, e = pcall(f, n + 1) if ok then return e end return e end return f(1)"`,
  `"local d = 0 local function f() d = d + 1 string.gsub('a', 'a', f) end pcall(f) return d"`,
  `"local function f(n) return string.gsub('a', 'a', function() return f(n + 1) end) end return f(1)"`,
  `"local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end}) return t[1]"`,
  `"local depth = 0 local t = setmetatable({}, {__index = function(t, k) depth = depth + 1 ` +
  `pcall(function() return t[k + 1] end) return depth end}) return t[1]"`,
];

diffTest(
  "Lua recursion bounded as in Redis 7.0",
  {
    "a script alone": script`${CASES.map((c) => `EVAL ${c} 0`).join("\n")}
    PING
  `,
    "inside EXEC": script`MULTI
    ${CASES.map((c) => `EVAL ${c} 0`).join("\n")}
    EXEC
    PING
  `,
  },
  [],
  [],
  { resp: [2] },
);
