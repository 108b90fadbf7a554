// The hash commands and the value-type system, replayed on a real redis-server and on tokserver
// redis: every reply must be byte for byte the same (see tests/_diff.ts), in RESP2 and RESP3.
// Listpack hashes answer in insertion order, as Redis's; hashtable replies are compared sorted.

import { diffTest, script, type Step } from "./_diff.ts";

/** Random HSET / HDEL / HINCRBY / HGET on a few small hashes; replies have a defined order. */
function randomHashes(): Step[] {
  let seed = 4242;
  const r = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const steps: Step[] = [{ cmd: ["FLUSHALL"] }];
  for (let i = 0; i < 400; i++) {
    const key = `h${r(3)}`, f = `f${r(12)}`;
    switch (r(7)) {
      case 0:
      case 1:
        steps.push({ cmd: ["HSET", key, f, String(r(1000)), `f${r(12)}`, "x".repeat(r(3))] });
        break;
      case 2:
        steps.push({ cmd: ["HDEL", key, f, `f${r(12)}`] });
        break;
      case 3:
        steps.push({ cmd: ["HINCRBY", key, f, String(r(200) - 100)] });
        break;
      case 4:
        steps.push({ cmd: ["HGETALL", key] });
        break;
      case 5:
        steps.push({ cmd: ["HMGET", key, f, "f1", "nope"] });
        break;
      default:
        steps.push({ cmd: ["HLEN", key] }, { cmd: ["HKEYS", key] }, { cmd: ["HVALS", key] });
    }
  }
  return steps;
}

const long = "x".repeat(65);

