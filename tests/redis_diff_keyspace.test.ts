// The keyspace commands, replayed on a real redis-server and on tokserver redis: every reply must
// be byte for byte the same (see tests/_diff.ts). Expiries are driven by short PX values and
// sleeps; replies that depend on chance or on the clock use a comparator.

import { type Reply, ReplyParser } from "../src/resp/reply_parser.ts";
import { diffTest, RawConn, script, startPair, type Step } from "./_diff.ts";
import { assert, assertEquals, which } from "./_util.ts";

/** Deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random keys and glob patterns over the special characters, compared with KEYS and SCAN. */
function globScript(): Step[] {
  const r = rng(7);
  const word = (alphabet: string, max: number) => {
    let s = "";
    const n = 1 + Math.floor(r() * max);
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
    return s;
  };
  const steps: Step[] = [];
  for (let i = 0; i < 60; i++) steps.push({ cmd: ["SET", word("ab-^]\\[*?x", 5), "v"] });
  for (let i = 0; i < 80; i++) {
    const p = word("ab*?[]^-\\x", 6);
    steps.push({ cmd: ["KEYS", p], cmp: "sorted" });
    steps.push({ cmd: ["SCAN", "0", "MATCH", p, "COUNT", "3"], cmp: "scan" });
  }
  return steps;
}

/** Many keys, so SCAN really has to continue across calls. */
function manyKeysScript(): Step[] {
  const steps: Step[] = [];
  const mset: string[] = ["MSET"];
  for (let i = 0; i < 500; i++) mset.push(`key:${i}`, String(i));
  steps.push({ cmd: mset });
  steps.push({ cmd: ["DBSIZE"] });
  steps.push({ cmd: ["SCAN", "0"], cmp: "scan" });
  steps.push({ cmd: ["SCAN", "0", "COUNT", "1"], cmp: "scan" });
  steps.push({ cmd: ["SCAN", "0", "COUNT", "7", "MATCH", "key:1*"], cmp: "scan" });
  steps.push({
    cmd: ["SCAN", "0", "COUNT", "1000", "MATCH", "key:4?9", "TYPE", "string"],
    cmp: "sorted",
  });
  steps.push({ cmd: ["SCAN", "0", "TYPE", "list", "COUNT", "10000"] });
  steps.push({ cmd: ["KEYS", "key:2?"], cmp: "sorted" });
  steps.push({ cmd: ["RANDOMKEY"], cmp: "type" });
  const del = ["DEL"];
  for (let i = 0; i < 500; i += 2) del.push(`key:${i}`);
  steps.push({ cmd: del });
  steps.push({ cmd: ["SCAN", "0", "COUNT", "5"], cmp: "scan" });
  steps.push({ cmd: ["DBSIZE"] });
  // Past a few thousand keys RANDOMKEY walks instead of counting; with all keys expired: nil.
  const big: string[] = ["MSET"];
  for (let i = 0; i < 6000; i++) big.push(`big:${i}`, "v");
  steps.push({ cmd: big });
  for (let i = 0; i < 5; i++) steps.push({ cmd: ["RANDOMKEY"], cmp: "type" });
  steps.push({ cmd: ["FLUSHALL"] });
  for (let i = 0; i < 6000; i += 500) {
    const batch: string[] = [];
    for (let j = i; j < i + 500; j++) batch.push(`SET`, `short:${j}`, "v", "PX", "40");
    for (let j = 0; j < batch.length; j += 5) steps.push({ cmd: batch.slice(j, j + 5) });
  }
  steps.push({ sleep: 100 });
  steps.push({ cmd: ["RANDOMKEY"] });
  steps.push({ cmd: ["KEYS", "*"] });
  steps.push({ cmd: ["SCAN", "0", "COUNT", "10000"] });
  return steps;
}

