// FUNCTION and FCALL replayed on a real redis-server and on tokserver redis, byte for byte
// (tests/_diff.ts): loading libraries and their errors, the reduced environment while loading,
// FCALL and FCALL_RO, LIST, STATS, DELETE, FLUSH, and DUMP/RESTORE moving libraries between the
// two servers in both directions.

import { diffTest, RawConn, script, startPair } from "./_diff.ts";
import { assertEquals, which } from "./_util.ts";

const LIB1 = `"#!lua name=lib1\\n` +
  `redis.register_function('f1', function(keys, args) return {keys, args} end)\\n` +
  `redis.register_function{function_name='f2', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}\\n` +
  `redis.register_function('incr2', function(keys) redis.call('incr', keys[1]) return redis.call('incr', keys[1]) end)"`;

diffTest("functions answer as Redis 7 does", {
  "FUNCTION LOAD and its errors": script`
    FUNCTION FLUSH
    FUNCTION LOAD "return 1"
    FUNCTION LOAD "#!lua\nreturn 1"
    FUNCTION LOAD "#!lua name=a-b\nreturn 1"
    FUNCTION LOAD "#!lua name=lib1 foo=bar\nreturn 1"
    FUNCTION LOAD "#!js name=lib1\nreturn 1"
    FUNCTION LOAD "#!lua name=lib1\nreturn 1"
    FUNCTION LOAD "#!lua name=lib1\nredis.call('set','x',1)"
    FUNCTION LOAD "#!lua name=lib1\nlocal s = string.upper('x')"
    FUNCTION LOAD "#!lua name=lib1\nerror('oops')"
    FUNCTION LOAD "#!lua name=lib1\nredis.register_function('f-x', function() return 1 end)"
    FUNCTION LOAD "#!lua name=lib1\nredis.register_function('g', 'notfn')"
    FUNCTION LOAD "#!lua name=lib1\nredis.register_function{function_name='g', callback=function() end, flags={'bad'}}"
    FUNCTION LOAD "#!lua name=lib1\nredis.register_function('t8')"
    FUNCTION LOAD "#!lua name=lib1\nredis.register_function()"
    FUNCTION LOAD "#!lua name=lib1\nredis.register_function{function_name='x'}"
    FUNCTION LOAD "#!lua name=lib1\nredis.register_function('a', function() end) redis.register_function('a', function() end)"
    FUNCTION LOAD ${LIB1}
    FUNCTION LOAD ${LIB1}
    FUNCTION LOAD "#!lua name=lib2\nredis.register_function('f1', function() return 1 end)"
    FUNCTION LOAD REPLACE ${LIB1}
    FUNCTION LOAD BAD ${LIB1}
    FUNCTION LOAD "#!lua name=envcheck\nredis.register_function('envcheck', function() return {type(error), type(string), type(redis.call), type(cjson)} end)"
    FCALL envcheck 0
  `,
  "FCALL, FCALL_RO, LIST, STATS, DELETE": script`
    FUNCTION FLUSH
    FLUSHALL
    FUNCTION LOAD ${LIB1}
    SET k hello
    FCALL f1 2 a b c
    FCALL f2 1 k
    FCALL_RO f2 1 k
    FCALL_RO f1 0
    FCALL incr2 1 n
    FCALL incr2 1 k
    FCALL nosuch 0
    FCALL f1 5 a
    FCALL f1 -1
    FCALL f1 x
    FCALL
    FUNCTION FLUSH
    FUNCTION LOAD "#!lua name=one\nredis.register_function{function_name='only', callback=function() return 1 end, flags={'allow-stale', 'no-writes'}, description='d'}"
    FUNCTION LOAD "#!lua name=two\nredis.register_function('other', function() return 2 end)"
    FUNCTION LIST LIBRARYNAME one
    FUNCTION LIST WITHCODE LIBRARYNAME tw*
    FUNCTION LIST LIBRARYNAME nomatch*
    FUNCTION LIST LIBRARYNAME
    FUNCTION LIST bad
    FUNCTION STATS
    FUNCTION KILL
    FUNCTION DELETE nosuch
    FUNCTION DELETE one
    FCALL only 0
    FUNCTION STATS
    FUNCTION FLUSH bad
    FUNCTION FLUSH ASYNC
    FUNCTION RESTORE xx
    FUNCTION RESTORE xx bad
    FUNCTION HELP
    FUNCTION nosuch
  `,
});

Deno.test({
  name: "FUNCTION DUMP from either server RESTOREs on the other",
  ignore: which("redis-server") === undefined,
  async fn() {
    await using pair = await startPair([], []);
    if (!pair) throw new Error("redis-server not found");
    const tok = await RawConn.connect(pair.tokPort);
    const red = await RawConn.connect(pair.redisPort);
    try {
      const code = "#!lua name=moved\nredis.register_function('moved', function() return 'here' " +
        "end) -- a comment long enough that Redis compresses the code with LZF aaaaaaaaaaaaaaaa";
      for (const [from, to] of [[red, tok], [tok, red]] as const) {
        await from.call(["FUNCTION", "FLUSH"]);
        await to.call(["FUNCTION", "FLUSH"]);
        await from.call(["FUNCTION", "LOAD", code]);
        const dump = await from.call(["FUNCTION", "DUMP"]);
        const payload = dump.subarray(dump.indexOf(10) + 1, dump.length - 2);
        const dec = new TextDecoder();
        assertEquals(dec.decode(await to.call(["FUNCTION", "RESTORE", payload])), "+OK\r\n");
        assertEquals(dec.decode(await to.call(["FCALL", "moved", "0"])), "$4\r\nhere\r\n");
        const again = await to.call(["FUNCTION", "RESTORE", payload]);
        assertEquals(dec.decode(again), "-ERR Library moved already exists\r\n");
      }
    } finally {
      tok.close();
      red.close();
    }
  },
});
