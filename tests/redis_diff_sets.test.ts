// The set commands, COPY and the generic key commands on hashes and sets, replayed on a real
// redis-server and on tokserver redis: every reply must be byte for byte the same (see
// tests/_diff.ts), in RESP2 and RESP3. Intsets answer in value order, as Redis's; hashtable
// replies (order unspecified in Redis) are compared sorted.

import { diffTest, script, type Step } from "./_diff.ts";

/** Random SADD / SREM / SMOVE on integer sets (intsets: a defined order) and the algebra. */
function randomSets(): Step[] {
  let seed = 777;
  const r = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const steps: Step[] = [{ cmd: ["FLUSHALL"] }];
  const k = () => `s${r(3)}`;
  for (let i = 0; i < 400; i++) {
    const m = String(r(40) - 20);
    switch (r(8)) {
      case 0:
      case 1:
        steps.push({ cmd: ["SADD", k(), m, String(r(40) - 20)] });
        break;
      case 2:
        steps.push({ cmd: ["SREM", k(), m, String(r(40))] });
        break;
      case 3:
        steps.push({ cmd: ["SMOVE", k(), k(), m] });
        break;
      case 4:
        steps.push({ cmd: ["SMEMBERS", k()] }, { cmd: ["SCARD", k()] });
        break;
      case 5:
        steps.push({ cmd: ["SINTER", k(), k()] }, { cmd: ["SUNION", k(), k()] });
        break;
      case 6:
        steps.push({ cmd: ["SDIFFSTORE", "d", k(), k()] }, { cmd: ["SMEMBERS", "d"] });
        break;
      default:
        steps.push({ cmd: ["SMISMEMBER", k(), m, "0", "x"] });
    }
  }
  return steps;
}