diffTest("keyspace commands answer as Redis 7 does", {
  "DEL, UNLINK, EXISTS and TOUCH count keys, duplicates as Redis counts them": script`
    SET a 1
    SET b 2
    SET c 3
    EXISTS a
    EXISTS a a a
    EXISTS a b nope
    EXISTS nope
    TOUCH a b nope a
    DEL a a
    DEL a
    EXISTS a
    UNLINK b c nope
    UNLINK b
    DEL nope1 nope2
    SET "" empty
    EXISTS ""
    DEL ""
    SET "bin\x00key" v
    EXISTS "bin\x00key" "bin"
    DEL "bin\x00key"
    DEL
    UNLINK
    EXISTS
    TOUCH
    del
    eXiStS
  `,
  "TYPE names a string and none": script`
    SET s v
    TYPE s
    TYPE nope
    TYPE
    TYPE s s
    SET n 12
    TYPE n
  `,
  "KEYS follows Redis's glob rules": script`
    MSET hello 1 hallo 2 hxllo 3 hllo 4 heeeello 5 "h*llo" 6 "h?llo" 7 "h[a]llo" 8 "h\\llo" 9
    MSET a 1 b 2 c 3 d 4 x 5 "" 6 "-" 7 "^" 8 "]" 9
    MSET "\xe9t\xe9" 1 "nul\x00key" 2 "\xff" 3 "\x80" 4
    @sorted KEYS *
    @sorted KEYS **
    @sorted KEYS ?
    @sorted KEYS h?llo
    @sorted KEYS h*llo
    @sorted KEYS h[ae]llo
    @sorted KEYS h[^e]llo
    @sorted KEYS h[a-b]llo
    @sorted KEYS h[b-a]llo
    @sorted KEYS [a-c]
    @sorted KEYS [c-a]
    @sorted KEYS [^x]
    @sorted KEYS [^a-c]
    @sorted KEYS "h\\*llo"
    @sorted KEYS "h\\?llo"
    @sorted KEYS "h\\[a]llo"
    @sorted KEYS "h\\\\llo"
    @sorted KEYS "h[\\]]llo"
    @sorted KEYS [a-]
    @sorted KEYS [a-]]
    @sorted KEYS [
    @sorted KEYS [a
    @sorted KEYS [^
    @sorted KEYS "\\"
    @sorted KEYS ""
    @sorted KEYS "[\\-]"
    @sorted KEYS "[]]"
    @sorted KEYS h*
    @sorted KEYS *o
    @sorted KEYS *l*
    @sorted KEYS *e*e*
    @sorted KEYS nomatch*
    @sorted KEYS "*\x00*"
    @sorted KEYS "[\xe0-\xff]*"
    @sorted KEYS "[a-\xff]"
    @sorted KEYS "?t?"
    @sorted SCAN 0 MATCH "\xe9*" COUNT 1000
    KEYS
    KEYS a b
  `,
  "KEYS skips expired keys": script`
    SET live 1
    SET short 1 PX 50
    SET longer 1 PX 100000
    @sleep 120
    @sorted KEYS *
    @sorted KEYS *o*
    EXISTS short
  `,
  "SCAN walks every key and checks its arguments": script`
    MSET k1 1 k2 2 k3 3 other 4
    SET gone 1 PX 40
    @sleep 100
    @sorted SCAN 0
    @sorted SCAN 0 COUNT 100
    @sorted SCAN 0 MATCH k*
    @sorted SCAN 0 match k? count 1000
    @sorted SCAN 0 MATCH * COUNT 1000
    @sorted SCAN 0 TYPE string
    @sorted SCAN 0 TYPE STRING
    @sorted SCAN 0 TYPE list
    @sorted SCAN 0 TYPE nosuchtype
    @sorted SCAN 0 MATCH x* MATCH k* COUNT 5 COUNT 1000
    @scan SCAN 0 COUNT 1
    @scan SCAN 0 COUNT 2 MATCH k*
    SCAN 0 COUNT 0
    SCAN 0 COUNT -1
    SCAN 0 COUNT abc
    SCAN 0 COUNT 9223372036854775808
    SCAN 0 MATCH
    SCAN 0 COUNT
    SCAN 0 TYPE
    SCAN 0 FOO bar
    SCAN 0 MATCH k* extra
    SCAN abc
    SCAN 1.5
    SCAN " 1"
    SCAN 18446744073709551616
    SCAN 0x10
    SCAN
  `,
  "SCAN of an empty keyspace and of odd cursors": script`
    SCAN 0
    SCAN 0 COUNT 1
    SCAN 0 MATCH *
    SET k v
    SCAN 0
    @scan SCAN 0 COUNT 1
    SCAN 0 MATCH nomatch
  `,
  "SCAN continues across calls over many keys": manyKeysScript(),
  "KEYS and SCAN agree with Redis on random glob patterns": globScript(),
  "RANDOMKEY returns a key, or nil when there is none": script`
    RANDOMKEY
    SET only v
    RANDOMKEY
    RANDOMKEY
    DEL only
    RANDOMKEY
    SET short 1 PX 30
    @sleep 80
    RANDOMKEY
    MSET a 1 b 2 c 3
    @type RANDOMKEY
    RANDOMKEY extra
  `,
  "RENAME and RENAMENX move values and their time to live": script`
    SET src v
    RENAME src dst
    GET src
    GET dst
    RENAME src dst
    RENAMENX src dst
    RENAME dst dst
    RENAMENX dst dst
    RENAME nope nope
    RENAMENX nope nope
    SET other o
    RENAMENX dst other
    GET dst
    RENAME dst other
    GET other
    EXISTS dst
    SET ttl v PX 100000
    SET plain p
    RENAME ttl moved
    @near=1000 PTTL moved
    RENAME plain moved
    PTTL moved
    GET moved
    SET ttl2 v PX 100000
    SET target t PX 5000
    RENAME target ttl2
    @near=1000 PTTL ttl2
    SET x v
    SET y w PX 100000
    RENAME x y
    PTTL y
    SET quick v PX 40
    @sleep 90
    RENAME quick else
    RENAMENX quick else
    RENAME
    RENAME a
    RENAME a b c
    RENAMENX a
  `,
  "EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT with NX, XX, GT and LT": script`
    SET k v
    EXPIRE k 100
    TTL k
    @near=1000 PTTL k
    PEXPIRE k 200000
    TTL k
    EXPIRE nope 100
    PEXPIRE nope 100
    EXPIREAT nope 100
    PEXPIREAT nope 100
    SET n v
    EXPIRE n 100 XX
    TTL n
    EXPIRE n 100 GT
    TTL n
    EXPIRE n 100 LT
    TTL n
    PERSIST n
    EXPIRE n 100 NX
    EXPIRE n 200 NX
    TTL n
    EXPIRE n 200 XX
    TTL n
    EXPIRE n 100 GT
    EXPIRE n 300 GT
    TTL n
    EXPIRE n 400 LT
    EXPIRE n 50 LT
    TTL n
    EXPIRE n 50 lt
    EXPIRE n 60 xX gT
    TTL n
    EXPIRE n 10 XX LT
    TTL n
    PEXPIREAT n 4102444800123
    PEXPIREAT n 4102444800123 GT
    PEXPIREAT n 4102444800123 LT
    PEXPIREAT n 4102444800124 GT
    PEXPIREAT n 4102444800123 LT
    EXPIREAT n 4102444800 LT
    EXPIREAT n 4102444800 GT
    EXPIREAT n 4102444800 LT
    PEXPIRETIME n
    PEXPIREAT n 4102444800000 NX
    PEXPIREAT n 4102444800000 XX
    EXPIRE n 10 NX XX
    EXPIRE n 10 NX GT
    EXPIRE n 10 NX LT
    EXPIRE n 10 GT LT
    EXPIRE n 10 XX GT LT
    EXPIRE n 10 NX NX
    EXPIRE n 20 GT GT
    TTL n
    EXPIRE n 10 FOO
    EXPIRE n 10 NX FOO
    EXPIRE n abc NX XX
    EXPIRE n abc FOO
    EXPIRE n abc
    EXPIRE n 1.5
    EXPIRE n ""
    EXPIRE n " 10"
    EXPIRE n +10
    EXPIRE n 010
    EXPIRE n 9223372036854775807
    EXPIRE n 9223372036854775
    EXPIRE n 9223372036854776
    EXPIRE n -9223372036854775808
    PEXPIRE n 9223372036854775807
    EXPIREAT n 9223372036854775807
    EXPIREAT n 9223372036854775
    PEXPIREAT n 9007199254740991
    PEXPIRETIME n
    EXPIRETIME n
    PEXPIREAT n 9223372036854775807
    PEXPIREAT n 9223372036854775808
    PEXPIREAT n -9223372036854775808
    TTL n
    EXPIRE n
    EXPIRE
    PEXPIRE n
    EXPIREAT n
    PEXPIREAT n
  `,
  "expiry in the past or at zero deletes the key": script`
    SET a v
    EXPIRE a 0
    EXISTS a
    SET b v
    EXPIRE b -10
    EXISTS b
    SET c v
    PEXPIRE c -1
    GET c
    SET d v
    EXPIREAT d 1
    EXISTS d
    SET e v
    PEXPIREAT e 1000
    EXISTS e
    SET f v
    EXPIREAT f 0
    TYPE f
    SET g v PX 100000
    EXPIRE g -1 GT
    EXISTS g
    EXPIRE g -1 LT
    EXISTS g
    SET h v
    EXPIRE h -1 LT
    EXISTS h
    SET i v
    EXPIRE i -1 GT
    EXISTS i
    EXPIRE i -1 NX
    EXISTS i
  `,
  "keys expire after short PX times, lazily and when listed": script`
    SET a 1 PX 60
    SET b 2 PX 60
    SET c 3 PX 100000
    PSETEX d 60 4
    SET e 5
    PEXPIRE e 60
    EXISTS a b c d e
    @sleep 150
    GET a
    EXISTS a b c d e
    TTL a
    PTTL b
    TYPE d
    PERSIST e
    EXPIRE e 10
    DEL a b d e
    EXISTS c
    DBSIZE
  `,
  "TTL, PTTL, EXPIRETIME and PEXPIRETIME": script`
    SET k v
    TTL k
    PTTL k
    EXPIRETIME k
    PEXPIRETIME k
    TTL nope
    PTTL nope
    EXPIRETIME nope
    PEXPIRETIME nope
    EXPIREAT k 4102444800
    EXPIRETIME k
    PEXPIRETIME k
    PEXPIREAT k 4102444800123
    EXPIRETIME k
    PEXPIRETIME k
    PEXPIREAT k 4102444800499
    EXPIRETIME k
    PEXPIREAT k 4102444800500
    EXPIRETIME k
    SET t v PX 10500
    @near=1 TTL t
    SET t v PX 1499
    @near=1 TTL t
    SET t v PX 100000
    @near=1000 PTTL t
    TTL
    TTL a b
    PTTL
    EXPIRETIME
    PEXPIRETIME a b
  `,
  "PERSIST removes a time to live": script`
    SET k v PX 100000
    PERSIST k
    PERSIST k
    TTL k
    PERSIST nope
    SET q v PX 40
    @sleep 90
    PERSIST q
    EXISTS q
    PERSIST
    PERSIST a b
  `,
  "writes that keep or drop a time to live": script`
    SET k v PX 100000
    SET k w
    TTL k
    SET k v PX 100000
    SET k w KEEPTTL
    @near=1 TTL k
    APPEND k x
    @near=1 TTL k
    SETRANGE k 0 y
    @near=1 TTL k
    SET n 1 PX 100000
    INCR n
    @near=1 TTL n
    INCRBYFLOAT n 1.5
    @near=1 TTL n
    GETSET n 5
    TTL n
    SET m 1 PX 100000
    MSET m 2
    TTL m
    SET g v PX 100000
    GETEX g PERSIST
    TTL g
    GETEX g PX 100000
    @near=1 TTL g
    GETEX g
    @near=1 TTL g
  `,
  "DBSIZE, FLUSHDB and FLUSHALL": script`
    DBSIZE
    MSET a 1 b 2 c 3
    DBSIZE
    FLUSHDB
    DBSIZE
    MSET a 1 b 2
    FLUSHALL
    DBSIZE
    SET a 1
    FLUSHDB SYNC
    SET a 1
    FLUSHDB ASYNC
    SET a 1
    FLUSHALL sync
    SET a 1
    FLUSHALL async
    DBSIZE
    FLUSHDB foo
    FLUSHALL foo
    FLUSHDB SYNC ASYNC
    FLUSHALL ASYNC ASYNC
    DBSIZE extra
  `,
});

