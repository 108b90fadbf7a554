// The commands Celery 5.2 and kombu 5.2 send to a Redis broker and result backend, in the shapes
// MONITOR on redis-server shows during tests/redis_celery.test.ts (float scores, binary binding
// separators, redis-py's lock and its release script, WATCH-guarded restores, chord counters,
// fanout over pattern subscriptions), compared with redis-server byte for byte.

import { diffTest, script } from "./_diff.ts";

/** redis-py's Lock release script (kombu's unacked mutex), as one script line, and its SHA1. */
const RELEASE =
  "local token = redis.call('get', KEYS[1])\\nif not token or token ~= ARGV[1] then\\n  return 0\\nend\\nredis.call('del', KEYS[1])\\nreturn 1";

const RELEASE_SHA = Array.from(
  new Uint8Array(
    await crypto.subtle.digest("SHA-1", new TextEncoder().encode(RELEASE.replaceAll("\\n", "\n"))),
  ),
  (b) => b.toString(16).padStart(2, "0"),
).join("");

diffTest("kombu and Celery command shapes: differential", {
  "broker: bindings, queues by priority, the consume loop": script`
    SADD _kombu.binding.celery "celery\x06\x16\x06\x16celery"
    SADD _kombu.binding.celery "celery\x06\x16\x06\x16celery"
    SMEMBERS _kombu.binding.celery
    SADD _kombu.binding.reply.celery.pidbox "abc\x06\x16\x06\x16abc.reply.celery.pidbox"
    MULTI
    LLEN celery
    LLEN "celery\x06\x163"
    LLEN "celery\x06\x166"
    LLEN "celery\x06\x169"
    EXEC
    LPUSH celery "{\"body\": \"b0\", \"headers\": {}}"
    LPUSH "celery\x06\x163" "{\"body\": \"b3\"}"
    BRPOP celery "celery\x06\x163" "celery\x06\x166" "celery\x06\x169" 1
    BRPOP "celery\x06\x163" celery 1
    BRPOP celery "celery\x06\x163" 1
    MULTI
    LLEN celery
    DEL celery
    LLEN "celery\x06\x163"
    DEL "celery\x06\x163"
    EXEC
    DEL abc.reply.celery.pidbox "abc.reply.celery.pidbox\x06\x163"
  `,
  "broker: unacked index, lock, restore under WATCH": script`
    MULTI
    ZADD unacked_index 1795983956.3575175 tag-1
    HSET unacked tag-1 "[{\"body\": \"b1\"}, \"\", \"celery\"]"
    EXEC
    MULTI
    ZADD unacked_index 1795983957.25 tag-2
    HSET unacked tag-2 "[{\"body\": \"b2\"}, \"\", \"celery\"]"
    EXEC
    SET unacked_mutex token-a PX 300000 NX
    SET unacked_mutex token-b PX 300000 NX
    @near=1000 PTTL unacked_mutex
    ZREVRANGEBYSCORE unacked_index 1795983957.0 0 WITHSCORES
    ZREVRANGEBYSCORE unacked_index 1795983999.5 0 WITHSCORES LIMIT 0 10
    ZREVRANGEBYSCORE unacked_index 1795983999.5 0 WITHSCORES LIMIT 1 1
    ZREVRANGEBYSCORE unacked_index 1.5 0 WITHSCORES
    EVALSHA ${RELEASE_SHA} 1 unacked_mutex token-b
    SCRIPT LOAD "${RELEASE}"
    EVALSHA ${RELEASE_SHA} 1 unacked_mutex token-b
    GET unacked_mutex
    EVALSHA ${RELEASE_SHA} 1 unacked_mutex token-a
    EVAL "${RELEASE}" 1 unacked_mutex token-a
    EXISTS unacked_mutex
    WATCH unacked
    HGET unacked tag-1
    MULTI
    ZREM unacked_index tag-1
    HDEL unacked tag-1
    RPUSH celery "{\"body\": \"b1\", \"headers\": {\"redelivered\": true}}"
    EXEC
    WATCH unacked
    HGET unacked tag-2
    @client=1 HDEL unacked tag-2
    MULTI
    ZREM unacked_index tag-2
    HDEL unacked tag-2
    RPUSH celery b2
    EXEC
    WATCH unacked
    HGET unacked tag-9
    MULTI
    ZREM unacked_index tag-9
    HDEL unacked tag-9
    EXEC
    LRANGE celery 0 -1
    ZRANGE unacked_index 0 -1 WITHSCORES
    HLEN unacked
  `,
  "result backend: metas, chord counters": script`
    SELECT 1
    SETEX celery-task-meta-a 86400 "{\"status\": \"SUCCESS\", \"result\": 4}"
    @near=1 TTL celery-task-meta-a
    PUBLISH celery-task-meta-a "{\"status\": \"SUCCESS\", \"result\": 4}"
    GET celery-task-meta-a
    GET celery-task-meta-nope
    MGET celery-task-meta-a celery-task-meta-nope
    MULTI
    ZADD celery-taskset-meta-g.j 0 "[[\"SUCCESS\", 1], null]"
    ZCOUNT celery-taskset-meta-g.j -inf +inf
    GET celery-taskset-meta-g.t
    EXPIRE celery-taskset-meta-g.j 86400
    EXPIRE celery-taskset-meta-g.t 86400
    EXPIRE celery-taskset-meta-g.s 86400
    EXEC
    MULTI
    ZADD celery-taskset-meta-g.j 1 "[[\"SUCCESS\", 4], null]"
    ZCOUNT celery-taskset-meta-g.j -inf +inf
    GET celery-taskset-meta-g.t
    EXPIRE celery-taskset-meta-g.j 86400
    EXEC
    ZRANGE celery-taskset-meta-g.j 0 -1
    MULTI
    DEL celery-taskset-meta-g.j celery-taskset-meta-g.t celery-taskset-meta-g.s
    EXEC
    DBSIZE
  `,
  "fanout and result subscriptions": script`
    @client=1 PSUBSCRIBE "/0.celeryev/worker.*"
    @client=1 PSUBSCRIBE /0.celery.pidbox
    PUBLISH /0.celeryev/worker.heartbeat "{\"hostname\": \"w0@h\"}"
    @client=1 @push
    PUBLISH /0.celery.pidbox "{\"method\": \"ping\"}"
    @client=1 @push
    PUBLISH /0.celeryev/task.succeeded x
    @client=2 SUBSCRIBE celery-task-meta-a celery-task-meta-b
    @client=2 UNSUBSCRIBE celery-task-meta-a
    PUBLISH celery-task-meta-a gone
    PUBLISH celery-task-meta-b v
    @client=2 @push
    @client=2 UNSUBSCRIBE
    @client=2 PING
    @client=1 PUNSUBSCRIBE
  `,
});