diffTest("set commands answer as Redis 7 does", {
  "SADD, SREM and the read commands": script`
    FLUSHALL
    SADD s 3 1 2
    SADD s 2 4
    SMEMBERS s
    SCARD s
    SCARD nokey
    SISMEMBER s 1
    SISMEMBER s 9
    SISMEMBER s x
    SISMEMBER nokey 1
    SMISMEMBER s 1 9 x
    SMISMEMBER nokey 1 2
    SMEMBERS nokey
    SREM s 1 9
    SREM nokey 1
    SMEMBERS s
    SREM s 2 3 4
    EXISTS s
    SADD s
    SREM s
    SMISMEMBER s
    SADD w a b c
    @sorted SMEMBERS w
    SADD "bin\x00" "\x00\xff" "\r\n"
    @sorted SMEMBERS "bin\x00"
    SADD n 9223372036854775807 -9223372036854775808 01 -0 +1
    @sorted SMEMBERS n
    OBJECT ENCODING n
    TYPE w
  `,
  "SMOVE": script`
    FLUSHALL
    SADD a 1 2
    SMOVE a b 1
    SMEMBERS a
    SMEMBERS b
    SMOVE a b 9
    SMOVE a a 2
    SMOVE a a 9
    SMOVE nokey b 1
    SET str v
    SMOVE nokey str 1
    SMOVE a str 2
    SMOVE str a 1
    SMOVE a b 2
    EXISTS a
    SMEMBERS b
  `,
  "set algebra": script`
    FLUSHALL
    SADD a 1 2 3 4
    SADD b 3 4 5
    SADD c 4 5 6
    SINTER a b
    SINTER a b c
    SINTER a nokey
    SINTER nokey a
    SUNION a b c
    SUNION nokey
    SDIFF a b
    SDIFF a b c
    SDIFF nokey a
    SDIFF a nokey
    SINTERSTORE d a b
    SMEMBERS d
    SINTERSTORE d a nokey
    EXISTS d
    SUNIONSTORE d a c
    SMEMBERS d
    SDIFFSTORE d a a
    EXISTS d
    SET str v
    SINTER a str
    SINTER nokey str
    SUNION a str
    SDIFF a str
    SDIFF nokey str
    SINTERSTORE d a str
    SINTERSTORE str a b
    GET str
    SINTERCARD 2 a b
    SINTERCARD 3 a b c
    SINTERCARD 2 a nokey
    SINTERCARD 2 a b LIMIT 1
    SINTERCARD 2 a b LIMIT 0
    SINTERCARD 2 a b LIMIT -1
    SINTERCARD 2 a b LIMIT abc
    SINTERCARD 0 a
    SINTERCARD -1 a
    SINTERCARD abc a
    SINTERCARD 3 a b
    SINTERCARD 1 a FOO
    SINTERCARD 2 a str
    SADD w x y 1
    @sorted SINTER w a
    @sorted SUNION w a
    @sorted SDIFF w a
  `,
  "SPOP and SRANDMEMBER": script`
    FLUSHALL
    SPOP nokey
    SPOP nokey 3
    SRANDMEMBER nokey
    SRANDMEMBER nokey 3
    SADD s 1 2 3
    SRANDMEMBER s 0
    SRANDMEMBER s 10
    SRANDMEMBER s 3
    @type SRANDMEMBER s -5
    @type SRANDMEMBER s 2
    SRANDMEMBER s abc
    SRANDMEMBER s 1 2
    SRANDMEMBER s -9223372036854775808
    SPOP s 0
    SPOP s -1
    SPOP s abc
    SPOP s 1 2
    @type SPOP s 1
    SCARD s
    @type SPOP s 10
    EXISTS s
    SADD one x
    SPOP one
    EXISTS one
    SADD t 5
    SRANDMEMBER t
    SRANDMEMBER t -3
  `,
  "SSCAN": script`
    FLUSHALL
    SADD s 1 2 10
    SSCAN s 0
    SSCAN s 0 MATCH 1*
    SSCAN s 0 COUNT 0
    SSCAN s 0 TYPE set
    SSCAN nokey 0
    SSCAN s x
    SADD w a b c d e f g h i j k l m n o p q r s t u v w x y z
    @scan SSCAN w 0 COUNT 3
    @scan SSCAN w 0 MATCH a*
  `,
  "intset encodings": script`
    FLUSHALL
    SADD s 1 2 3
    OBJECT ENCODING s
    SADD s a
    OBJECT ENCODING s
    SREM s a
    OBJECT ENCODING s
    CONFIG SET set-max-intset-entries 3
    CONFIG GET set-max-intset-entries
    SADD t 1 2 3
    OBJECT ENCODING t
    SADD t 4
    OBJECT ENCODING t
    CONFIG SET set-max-intset-entries 512
    SADD u 9223372036854775808
    OBJECT ENCODING u
    SADD v -9223372036854775808
    OBJECT ENCODING v
  `,
  "key commands on hashes and sets": script`
    FLUSHALL
    HSET h a 1
    SADD s 1
    EXPIRE h 100
    TTL h
    PERSIST h
    TTL h
    RENAME h h2
    HGETALL h2
    RENAME s s2
    SMEMBERS s2
    COPY h2 h3
    HGETALL h3
    COPY h2 h3
    COPY h2 h3 REPLACE
    COPY h2 h2
    COPY h2 h2 DB 1
    COPY s2 s3 DB 1
    SELECT 1
    SMEMBERS s3
    SELECT 0
    COPY nokey x
    COPY h2 x DB 99
    COPY h2 x DB abc
    COPY h2 x FOO
    SET str 12
    COPY str str2
    GET str2
    PEXPIRE s2 100000
    COPY s2 s4
    @near=100 PTTL s4
    @sorted SCAN 0 TYPE hash COUNT 100
    @sorted SCAN 0 TYPE set COUNT 100
    @sorted SCAN 0 TYPE string COUNT 100
    DEL h2 s2
    UNLINK h3 s4
    @sorted KEYS *
  `,
  "random set operations": randomSets(),
});
