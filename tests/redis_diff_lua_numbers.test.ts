// Lua 5.1's numbers, on fengari: every number a double, as in the Lua of redis-server 7.0.15.
// Each case runs on both servers and the replies must match byte for byte (tests/_diff.ts), in
// RESP2 and RESP3: values seen as text (tostring, `..`, "%.14g" as glibc prints it) and as the
// integer reply Redis makes of a number; string coercion of millisecond timestamps, `#`, library
// positions and lengths past 2^31, hex and inf/nan strings, `%` and the math library, cjson,
// cmsgpack, struct and bit with large numbers; and the parser's wording of common syntax errors.

import { diffTest, script } from "./_diff.ts";

diffTest("Lua numbers behave as Lua 5.1 in Redis", {
  "tostring and concatenation print %.14g": script`
    EVAL "return tostring(0/0)" 0
    EVAL "return tostring(-(0/0))" 0
    EVAL "return tostring(1/0) .. ' ' .. tostring(-1/0) .. ' ' .. tostring(1e300*1e10)" 0
    EVAL "return tostring(-0)" 0
    EVAL "return tostring(1e20) .. ' ' .. tostring(1e15) .. ' ' .. tostring(0.1)" 0
    EVAL "return tostring(2^53) .. ' ' .. tostring(2^63) .. ' ' .. tostring(-2^63)" 0
    EVAL "return tostring(123456789012345678) .. ' ' .. tostring(123456789012345)" 0
    EVAL "return tostring(12345678901234) .. ' ' .. tostring(1e100) .. ' ' .. tostring(10 / 3)" 0
    EVAL "return tostring(-1e-5) .. ' ' .. tostring(1e-4) .. ' ' .. tostring(2^0.5)" 0
    EVAL "return tostring(math.huge) .. tostring(-math.huge)" 0
    EVAL "return 1700000000000 .. ''" 0
    EVAL "return table.concat({1, 2.5, 1e20}, ',')" 0
    EVAL "return string.format('%d', 3e10)" 0
    EVAL "return string.format('%d %i %c', -3.7, 2^31, 65.9)" 0
    EVAL "return string.format('%5.2f|%g|%x|%X|%o|%e', 3.14159, 1e20, 255, 3e9, 8, 12345.678)" 0
    EVAL "return string.format('[%10.3e] [%-8g] [%+g] [% g] [%08.3f] [%#x] [%#o] [%5x] [%-5X|] [%.3x] [%G] [%E]', 12345.678, 0.5, 3, 3, -3.14159, 255, 8, 255, 255, 5, 1e-10, 1e300)" 0
    EVAL "return string.format('%g %g %g %g %g %.3g %.10g %g', 100000, 1000000, 1e-4, 1e-5, 0/0, 2/3, 2/3, -1/0)" 0
    EVAL "return string.format('%x %X %o %x', -1, -255, -8, 2^32 + 15)" 0
    EVAL "return string.format('%g|%5.1s|%x', '12.5', 'abc', '255')" 0
  `,
  "strings coerced by arithmetic are doubles": script`
    EVAL "return tostring(ARGV[1] + 1)" 0 1700000000000
    EVAL "return ARGV[1] + 1" 0 1700000000000
    EVAL "return ARGV[1] - ARGV[2]" 0 1700000000000 1699999999000
    EVAL "return tostring('2000000000' + '2000000000')" 0
    EVAL "return '2000000000' * '3'" 0
    EVAL "return tostring(tonumber('0xFFFFFFFF')) .. ' ' .. tostring(tonumber('-0x10'))" 0
    EVAL "return tostring(tonumber('0xffffffffff')) .. ' ' .. tostring(0xffffffffff)" 0
    EVAL "return tostring(tonumber('1e3')) .. ' ' .. tostring(tonumber('0x1p4'))" 0
    EVAL "return tostring(tonumber('inf')) .. ' ' .. tostring(tonumber('nan'))" 0
    EVAL "return tostring(tonumber('  12  ')) .. ' ' .. tostring(tonumber('1e'))" 0
    EVAL "return tostring(tonumber('ff', 16) * 2^40)" 0
    EVAL "return tostring(0x7fffffff + 0x7fffffff)" 0
    EVAL "return tonumber(ARGV[1]) * 1000 + 999" 0 1700000000
  `,
  "lengths, positions and counters past 2^31": script`
    EVAL "local t = {} t[1]=1 t[2]=2 return tostring(#t * 2^40)" 0
    EVAL "return tostring(string.len('abc') * 2^40)" 0
    EVAL "return #'abc' * 1e9" 0
    EVAL "return tostring(select('#', 1, 2) * 2^40)" 0
    EVAL "return tostring(string.find('hello', 'l') * 2^40)" 0
    EVAL "return tostring(string.byte('a') * 2^40)" 0
    EVAL "local s = 0 for i = 2147483640, 2147483650 do s = i end return tostring(s)" 0
    EVAL "local s = 0 for i = 2147483640, 2147483650 do s = i end return s" 0
    EVAL "local t = {} for i = 1, 100000 do t[i] = i end local k = 0 for a in pairs(t) do k = a end return k * k * k" 0
    EVAL "local n = 0 for i, v in ipairs({1, 2, 3}) do n = i end return n * 2^40" 0
  `,
  "library arguments are truncated as 5.1 does": script`
    EVAL "return string.sub('abcdef', 2.7)" 0
    EVAL "return string.sub('abcdef', -2.7)" 0
    EVAL "return string.rep('ab', 2.9)" 0
    EVAL "return string.rep('x', 3, ',')" 0
    EVAL "return string.byte('abc', 1.9)" 0
    EVAL "local t = {} for i = 1, 3 do t[i] = i end table.insert(t, 2.5, 'x') return t" 0
    EVAL "local t = {1, 2, 3} table.remove(t, 1.5) return t" 0
    EVAL "return unpack({1, 2, 3})" 0
    EVAL "return string.sub('abcdef', 2, 3e10) .. string.sub('abcdef', -3e10, 2)" 0
    EVAL "return {string.byte('abc', -1e10, 1e10)}" 0
    EVAL "return string.rep('x', -1) .. '|' .. string.rep('x', 0)" 0
    EVAL "local t = {1, 2} table.insert(t, 5, 'x') return {t[5], #t}" 0
    EVAL "local t = {1, 2} table.insert(t, 0, 'x') return {t[0], t[1], t[2], t[3]}" 0
    EVAL "local t = {1, 2, 3} table.insert(t, 2, 'x') return t" 0
    EVAL "local t = {1, 2, 3} return {table.remove(t, 1e10), table.remove(t, 1), t[1], t[2], #t}" 0
    EVAL "local t = {1, 2, 3} return {table.remove(t), #t, table.remove({})}" 0
    EVAL "return table.insert(nil, 1)" 0
    EVAL "return table.insert({}, 1, 2, 3)" 0
  `,
  "operators and the math library": script`
    EVAL "return tostring(5 % math.huge) .. ' ' .. tostring(-5 % math.huge)" 0
    EVAL "return tostring(5.5 % -2) .. ' ' .. tostring(-7 % 3) .. ' ' .. tostring(7 % -3)" 0
    EVAL "return 3e10 % 7" 0
    EVAL "return tostring(math.fmod(5.5, 2)) .. ' ' .. tostring(math.fmod(-5.5, 2)) .. ' ' .. tostring(math.fmod(3e10, 7))" 0
    EVAL "return {math.modf(-0.5)}" 0
    EVAL "return tostring(2^1024) .. ' ' .. tostring(-2^1024) .. ' ' .. tostring(0/0 == 0/0)" 0
    EVAL "return tostring(1e14) .. ' ' .. tostring(1e14 - 1) .. ' ' .. tostring(99999999999999.9)" 0
    EVAL "return tostring(0.1 + 0.2) .. ' ' .. tostring(1/3) .. ' ' .. tostring(-1/3)" 0
    EVAL "return tostring(math.floor(3e10 + 0.5)) .. ' ' .. tostring(math.ceil(-0.5))" 0
    EVAL "return math.floor(-3e10 - 0.5)" 0
    EVAL "return tostring(math.fmod(-7, 3)) .. ' ' .. tostring(math.modf(-3.7))" 0
    EVAL "return tostring(math.max(3e10, 1)) .. tostring(math.min(-3e10, 1)) .. tostring(math.abs(-3e10))" 0
    EVAL "return 2^40 + 2^40" 0
    EVAL "return 3000000000 * 3" 0
    EVAL "return -2^31 - 1" 0
    EVAL "local a, b = math.frexp(ARGV[1]) local c, d = math.frexp(0.5) return tostring(a) .. ' ' .. b .. ' ' .. c .. ' ' .. d" 0 1700000000000.5
    EVAL "return math.frexp({})" 0
    EVAL "return tostring(math.atan2(1, 2))" 0
    EVAL "local r = {} for _, t in ipairs({math, table, string}) do local q = {} for k in pairs(t) do q[#q + 1] = k end table.sort(q) r[#r + 1] = table.concat(q, ' ') end return r" 0
  `,
  "numbers as replies": script`
    EVAL "return {1e15, 2^53, 2^63, -2^63, 3.99, -3.99, 1/0, 0/0}" 0
    EVAL "return {ARGV[1] + 0, -ARGV[1]}" 0 1700000000000
    EVAL "return {double=ARGV[1] + 0.5}" 0 1700000000000
    EVAL "return redis.call('incrby', KEYS[1], ARGV[1]) + 1" 1 {n}ts 1700000000000
    EVAL "redis.call('set', KEYS[1], ARGV[1] + 1) return redis.call('get', KEYS[1])" 1 {n}ts2 1700000000000
    EVAL "redis.call('zadd', KEYS[1], ARGV[1] + 5, 'm') return redis.call('zscore', KEYS[1], 'm')" 1 {n}z 1700000000000
  `,
  "cjson, cmsgpack, struct and bit with large numbers": script`
    EVAL "return cjson.encode({1700000000000, 1e20, 0.1, ARGV[1] + 1})" 0 1700000000000
    EVAL "return cjson.decode('[1700000000000]')[1] + 1" 0
    EVAL "return cjson.decode('{\"a\":1e400}').a" 0
    EVAL "return tostring(cjson.decode('[0.1]')[1])" 0
    EVAL "return cmsgpack.pack(1700000000000)" 0
    EVAL "return cmsgpack.pack(-1700000000000)" 0
    EVAL "return cmsgpack.pack(ARGV[1] + 0)" 0 1700000000000
    EVAL "return cmsgpack.pack(2^64, 2^63, 0.5, 2^31, -2^31 - 1, 4294967296)" 0
    EVAL "return cmsgpack.unpack(cmsgpack.pack(1700000000000)) + 1" 0
    EVAL "return struct.pack('>i8', 1700000000000)" 0
    EVAL "return struct.unpack('>i8', struct.pack('>i8', 1700000000000))" 0
    EVAL "return struct.pack('>I4', 4294967295)" 0
    EVAL "return struct.pack('<i4', 2^31 + 5) .. struct.pack('<I8', 2^53 + 2) .. struct.pack('<d', 1700000000000)" 0
    EVAL "return cjson.encode({-0.0, 1e14, 123456789012345, 0.1 + 0.2})" 0
    EVAL "return cmsgpack.pack(1e14, -0.5, 2^53, -2^53, 2^31 - 0.5)" 0
    EVAL "return {bit.tobit(-2^31 - 1), bit.band(-1, 2^32 - 1), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(2^31 + 1, 1), bit.bswap(0x12345678)}" 0
    EVAL "return {bit.band(2^40 + 5, 7), bit.tobit(2^32 + 1), bit.tobit(2^31), bit.bnot(0)}" 0
    EVAL "return {bit.lshift(1, 40), bit.tohex(2^40 + 255), bit.bor(ARGV[1], 0)}" 0 1700000000000
  `,
  "syntax errors worded as Lua 5.1": script`
    EVAL "local x = 1 error" 0
    EVAL "x y" 0
    EVAL "x.y.z" 0
    EVAL "x = = 1" 0
    EVAL "return 1 +" 0
    EVAL "return [[abc" 0
    EVAL "for i, in pairs(t) do end" 0
    EVAL "local function 1() end" 0
    EVAL "return 1 end" 0
    EVAL "local = 1" 0
    EVAL "return 1 2" 0
    EVAL "f() = 1" 0
    EVAL "if x then" 0
    EVAL "return 'abc" 0
    EVAL "for i = 1 do end" 0
    EVAL "local function f() return 1 end end" 0
    FUNCTION LOAD "#!lua name=bad\nx y"
  `,
});
