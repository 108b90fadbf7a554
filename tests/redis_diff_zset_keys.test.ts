// Sorted sets and the commands of every type, against a real redis-server byte for byte, in RESP2
// and RESP3: ZRANDMEMBER (random picks compared by shape, whole-set answers exactly), ZSCAN,
// OBJECT ENCODING under CONFIG SET's thresholds, TYPE, SCAN TYPE, COPY, RENAME and SORT.

import { diffTest, script } from "./_diff.ts";

diffTest("sorted sets with the generic commands answer as Redis 7 does", {
  "ZRANDMEMBER and ZSCAN": script`
    FLUSHALL
    ZADD z 1 a 2 b 3 c
    @type ZRANDMEMBER z
    ZRANDMEMBER nokey
    ZRANDMEMBER z 0
    ZRANDMEMBER z 5
    ZRANDMEMBER z 5 WITHSCORES
    ZRANDMEMBER z 3 withscores
    @type ZRANDMEMBER z -5
    @type ZRANDMEMBER z -5 WITHSCORES
    @type ZRANDMEMBER z 2
    ZRANDMEMBER nokey 3
    ZRANDMEMBER z x
    ZRANDMEMBER z 1 x
    ZRANDMEMBER z 1 WITHSCORES x
    ZRANDMEMBER z -9223372036854775808
    ZRANDMEMBER z 9223372036854775807 WITHSCORES
    ZRANDMEMBER z -9223372036854775807 WITHSCORES
    ZSCAN z 0
    ZSCAN z 0 MATCH a*
    ZSCAN z 0 COUNT 1
    ZSCAN nokey 0
    ZSCAN z x
    ZSCAN z 0 COUNT 0
    ZSCAN z 0 FOO 1
    SET str x
    ZRANDMEMBER str
    ZRANDMEMBER str 1
    ZSCAN str 0
  `,
  "encodings, config and generic commands": script`
    FLUSHALL
    ZADD z 1 a 2 b
    OBJECT ENCODING z
    TYPE z
    CONFIG SET zset-max-listpack-entries 2
    ZADD z 3 c
    OBJECT ENCODING z
    ZREM z c b
    OBJECT ENCODING z
    CONFIG SET zset-max-ziplist-entries 128
    CONFIG GET zset-max-listpack-entries
    CONFIG GET zset-max-ziplist-value
    CONFIG SET zset-max-listpack-value 3
    ZADD v 1 abcd
    OBJECT ENCODING v
    ZADD w 1 abc
    OBJECT ENCODING w
    ZADD w 1 abcde
    OBJECT ENCODING w
    ZUNIONSTORE u 1 z
    OBJECT ENCODING u
    CONFIG SET zset-max-ziplist-value 64
    CONFIG SET zset-max-listpack-entries 0
    ZADD e 1 a
    OBJECT ENCODING e
    CONFIG SET zset-max-listpack-entries 128
    COPY z z2
    ZRANGE z2 0 -1 WITHSCORES
    OBJECT ENCODING z2
    RENAME z2 z3
    ZRANGE z3 0 -1 WITHSCORES
    @sorted KEYS *
    @scan SCAN 0 TYPE zset
    SORT z
    SORT z DESC
    SORT z BY nosort
    SORT z BY nosort DESC
    SORT z BY nosort DESC LIMIT 0 1
    SORT z ALPHA DESC
    ZADD n 3 x 1 y 2 z
    SORT n ALPHA
    SORT n BY nosort
    SORT n BY nosort STORE out
    LRANGE out 0 -1
    DEL z3
    EXISTS z3
  `,
});
