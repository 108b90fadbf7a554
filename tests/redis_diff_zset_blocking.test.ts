// BZPOPMIN / BZPOPMAX / BZMPOP against redis-server, byte for byte, on several raw connections
// (`@nowait` then `@reply`), and a BullMQ-style delayed-job flow: producers ZADD jobs with due
// timestamps, a scheduler moves the due ones with ZRANGEBYSCORE + ZREM inside MULTI, and workers
// wait on BZPOPMIN. Keyspace events are compared too (a subscriber is one of the connections).

import { diffTest, script } from "./_diff.ts";

diffTest("blocking sorted-set pops and a delayed-job flow: differential", {
  "waiters served in blocking order by ZADD, ZUNIONSTORE and ZRANGESTORE": script`
    FLUSHALL
    @client=1 @nowait BZPOPMIN a b 0
    @sleep 30
    @client=2 @nowait BZPOPMAX b a 0
    @sleep 30
    @client=3 @nowait BZMPOP 0 2 b a MAX COUNT 2
    @sleep 30
    ZADD b 1 x 2 y 3 z 4 w
    @client=1 @reply
    @client=2 @reply
    @client=3 @reply
    ZRANGE b 0 -1 WITHSCORES
    @client=1 @nowait BZPOPMIN c 0
    @sleep 30
    ZADD src 5 m 6 n
    ZUNIONSTORE c 1 src
    @client=1 @reply
    @client=2 @nowait BZMPOP 0 1 d MIN
    @sleep 30
    ZRANGESTORE d src 0 0
    @client=2 @reply
    EXISTS d
    @client=1 PING
  `,
  "timeouts, errors and MULTI": script`
    FLUSHALL
    BZPOPMIN q 0.02
    BZPOPMAX q 0.01
    BZMPOP 0.02 2 q r MIN
    BZPOPMIN q -1
    BZPOPMIN q abc
    BZMPOP 0 1 q MAX COUNT -1
    SET s v
    BZPOPMIN s 0
    BZPOPMAX q s 0
    MULTI
    BZPOPMIN q 0
    BZMPOP 0 1 q MIN
    ZADD q 1 a
    BZPOPMIN q 0
    EXEC
    @client=1 @nowait BZPOPMIN w 0
    @sleep 30
    MULTI
    ZADD w 1 a 2 b
    ZCARD w
    EXEC
    @client=1 @reply
    ZRANGE w 0 -1
    @client=1 @nowait BZPOPMIN w2 0
    @sleep 30
    SET w2 str
    DEL w2
    ZADD w2 7 seven
    @client=1 @reply
  `,
  "keyspace events of pops and stores": script`
    FLUSHALL
    CONFIG SET notify-keyspace-events KEA
    @client=1 PSUBSCRIBE __keyevent@0__:*
    ZADD z 1 a 2 b
    @client=1 @push
    ZINCRBY z 1 a
    @client=1 @push
    ZPOPMIN z
    @client=1 @push
    ZREM z b
    @client=1 @push
    @client=1 @push
    ZADD z 1 a 2 b 3 c
    @client=1 @push
    ZREMRANGEBYSCORE z 3 3
    @client=1 @push
    ZUNIONSTORE u 1 z
    @client=1 @push
    ZRANGESTORE r z 0 0
    @client=1 @push
    ZINTERSTORE u 2 z nokey
    @client=1 @push
    ZMPOP 1 z MAX COUNT 5
    @client=1 @push
    @client=1 @push
    CONFIG SET notify-keyspace-events ""
  `,
  "RENAME, MOVE and COPY serve waiters; WATCH sees sorted-set changes": script`
    FLUSHALL
    @client=1 @nowait BZPOPMIN t 0
    @sleep 30
    ZADD src 1 a 2 b
    RENAME src t
    @client=1 @reply
    @client=2 @nowait BLPOP l 0
    @sleep 30
    RPUSH lsrc x
    COPY lsrc l
    @client=2 @reply
    @client=1 @nowait BZPOPMAX m 0
    @sleep 30
    SELECT 1
    ZADD m 5 five
    MOVE m 0
    SELECT 0
    @client=1 @reply
    WATCH t
    @client=3 ZADD t 2 b
    MULTI
    ZCARD t
    EXEC
    WATCH t
    @client=3 ZADD t 9 b
    MULTI
    ZCARD t
    EXEC
    WATCH t
    @client=3 ZINCRBY t 1 b
    MULTI
    ZSCORE t b
    EXEC
    WATCH t
    @client=3 ZREM t nosuch
    @client=3 ZPOPMIN nokey
    MULTI
    ZRANGE t 0 -1 WITHSCORES
    EXEC
    @type MEMORY USAGE t
    MEMORY USAGE nokey
  `,
  "delayed jobs: ZADD due times, MULTI moves, BZPOPMIN workers": script`
    FLUSHALL
    @client=1 @nowait BZPOPMIN wait 0
    @sleep 20
    @client=2 @nowait BZPOPMIN wait 0
    @sleep 20
    @client=3 @nowait BZPOPMIN wait 0
    @sleep 20
    ZADD delayed 1700000000100 job:1 1700000000050 job:2 1700000000200 job:3 1700000000050 job:0
    ZADD delayed NX 1700000000300 job:4
    ZADD delayed 1700000000010 job:2
    ZCARD delayed
    ZRANGEBYSCORE delayed -inf 1700000000100 WITHSCORES LIMIT 0 2
    MULTI
    ZRANGEBYSCORE delayed -inf 1700000000100 LIMIT 0 2
    ZREMRANGEBYSCORE delayed -inf (1700000000100
    ZADD wait 1 job:2 2 job:0
    EXEC
    @client=1 @reply
    @client=2 @reply
    MULTI
    ZRANGEBYSCORE delayed -inf 1700000000250
    ZREM delayed job:1 job:3
    ZADD wait 3 job:1 4 job:3
    EXEC
    @client=3 @reply
    ZRANGE wait 0 -1 WITHSCORES
    ZRANGE delayed 0 -1 WITHSCORES
    @client=1 BZPOPMIN wait 1
    @client=2 BZPOPMIN wait 0.05
    ZSCORE delayed job:4
    ZPOPMIN delayed
    EXISTS delayed wait
  `,
});
