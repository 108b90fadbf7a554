// The sorted-set commands replayed on a real redis-server and on tokserver redis: every reply
// must be byte for byte the same (see tests/_diff.ts), in RESP2 and RESP3: scores and their
// formatting, ranges by rank, score and lex with every option, the algebra, the pops, and every
// error text in Redis's order. ZRANDMEMBER, ZSCAN and the generic commands are in
// redis_diff_zset_keys.test.ts.

import { diffTest, script } from "./_diff.ts";

diffTest("sorted-set commands answer as Redis 7 does", {
  "ZADD and its options": script`
    FLUSHALL
    ZADD z 1 a 2 b 3 c
    ZADD z 1 a
    ZADD z CH 5 a 2 b
    ZADD z NX 9 a 4 d
    ZADD z XX 9 a 4 e
    ZADD z XX CH 10 a
    ZADD z GT 1 a
    ZADD z GT CH 11 a 0 f
    ZADD z LT CH 1 a 100 b
    ZADD z INCR 2 a
    ZADD z INCR NX 2 a
    ZADD z INCR XX 2 nosuch
    ZADD z INCR GT -1 a
    ZADD z INCR LT -1 a
    ZADD nokey XX 1 a
    ZADD nokey XX INCR 1 a
    EXISTS nokey
    ZRANGE z 0 -1 WITHSCORES
    ZADD z NX XX 1 a
    ZADD z GT LT 1 a
    ZADD z GT NX 1 a
    ZADD z LT NX 1 a
    ZADD z INCR 1 a 2 b
    ZADD z 1
    ZADD z 1 a 2
    ZADD z
    ZADD z nan a
    ZADD z abc a
    ZADD z 1x a
    ZADD z "" a
    ZADD z " 1" a
    ZADD z 1e400 a
    ZADD z 1 a xx 2
    ZADD z inf i -inf j +inf k
    ZADD z 0x10 hex 1e3 e3 .5 half 5. five -0 negzero 1e-320 tiny
    ZRANGE z 0 -1 WITHSCORES
    ZADD z 1e-400 under
    ZADD z INCR inf i
    ZADD z INCR -inf i
    ZSCORE z i
    ZINCRBY z -inf i
    ZINCRBY z 1 newmember
    ZINCRBY z 0.1 newmember
    ZINCRBY z 0.2 newmember
    ZINCRBY z x newmember
    ZINCRBY z 1 a b
    SET str x
    ZADD str 1 a
    ZINCRBY str 1 a
    ZADD str 1 a 2
    ZADD str x a
  `,
  "scores, ranks and counts": script`
    FLUSHALL
    ZADD z 1 a 1 b 1 c 2 d 3.5 e -1 f 1e20 g 0.1 h 123456789012345678 i
    ZSCORE z a
    ZSCORE z e
    ZSCORE z g
    ZSCORE z h
    ZSCORE z i
    ZSCORE z nosuch
    ZSCORE nokey a
    ZMSCORE z a nosuch e
    ZMSCORE nokey a b
    ZMSCORE z
    ZCARD z
    ZCARD nokey
    ZRANK z a
    ZRANK z c
    ZRANK z f
    ZRANK z nosuch
    ZRANK nokey a
    ZREVRANK z a
    ZREVRANK z g
    ZREVRANK z nosuch
    ZCOUNT z -inf +inf
    ZCOUNT z 1 1
    ZCOUNT z (1 2
    ZCOUNT z 1 (2
    ZCOUNT z (1 (1
    ZCOUNT z 5 1
    ZCOUNT z -inf (0
    ZCOUNT nokey 0 1
    ZCOUNT z a 1
    ZCOUNT z 1 (
    ZCOUNT z ( 1
    ZCOUNT z nan 1
    ZCOUNT z "" 1
    ZCOUNT z " 1" 2
    ZCOUNT z 0x1 2
    ZCOUNT z 1e400 -1e400
    ZREM z a nosuch b
    ZREM z nosuch
    ZREM nokey a
    ZRANGE z 0 -1 WITHSCORES
    SET str x
    ZSCORE str a
    ZMSCORE str a
    ZCARD str
    ZRANK str a
    ZCOUNT str 0 1
    ZREM str a
  `,
  "lex ranges": script`
    FLUSHALL
    ZADD l 0 a 0 b 0 c 0 d 0 e 0 f 0 alpha 0 "" 0 zz
    ZLEXCOUNT l - +
    ZLEXCOUNT l [b [d
    ZLEXCOUNT l (b (d
    ZLEXCOUNT l (a +
    ZLEXCOUNT l - (c
    ZLEXCOUNT l + -
    ZLEXCOUNT l [ [b
    ZLEXCOUNT l b d
    ZLEXCOUNT l [b d
    ZLEXCOUNT l -x +
    ZLEXCOUNT nokey - +
    ZRANGEBYLEX l - +
    ZRANGEBYLEX l [b (e
    ZRANGEBYLEX l - + LIMIT 1 2
    ZRANGEBYLEX l - + LIMIT -1 2
    ZRANGEBYLEX l - + LIMIT 2 -1
    ZRANGEBYLEX l - + LIMIT 2 0
    ZRANGEBYLEX l - + WITHSCORES
    ZRANGEBYLEX l - + LIMIT 1
    ZRANGEBYLEX l - + REV
    ZREVRANGEBYLEX l + -
    ZREVRANGEBYLEX l (e [b
    ZREVRANGEBYLEX l + - LIMIT 1 3
    ZRANGE l [b [e BYLEX
    ZRANGE l [e [b BYLEX REV
    ZRANGE l + - BYLEX REV LIMIT 0 2
    ZRANGE l - + BYLEX WITHSCORES
    ZRANGEBYLEX l x y
    ZREMRANGEBYLEX l [b (d
    ZREMRANGEBYLEX l x y
    ZREMRANGEBYLEX nokey - +
    ZRANGE l 0 -1
    ZREMRANGEBYLEX l - +
    EXISTS l
  `,
  "ZRANGE by rank and score, and the legacy forms": script`
    FLUSHALL
    ZADD z 1 a 2 b 3 c 4 d 5 e 5 f -inf g +inf h 2.5 i
    ZRANGE z 0 -1
    ZRANGE z 0 -1 WITHSCORES
    ZRANGE z 2 4
    ZRANGE z -3 -1 withscores
    ZRANGE z -100 100
    ZRANGE z 5 2
    ZRANGE z 100 200
    ZRANGE z 0 -1 REV
    ZRANGE z 0 2 REV WITHSCORES
    ZREVRANGE z 0 2
    ZREVRANGE z 0 -1 WITHSCORES
    ZRANGE z -inf +inf BYSCORE
    ZRANGE z (1 (5 BYSCORE WITHSCORES
    ZRANGE z 5 1 BYSCORE REV
    ZRANGE z +inf -inf BYSCORE REV LIMIT 1 3 WITHSCORES
    ZRANGE z -inf +inf BYSCORE LIMIT 2 3
    ZRANGE z -inf +inf BYSCORE LIMIT 20 3
    ZRANGE z -inf +inf BYSCORE LIMIT -1 3
    ZRANGE z -inf +inf BYSCORE LIMIT 0 -5
    ZRANGE z 0 -1 LIMIT 0 1
    ZRANGE z 0 -1 LIMIT 0 -1
    ZRANGE z 0 -1 BYSCORE BYLEX
    ZRANGE z 0 -1 REV REV
    ZRANGE z 0 -1 BYSCORE BYSCORE
    ZRANGE z 0 -1 foo
    ZRANGE z 0 -1 LIMIT 1
    ZRANGE z 0 -1 LIMIT x 1
    ZRANGE z 0 -1 BYSCORE LIMIT 1 x
    ZRANGE z a -1
    ZRANGE z 0 b
    ZRANGE z a b BYSCORE
    ZRANGE z a b BYLEX
    ZRANGE nokey 0 -1
    ZRANGE nokey a b BYSCORE
    ZRANGEBYSCORE z 2 5
    ZRANGEBYSCORE z (2 5 WITHSCORES
    ZRANGEBYSCORE z -inf +inf LIMIT 1 2 WITHSCORES
    ZRANGEBYSCORE z -inf +inf REV
    ZRANGEBYSCORE z -inf +inf BYSCORE
    ZREVRANGEBYSCORE z 5 2
    ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 0 4
    ZREVRANGEBYSCORE z 2 5
    ZREVRANGE z 0 1 LIMIT 0 1
    ZREVRANGE z 0 1 BYSCORE
    SET str x
    ZRANGE str 0 -1
    ZRANGEBYSCORE str 0 1
    ZRANGEBYLEX str - +
    ZRANGE str a b
  `,
  "ZRANGESTORE and ZREMRANGEBY*": script`
    FLUSHALL
    ZADD z 1 a 2 b 3 c 4 d 5 e
    ZRANGESTORE d z 0 2
    ZRANGE d 0 -1 WITHSCORES
    OBJECT ENCODING d
    ZRANGESTORE d z (1 4 BYSCORE REV
    ZRANGESTORE d z 4 1 BYSCORE REV LIMIT 1 2
    ZRANGE d 0 -1 WITHSCORES
    ZRANGESTORE d z [b [d BYLEX
    ZRANGESTORE d z 10 20
    EXISTS d
    ZRANGESTORE d z 0 0
    ZRANGESTORE d nokey 0 -1
    EXISTS d
    ZRANGESTORE d z 0 -1 WITHSCORES
    ZRANGESTORE d z 0 -1 LIMIT 0 1
    SET str x
    ZRANGESTORE d str 0 -1
    ZRANGESTORE str z 0 -1
    TYPE str
    ZREMRANGEBYRANK z 0 0
    ZREMRANGEBYRANK z -1 -1
    ZREMRANGEBYRANK z 5 1
    ZREMRANGEBYRANK z x 1
    ZREMRANGEBYRANK nokey 0 1
    ZRANGE z 0 -1
    ZADD z 1 a 5 e 6 f 7 g
    ZREMRANGEBYSCORE z (1 3
    ZREMRANGEBYSCORE z -inf (5
    ZREMRANGEBYSCORE z 9 10
    ZREMRANGEBYSCORE z x 1
    ZRANGE z 0 -1 WITHSCORES
    ZREMRANGEBYSCORE z -inf +inf
    EXISTS z
    ZREMRANGEBYSCORE str 0 1
    ZREMRANGEBYRANK str 0 1
    ZREMRANGEBYLEX str - +
  `,
  "ZPOPMIN ZPOPMAX ZMPOP and the blocking pops with data": script`
    FLUSHALL
    ZADD z 1 a 2 b 3 c 4 d 5 e
    ZPOPMIN z
    ZPOPMAX z
    ZPOPMIN z 1
    ZPOPMAX z 0
    ZPOPMIN z 10
    EXISTS z
    ZPOPMIN z
    ZPOPMIN z 2
    ZPOPMIN z -1
    ZPOPMIN z x
    ZPOPMIN z 1 2
    ZADD z 1 a 2 b 3 c 4 d 5 e
    ZMPOP 1 z MIN
    ZMPOP 1 z MAX COUNT 2
    ZMPOP 2 nokey z min count 10
    ZMPOP 2 nokey z min
    ZMPOP 0 z MIN
    ZMPOP x z MIN
    ZMPOP 1 z
    ZMPOP 1 z LEFT
    ZMPOP 1 z MIN COUNT 0
    ZMPOP 1 z MIN COUNT x
    ZMPOP 1 z MIN COUNT 1 COUNT 1
    ZMPOP 3 z MIN
    ZADD z 1 a 2 b 3 c
    BZPOPMIN z 0
    BZPOPMAX nokey z 0
    BZMPOP 0 1 z MIN COUNT 5
    BZPOPMIN z -1
    BZPOPMIN z x
    BZMPOP 0 0 z MIN
    BZMPOP x 1 z MIN
    BZMPOP 0 1 z FOO
    SET str x
    ZPOPMIN str
    ZMPOP 2 nokey str MIN
    BZPOPMIN nokey str 0
    BZMPOP 0 1 str MAX
    MULTI
    BZPOPMIN nokey 0
    BZMPOP 0 1 nokey MIN
    EXEC
  `,
  "ZUNION ZINTER ZDIFF, STORE and ZINTERCARD": script`
    FLUSHALL
    ZADD a 1 x 2 y 3 z
    ZADD b 10 y 20 z 30 w
    SADD s z w v
    ZUNION 2 a b
    ZUNION 2 a b WITHSCORES
    ZUNION 2 a b WEIGHTS 2 3 WITHSCORES
    ZUNION 2 a b AGGREGATE MIN WITHSCORES
    ZUNION 2 a b AGGREGATE max WITHSCORES
    ZUNION 3 a b s WITHSCORES
    ZINTER 2 a b WITHSCORES
    ZINTER 3 a b s WITHSCORES
    ZINTER 2 a b WEIGHTS 1 -1 AGGREGATE SUM WITHSCORES
    ZINTER 2 a nokey
    ZDIFF 2 a b WITHSCORES
    ZDIFF 2 b s
    ZDIFF 1 a
    ZDIFF 2 nokey a
    ZDIFF 2 a b WEIGHTS 1 2
    ZDIFF 2 a b AGGREGATE MIN
    ZUNIONSTORE d 2 a b
    ZRANGE d 0 -1 WITHSCORES
    OBJECT ENCODING d
    ZINTERSTORE d 2 a b AGGREGATE MAX
    ZRANGE d 0 -1 WITHSCORES
    ZDIFFSTORE d 2 a b
    ZRANGE d 0 -1 WITHSCORES
    ZINTERSTORE d 2 a nokey
    EXISTS d
    ZUNIONSTORE d 2 a b WITHSCORES
    ZINTERCARD 2 a b
    ZINTERCARD 2 a b LIMIT 1
    ZINTERCARD 2 a b LIMIT 0
    ZINTERCARD 2 a b LIMIT -1
    ZINTERCARD 2 a b LIMIT x
    ZINTERCARD 0 a
    ZINTERCARD 3 a b
    ZINTERCARD 2 a b WITHSCORES
    ZUNION 0 a
    ZUNIONSTORE d 0 a
    ZINTER -1 a
    ZUNION x a
    ZUNION 3 a b
    ZUNION 2 a b WEIGHTS 1
    ZUNION 2 a b WEIGHTS 1 x
    ZUNION 2 a b AGGREGATE avg
    ZUNION 2 a b AGGREGATE
    ZUNION 2 a b foo
    ZADD inf 1 x +inf y -inf z
    ZADD ninf -inf y +inf z
    ZUNION 2 inf ninf WITHSCORES
    ZINTER 2 inf ninf WITHSCORES
    ZUNION 1 inf WEIGHTS 0 WITHSCORES
    SET str x
    ZUNION 2 a str
    ZINTERCARD 2 str a
    ZUNIONSTORE d 2 a str WEIGHTS x
    ZUNIONSTORE str 1 a
    TYPE str
  `,
});