const dec = new TextDecoder();

function parseReply(raw: Uint8Array): Reply {
  const p = new ReplyParser();
  p.push(raw);
  return p.next()!;
}

/**
 * Runs a full SCAN while other keys are deleted and added between calls; returns the keys seen.
 * Keys present for the whole scan must all be seen (Redis's SCAN guarantee).
 */
async function scanWhileChanging(port: number): Promise<Set<string>> {
  const conn = await RawConn.connect(port);
  try {
    await conn.call(["FLUSHALL"]);
    const mset = ["MSET"];
    for (let i = 0; i < 600; i++) mset.push(`stable:${i}`, "v");
    for (let i = 0; i < 300; i++) mset.push(`churn:${i}`, "v");
    await conn.call(mset);
    const seen = new Set<string>();
    let cursor = "0";
    let round = 0;
    do {
      const r = parseReply(await conn.call(["SCAN", cursor, "COUNT", "15"]));
      assert(Array.isArray(r) && r.length === 2 && Array.isArray(r[1]), `bad reply ${r}`);
      cursor = dec.decode(r[0] as Uint8Array);
      for (const k of r[1] as Uint8Array[]) seen.add(dec.decode(k));
      // Churn: delete three old keys, add three new ones.
      for (let j = 0; j < 3; j++) {
        await conn.call(["DEL", `churn:${round * 3 + j}`]);
        await conn.call(["SET", `new:${round * 3 + j}`, "v"]);
      }
      round++;
    } while (cursor !== "0" && round < 5000);
    assertEquals(cursor, "0", "the scan ended");
    return seen;
  } finally {
    conn.close();
  }
}

Deno.test({
  name: "SCAN returns every key that exists throughout, while keys come and go (as Redis)",
  ignore: which("redis-server") === undefined,
  async fn() {
    await using pair = await startPair();
    for (const [name, port] of [["redis", pair!.redisPort], ["tokserver", pair!.tokPort]]) {
      const seen = await scanWhileChanging(port as number);
      const missing = [];
      for (let i = 0; i < 600; i++) if (!seen.has(`stable:${i}`)) missing.push(i);
      assertEquals(missing, [], `${name} missed stable keys`);
      for (const k of seen) assert(/^(stable|churn|new):\d+$/.test(k), `${name} invented ${k}`);
    }
  },
});