diffTest("hash commands answer as Redis 7 does", {
  "HSET, HGET and the read commands": script`
    FLUSHALL
    HSET h a 1 b 2 c 3
    HSET h a 10 d 4
    HGET h a
    HGET h nope
    HGET nokey a
    HMGET h a nope b
    HMGET nokey a b
    HGETALL h
    HGETALL nokey
    HKEYS h
    HVALS h
    HKEYS nokey
    HLEN h
    HLEN nokey
    HSTRLEN h a
    HSTRLEN h nope
    HEXISTS h a
    HEXISTS h nope
    HEXISTS nokey a
    HSET h
    HSET h a
    HSET h a 1 b
    HMSET h x 1 y
    HMSET h x 1 y 2
    HGETALL h
    HSETNX h a 99
    HSETNX h z 26
    HSETNX nokey2 a 1
    HGET h z
    TYPE h
    HSET "bin\x00key" "f\x00\xff" "v\r\n"
    HGETALL "bin\x00key"
    HSET h "" ""
    HGET h ""
  `,
  "HDEL removes fields and empty keys": script`
    FLUSHALL
    HSET h a 1 b 2 c 3
    HDEL h a nope
    HDEL h nope
    HDEL nokey a
    HGETALL h
    HDEL h b c a
    EXISTS h
    HDEL h
  `,
  "HINCRBY and HINCRBYFLOAT": script`
    FLUSHALL
    HINCRBY h n 5
    HINCRBY h n -10
    HINCRBY h n abc
    HINCRBY h n 1.5
    HSET h s hello
    HINCRBY h s 1
    HSET h big 9223372036854775800
    HINCRBY h big 7
    HINCRBY h big 1
    HINCRBY h neg -9223372036854775808
    HINCRBY h neg -1
    HINCRBYFLOAT h f 1.5
    HINCRBYFLOAT h f 0.1
    HINCRBYFLOAT h f -1.6
    HINCRBYFLOAT h f 1e3
    HINCRBYFLOAT h f abc
    HINCRBYFLOAT h s 1
    HINCRBYFLOAT h f inf
    HINCRBYFLOAT h n 3.0e1
    HSET h e 1e400
    HINCRBYFLOAT h e 1
    @sorted HKEYS h
  `,
  "WRONGTYPE on every command": script`
    FLUSHALL
    SET str v
    SADD st a
    HSET str a 1
    HSETNX str a 1
    HGET str a
    HMGET str a
    HMSET str a 1
    HGETALL str
    HDEL str a
    HLEN str
    HSTRLEN str a
    HEXISTS str a
    HKEYS str
    HVALS str
    HINCRBY str a 1
    HINCRBYFLOAT str a 1
    HRANDFIELD str
    HRANDFIELD str 2
    HSCAN str 0
    HSET h a 1
    GET h
    GET st
    SET h v GET
    GETSET h v
    GETDEL h
    GETEX h
    APPEND h x
    STRLEN h
    GETRANGE h 0 1
    SETRANGE h 0 x
    SETRANGE h 0 ""
    INCR h
    INCRBY h 2
    DECR h
    INCRBYFLOAT h 1.5
    MGET h st str nokey
    TYPE h
    TYPE st
    TYPE str
    TYPE nokey
    SET h v
    TYPE h
  `,
  "encodings and their thresholds": script`
    FLUSHALL
    HSET h a 1
    OBJECT ENCODING h
    HSET h b ${long}
    OBJECT ENCODING h
    HDEL h b
    OBJECT ENCODING h
    HSET l ${long} 1
    OBJECT ENCODING l
    CONFIG SET hash-max-listpack-entries 3
    CONFIG GET hash-max-listpack-entries
    CONFIG GET hash-max-ziplist-entries
    HSET m a 1 b 2 c 3
    OBJECT ENCODING m
    HSET m d 4
    OBJECT ENCODING m
    CONFIG SET hash-max-ziplist-entries 512
    CONFIG GET hash-max-listpack-entries
    CONFIG SET hash-max-listpack-value 2
    HSETNX v a 123
    OBJECT ENCODING v
    HINCRBY w a 100
    OBJECT ENCODING w
    CONFIG SET hash-max-listpack-value 1kb
    CONFIG GET hash-max-listpack-value
    CONFIG SET hash-max-listpack-value abc
    CONFIG SET hash-max-listpack-entries -1
    CONFIG SET hash-max-listpack-value 64
    CONFIG GET hash-max-ziplist-value
    SET i 12345
    OBJECT ENCODING i
    SET e hello
    OBJECT ENCODING e
    SET r ${"r".repeat(45)}
    OBJECT ENCODING r
    OBJECT ENCODING nokey
    OBJECT REFCOUNT h
    OBJECT REFCOUNT nokey
    OBJECT FREQ h
    OBJECT IDLETIME nokey
    OBJECT HELP
    OBJECT FOO
    OBJECT ENCODING
    OBJECT ENCODING a b
  `,
  "listpack entries of every length and byte": script`
    FLUSHALL
    CONFIG SET hash-max-listpack-value 20000
    HSET h "\x80\xff" "\xff\x80" a ${"y".repeat(127)} b ${"z".repeat(128)} c ${"w".repeat(16385)}
    HSET h ${"k".repeat(300)} "\x81" "\x00" ""
    OBJECT ENCODING h
    HSTRLEN h b
    HSTRLEN h c
    HGET h ${"k".repeat(300)}
    HGET h "\x00"
    HGET h "\x80\xff"
    HDEL h b "\x80\xff"
    HSET h a 1 "\xff\x80" 2
    HGETALL h
    HLEN h
    HDEL h c a
    HSET h c 3
    HKEYS h
    HVALS h
    HEXISTS h c
    HEXISTS h ${"k".repeat(299)}
    OBJECT ENCODING h
    CONFIG SET hash-max-listpack-value 64
  `,
  "HRANDFIELD with counts": script`
    FLUSHALL
    HRANDFIELD nokey
    HRANDFIELD nokey 3
    HRANDFIELD nokey 3 WITHVALUES
    HSET h a 1 b 2 c 3
    HRANDFIELD h 3
    HRANDFIELD h 10
    HRANDFIELD h 10 WITHVALUES
    HRANDFIELD h 0
    HRANDFIELD h 0 WITHVALUES
    @type HRANDFIELD h -5
    @type HRANDFIELD h -5 WITHVALUES
    @type HRANDFIELD h 2 WITHVALUES
    HRANDFIELD h abc
    HRANDFIELD h 1 FOO
    HRANDFIELD h 1 WITHVALUES extra
    HRANDFIELD h -9223372036854775808
    HRANDFIELD h 9223372036854775807 WITHVALUES
    HRANDFIELD h -4611686018427387904 WITHVALUES
    HSET one a 1
    HRANDFIELD one
    HRANDFIELD one 1 WITHVALUES
    HRANDFIELD one -2 WITHVALUES
  `,
  "HSCAN": script`
    FLUSHALL
    HSET h a 1 b 2 ab 3
    HSCAN h 0
    HSCAN h 0 MATCH a*
    HSCAN h 0 COUNT 1
    HSCAN h 0 COUNT 0
    HSCAN h 0 COUNT abc
    HSCAN h 0 FOO bar
    HSCAN h 0 MATCH
    HSCAN h abc
    HSCAN nokey 0
    HSCAN nokey 0 FOO
    HSET big f${long} v
    @scan HSCAN big 0 COUNT 1
  `,
  "random hash operations": randomHashes(),
});
