// The packed encoding of small sorted sets (store/zset_listpack.ts) replayed on a real
// redis-server and on tokserver redis: scores at the edges of its integer form (zigzag varints
// below 2^48) and past them (8-byte doubles), -0, infinities, ties ordered by member bytes
// (binary members included), and the round trip to a skiplist and back through a STORE.

import { diffTest, script } from "./_diff.ts";

/** 200 members, some 130 bytes long: counts and lengths of more than one varint char. */
const many = Array.from(
  { length: 200 },
  (_, i) => `${i % 7} ${i % 3 === 0 ? "x".repeat(130) : ""}m${i}`,
)
  .join(" ");

diffTest("small sorted sets keep every score and order as Redis 7 does", {
  "integer and double scores at the encoding's edges": script`
    FLUSHALL
    ZADD z 0 a -0 b 1 c -1 d 63 e -64 f 64 g -65 h 281474976710655 i -281474976710655 j
    ZADD z 281474976710656 k -281474976710656 l 9007199254740993 m 1.5 n -2.25 o
    ZADD z 1e300 p -1e-300 q +inf r -inf s 0.1 t -1e17 u 1e17 v -3e16 w -9007199254740991 x
    OBJECT ENCODING z
    ZRANGE z 0 -1 WITHSCORES
    ZREVRANGE z 0 -1 WITHSCORES
    ZSCORE z b
    ZMSCORE z i j k l m nosuch
    ZRANK z k
    ZREVRANK z l
    ZRANGEBYSCORE z -1 64 WITHSCORES
    ZCOUNT z (0 +inf
    ZINCRBY z -1 c
    ZINCRBY z 0.5 e
    ZRANGE z 0 -1 WITHSCORES
  `,
  "ties by member bytes, binary members, deletes and pops": script`
    FLUSHALL
    ZADD t 5 b 5 a 5 ab 5 "" 5 "\xff" 5 "\x00" 5 B 1 zz
    ZRANGE t 0 -1 WITHSCORES
    ZRANGEBYLEX t - + LIMIT 1 3
    ZREM t ab nosuch "\x00"
    ZRANGE t 0 -1
    ZPOPMIN t 2
    ZPOPMAX t 2
    ZRANGE t 0 -1 WITHSCORES
    ZCARD t
  `,
  "a skiplist converted back by a STORE keeps -0 as 0": script`
    FLUSHALL
    CONFIG SET zset-max-listpack-entries 4
    ZADD big 1 a 2 b 3 c 4 d 5 e -0 f 1e20 g
    OBJECT ENCODING big
    ZRANGESTORE small big 0 3
    OBJECT ENCODING small
    ZRANGE small 0 -1 WITHSCORES
    ZUNIONSTORE u 1 small WEIGHTS -1
    ZRANGE u 0 -1 WITHSCORES
    ZADD small 6 x
    OBJECT ENCODING small
    ZRANGE small 0 -1 WITHSCORES
    COPY small c2
    ZRANGE c2 0 -1 WITHSCORES
    CONFIG SET zset-max-listpack-entries 128
  `,
  "a listpack of 200 members, some of 130 bytes": script`
    FLUSHALL
    CONFIG SET zset-max-listpack-entries 1000
    CONFIG SET zset-max-listpack-value 1000
    ZADD L ${many}
    OBJECT ENCODING L
    ZCARD L
    ZRANGE L 0 -1 WITHSCORES
    ZRANGE L 150 180 REV WITHSCORES
    ZSCORE L m199
    ZRANK L m150
    ZREM L m0 m150 m199
    ZRANGEBYSCORE L (3 5 LIMIT 5 10
    ZPOPMAX L 3
    ZCARD L
    CONFIG SET zset-max-listpack-entries 128
    CONFIG SET zset-max-listpack-value 64
  `,
});
