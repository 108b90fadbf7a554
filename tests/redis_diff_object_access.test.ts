// OBJECT IDLETIME and OBJECT FREQ against redis-server, byte for byte: which lookups touch a key
// (reads and writes do; OBJECT, EXISTS, TYPE and TTL do not), the errors under the wrong
// policy, and under an LFU policy with lfu-log-factor 0 (every touch counts, so the counters are
// exact) what each command adds. Idle times are read right after a touch, where both say 0.

import { diffTest, script } from "./_diff.ts";

diffTest("OBJECT IDLETIME and FREQ: differential", {
  "LRU: idle time and errors": script`
    SET k v
    OBJECT IDLETIME k
    OBJECT FREQ k
    OBJECT IDLETIME nokey
    OBJECT FREQ nokey
    CONFIG GET maxmemory-policy
    @sorted CONFIG GET lfu-*
    CONFIG SET lfu-log-factor -1
    CONFIG SET lfu-decay-time x
    CONFIG SET maxmemory-policy nonesuch
    RPUSH l a
    HSET h f v
    SADD s m
    OBJECT IDLETIME l
    OBJECT IDLETIME h
    OBJECT IDLETIME s
  `,
  "LFU: counters by command": script`
    CONFIG SET maxmemory-policy allkeys-lfu
    CONFIG SET lfu-log-factor 0
    SET k v
    OBJECT FREQ k
    OBJECT IDLETIME k
    GET k
    OBJECT FREQ k
    EXISTS k
    TYPE k
    TTL k
    OBJECT ENCODING k
    OBJECT FREQ k
    TOUCH k nokey
    OBJECT FREQ k
    SET k w
    OBJECT FREQ k
    APPEND k x
    OBJECT FREQ k
    EXPIRE k 100
    OBJECT FREQ k
    STRLEN k
    OBJECT FREQ k
    HSET h a 1
    OBJECT FREQ h
    HSET h b 2
    HGET h a
    HGETALL h
    OBJECT FREQ h
    RPUSH l 1 2 3
    LPOP l
    LRANGE l 0 -1
    OBJECT FREQ l
    SADD s x
    SISMEMBER s x
    SADD s y
    OBJECT FREQ s
    DEL k
    OBJECT FREQ k
    CONFIG SET maxmemory-policy volatile-lfu
    OBJECT FREQ h
    CONFIG SET maxmemory-policy allkeys-lru
    OBJECT FREQ h
    CONFIG SET maxmemory-policy noeviction
    CONFIG SET lfu-log-factor 10
  `,
  "LFU: RENAME and MOVE carry the counter, COPY starts a new one": script`
    CONFIG SET maxmemory-policy allkeys-lfu
    CONFIG SET lfu-log-factor 0
    SET k v
    GET k
    GET k
    RENAME k k2
    OBJECT FREQ k2
    RENAME k2 k2
    OBJECT FREQ k2
    HSET h a 1
    HGET h a
    RENAME h h2
    OBJECT FREQ h2
    MOVE h2 1
    SELECT 1
    OBJECT FREQ h2
    SET h2 x
    SELECT 0
    HSET h2 a 1
    MOVE h2 1
    OBJECT FREQ h2
    SELECT 1
    COPY h2 h3
    OBJECT FREQ h3
    OBJECT FREQ h2
    FLUSHALL
    CONFIG SET maxmemory-policy noeviction
    CONFIG SET lfu-log-factor 10
  `,
});

diffTest(
  "OBJECT IDLETIME after a wait: differential",
  {
    // IDLETIME reads a clock of whole seconds refreshed every 100 ms (Redis's lruclock): a touch
    // and the read after it can fall on either side of a tick, on both servers.
    "a second idle, then touched": script`
    SET k v
    RPUSH l a
    @sleep 1100
    @near=1 OBJECT IDLETIME k
    EXISTS k
    TYPE k
    TTL k
    OBJECT ENCODING k
    @near=1 OBJECT IDLETIME k
    GET k
    @near=1 OBJECT IDLETIME k
    LPUSHX l b
    @near=1 OBJECT IDLETIME l
  `,
  },
  [],
  [],
  { resp: [2] },
);
