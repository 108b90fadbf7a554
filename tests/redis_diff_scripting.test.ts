// EVAL, EVALSHA, EVAL_RO, SCRIPT and the Lua API, replayed on a real redis-server and on
// tokserver redis: every reply byte for byte the same (tests/_diff.ts), in RESP2 and RESP3.
// Conversions both ways, Redis's error texts (user_script:1:, script: <sha>, on @user_script:N.),
// cjson and cmsgpack round trips, bit and struct, EVAL inside MULTI and WATCH with EVAL.

import { diffTest, script } from "./_diff.ts";

diffTest("scripts answer as Redis 7 does", {
  "conversions from Lua to replies": script`
    EVAL "return 1" 0
    EVAL "return 'hello'" 0
    EVAL "return {1, 2.9, -2.9, 'a', false, true, nil, 5}" 0
    EVAL "return {1, {2, {'a', {}}}, 'x'}" 0
    EVAL "return true" 0
    EVAL "return false" 0
    EVAL "return nil" 0
    EVAL "return 3.99" 0
    EVAL "return -0.5" 0
    EVAL "return {ok='fine'}" 0
    EVAL "return {err='plain'}" 0
    EVAL "return {err='-CODE with dash'}" 0
    EVAL "return {1, {err='inner'}, 3}" 0
    EVAL "return redis.status_reply('fine')" 0
    EVAL "return redis.error_reply('x y')" 0
    EVAL "return redis.error_reply('plain')" 0
    EVAL "return redis.error_reply('-WRONG thing')" 0
    EVAL "return {math.huge, -math.huge}" 0
    EVAL "return 2^53" 0
    EVAL "return KEYS[1] .. ARGV[1] .. #KEYS .. #ARGV" 1 k a b
    EVAL "return {KEYS, ARGV}" 2 k1 k2 a1
    EVAL "return tostring(6/2) .. ' ' .. 7/2 .. ' ' .. 10/3" 0
    EVAL "return tonumber('12') + 1" 0
    EVAL "return {double=3.5}" 0
    EVAL "return {big_number='123456789012345678901234567890'}" 0
    EVAL "return {set={a=true}}" 0
    EVAL "return {map={a=1}}" 0
  `,
  "numbers are doubles, as in Lua 5.1": script`
    EVAL "return 2147483647 + 1" 0
    EVAL "return 5000 * 1000000" 0
    EVAL "return 0x10 * 0x100000" 0
    EVAL "local s = 0 for i = 1, 100000 do s = s + i end return s" 0
    EVAL "return tostring(2^31) .. ' ' .. tostring(5000 * 1000000) .. ' ' .. 10 / 4" 0
    EVAL "return '1732900000' * 1000" 0
    EVAL "return ARGV[1] * 1000" 0 1732900000123
    EVAL "return tonumber(ARGV[1]) * 3" 0 3000000000
    EVAL "return #'abc' * 1000000000" 0
    EVAL "return string.format('%d', 3000000000)" 0
    EVAL "return {math.floor(7 / 2), 7 % 3, -7 % 3, 2^10}" 0
    EVAL "local t = {} t[1] = 'a' t[2.0] = 'b' return t" 0
    EVAL "return redis.call('incrby', KEYS[1], 3000000000) + 1" 1 bignum
  `,
  "conversions from replies to Lua": script`
    FLUSHALL
    SET s hello
    RPUSH l a b c
    HSET h f v
    EVAL "return redis.call('get', 's')" 0
    EVAL "return type(redis.call('get', 'nokey'))" 0
    EVAL "return redis.call('get', 'nokey')" 0
    EVAL "return redis.call('incr', 'n')" 0
    EVAL "return redis.call('set', 'x', 1)" 0
    EVAL "return redis.call('set', 'x', 1)['ok']" 0
    EVAL "return redis.call('lrange', 'l', 0, -1)" 0
    EVAL "return redis.call('hgetall', 'h')" 0
    EVAL "return redis.pcall('incr', 's')" 0
    EVAL "return redis.pcall('incr', 's')['err']" 0
    EVAL "redis.call('set', 'z', 0.1) return redis.call('get', 'z')" 0
    EVAL "redis.call('set', 'z', 123456789012) return redis.call('get', 'z')" 0
    EVAL "redis.call('set', 'z', 1.5) return redis.call('get', 'z')" 0
    EVAL "return redis.call('ping')" 0
    EVAL "redis.setresp(3) return redis.call('hgetall', 'h')" 0
    EVAL "redis.setresp(3) return redis.call('get', 'nokey')" 0
    EVAL "redis.setresp(3) return type(redis.call('get', 'nokey'))" 0
    EVAL "redis.setresp(3) return redis.call('hgetall', 'nokey')" 0
    EVAL "redis.setresp(3) return redis.call('exists', 's')" 0
    EVAL "return redis.call('incrby', 'big', 5000000000) * 2" 0
    EVAL "return redis.call('select', 5)" 0
    GET s
  `,
  "errors": script`
    FLUSHALL
    SET s x
    EVAL "return redis.call('incr','s')" 0
    EVAL "return redis.call('nosuch')" 0
    EVAL "return redis.call()" 0
    EVAL "return redis.call('get')" 0
    EVAL "return redis.call('set', {}, 1)" 0
    EVAL "return redis.call('blpop', 'q', 0)" 0
    EVAL "return redis.call('multi')" 0
    EVAL "return foo" 0
    EVAL "foo = 1" 0
    EVAL "error('boom')" 0
    EVAL "error({err='MY custom'})" 0
    EVAL "local t = nil; return t.x" 0
    EVAL "\n\nreturn redis.call('incr','s')" 0
    EVAL "return 1" -1
    EVAL "return 1" x
    EVAL "return 1" 2 a
    EVAL "return 1"
    EVALSHA 0000 0
    EVALSHA abcdefabcdefabcdefabcdefabcdefabcdefabcd 0
    EVAL_RO "return redis.call('set','a','1')" 0
    EVAL_RO "return redis.call('get','s')" 0
    EVAL "#!lua flags=no-writes\nreturn redis.call('set','a',1)" 0
    EVAL "#!lua\nreturn redis.call('set','a',1)" 0
    EVAL "#!lua flags=no-writes,bad\nreturn 1" 0
    EVAL "#!py\nreturn 1" 0
    EVAL "#!lua name=x\nreturn 1" 0
    EVAL "return redis.setresp(4)" 0
    EVAL "return print" 0
    EVAL "return os.time()" 0
    EVAL "return loadfile" 0
    EVAL "return cjson.encode(function() end)" 0
  `,
  "the Lua 5.1 library": script`
    EVAL "return unpack({1, 2})" 0
    EVAL "return table.getn({1, 2, 3})" 0
    EVAL "return type(loadstring)" 0
    EVAL "return loadstring('return 7')()" 0
    EVAL "return math.mod(7, 3)" 0
    EVAL "return string.format('%d %s %5.2f', 3, 'x', 1.5)" 0
    EVAL "return string.rep('ab', 3)" 0
    EVAL "return table.concat({1, 2, 3}, ',')" 0
    EVAL "local t = {3, 1, 2}; table.sort(t); return t" 0
    EVAL "return {string.byte('A'), string.char(66), string.upper('c'), string.sub('hello', 2, 3)}" 0
    EVAL "return {string.find('hello', 'l'), string.match('k:12', '%d+'), (string.gsub('a-b', '-', '+'))}" 0
    EVAL "return {math.floor(3.7), math.ceil(3.2), math.abs(-4), math.max(1, 5, 3), math.min(2, 0)}" 0
    EVAL "return {tonumber('0x10'), tonumber('z', 36), tonumber('nope') == nil, tostring(12)}" 0
    EVAL "local ok, e = pcall(error, 'x') return {tostring(ok), e}" 0
    EVAL "return select('#', 1, 2, 3)" 0
    EVAL "return coroutine.wrap(function() coroutine.yield(5) end)()" 0
    EVAL "local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end) local _, x = coroutine.resume(co, 1) local _, y = coroutine.resume(co, 10) return {x, y, coroutine.status(co)}" 0
    EVAL "local function f(n) return f(n + 1) + 1 end return f(1)" 0
    EVAL "local t = {} local c = t for i = 1, 2000 do c[1] = {} c = c[1] end return t" 0
    EVAL "return type(redis.sha1hex)" 0
    EVAL "return redis.sha1hex('')" 0
    EVAL "return redis.sha1hex('hello')" 0
    EVAL "return redis.REDIS_VERSION" 0
    EVAL "return redis.REDIS_VERSION_NUM" 0
    EVAL "return redis.breakpoint()" 0
    EVAL "redis.log(redis.LOG_WARNING, 'from a script') return 1" 0
    EVAL "return redis.log(redis.LOG_WARNING)" 0
    EVAL "redis.set_repl(redis.REPL_ALL) return redis.REPL_AOF" 0
  `,
  "cjson, cmsgpack, bit and struct": script`
    EVAL "return cjson.encode({1, 2, {a = 1}})" 0
    EVAL "return cjson.encode({a = 1.5})" 0
    EVAL "return cjson.encode('a/b\"\\n')" 0
    EVAL "return cjson.encode(1/3)" 0
    EVAL "return cjson.encode({})" 0
    EVAL "return cjson.encode({1, nil, 3})" 0
    EVAL "return cjson.encode({['1'] = 1})" 0
    EVAL "return cjson.encode(true)" 0
    EVAL "return cjson.decode('[1,2,null]')[3] == cjson.null" 0
    EVAL "local t = cjson.decode(ARGV[1]) return {t.name, t.n, t.list[2], tostring(t.ok)}" 0 "{\"name\":\"job\",\"n\":42,\"list\":[1,2],\"ok\":true}"
    EVAL "return cjson.encode(cjson.decode(ARGV[1]))" 0 "[1,\"two\",[3],{\"k\":\"v\"}]"
    EVAL "return cjson.decode('3.25') * 2" 0
    EVAL "return cmsgpack.pack({1, 2, 'a'})" 0
    EVAL "return cmsgpack.pack(1, -1, 200, -200, 70000, 5000000000, 1.5, 0.1, true, false, 'x')" 0
    EVAL "return cmsgpack.pack(string.rep('a', 40))" 0
    EVAL "return cmsgpack.pack({k = 'v'})" 0
    EVAL "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}, {k = 'v'}))}" 0
    EVAL "local t = cmsgpack.unpack(ARGV[1]) return {t[1], t[2]}" 0 "\x92\x01\xa2hi"
    EVAL "return {bit.band(7, 3), bit.bor(1, 2), bit.bxor(5, 1), bit.bnot(0), bit.lshift(1, 4), bit.rshift(-1, 28), bit.arshift(-16, 2), bit.tohex(255), bit.tobit(4294967297)}" 0
    EVAL "return struct.pack('>I2', 258)" 0
    EVAL "return {struct.unpack('<i4', struct.pack('<i4', -5))}" 0
    EVAL "return struct.size('>i4I2')" 0
  `,
  "SCRIPT subcommands and EVALSHA": script`
    SCRIPT FLUSH
    SCRIPT LOAD "return 'loaded'"
    SCRIPT EXISTS 8d6d25ca8a11f8bb01b34acf6ae2e15c1f8d2ae0 0000
    EVALSHA 8d6d25ca8a11f8bb01b34acf6ae2e15c1f8d2ae0 0
    EVALSHA 8D6D25CA8A11F8BB01B34ACF6AE2E15C1F8D2AE0 0
    EVALSHA_RO 8d6d25ca8a11f8bb01b34acf6ae2e15c1f8d2ae0 0
    EVAL "return 'cached by eval'" 0
    SCRIPT EXISTS 5c1e6d89d1ebf7b4e34ba33c4d3a14d2de9a9e4f
    SCRIPT LOAD "return ("
    SCRIPT FLUSH ASYNC
    SCRIPT EXISTS 8d6d25ca8a11f8bb01b34acf6ae2e15c1f8d2ae0
    SCRIPT FLUSH SYNC
    SCRIPT FLUSH bad
    SCRIPT KILL
    SCRIPT DEBUG maybe
    SCRIPT DEBUG no
    SCRIPT HELP
    SCRIPT nosuch
    SCRIPT LOAD
    SCRIPT EXISTS
  `,
  "EVAL inside MULTI, WATCH with EVAL": script`
    FLUSHALL
    MULTI
    EVAL "return redis.call('incr', KEYS[1])" 1 n
    EVAL "return redis.call('incr', KEYS[1])" 1 n
    EXEC
    WATCH w
    @client=1 EVAL "return redis.call('set', KEYS[1], 'changed')" 1 w
    MULTI
    GET w
    EXEC
    WATCH w
    EVAL "return redis.call('get', KEYS[1])" 1 w
    MULTI
    GET w
    EXEC
  `,
});
