// The mini-redis command set (issue 4), replayed on a real redis-server and on tokserver redis:
// every reply must be byte for byte the same (see tests/_diff.ts). Connection commands, keys,
// pub/sub confirmations and deliveries across connections, the subscribed-context rules, CONFIG
// GET as redis-benchmark asks it, and Redis's error texts.

import { diffTest, script, type Step } from "./_diff.ts";

/** Unknown commands whose arguments pass Redis's 128-byte cut in the error text. */
function longArgs(): Step[] {
  const steps: Step[] = [];
  for (const n of [1, 40, 127, 128, 129, 300]) {
    steps.push({ cmd: ["NOSUCH", "a".repeat(n), "b".repeat(n), "c"] });
    steps.push({ cmd: ["x".repeat(n)] });
  }
  steps.push({ cmd: ["NO\0SUCH", "a\0b"] });
  steps.push({ cmd: ["NO\r\nSUCH", "a\nb"] });
  steps.push({ cmd: [new Uint8Array([0xe9, 0xff]), new Uint8Array([0x80])] });
  steps.push({ cmd: [""] });
  return steps;
}

diffTest("the mini-redis command set answers as Redis 7 does", {
  "PING, ECHO and QUIT's neighbours": script`
    PING
    PING hello
    PING ""
    PING a b
    ping
    ECHO x
    ECHO ""
    ECHO
    ECHO a b
  `,
  "GET, SET, DEL, EXISTS, DBSIZE and the flushes": script`
    SET a 1
    SET b 2
    SET c 3
    EXISTS a b nope a
    DBSIZE
    DEL a nope a
    EXISTS a
    GET a
    GET b
    DBSIZE x
    FLUSHDB x
    FLUSHDB ASYNC
    DBSIZE
    SET a 1
    FLUSHALL sync
    FLUSHALL async
    FLUSHALL foo
    FLUSHALL a b
    DBSIZE
    DEL
    EXISTS
  `,
  "expiry, lazily and actively": script`
    SET t 1 PX 30
    SET u 1 PX 30
    SET v 1 EX 100
    @sleep 60
    GET t
    EXISTS u
    EXISTS v
    SET w 1 PX 20
    @sleep 400
    DBSIZE
  `,
  "SET options in Redis's parse order": script`
    SET k v EX 10 EX 20
    SET k v PX 10 EX 20
    SET k v NX NX
    SET k v XX XX
    SET k v GET GET
    SET k v KEEPTTL KEEPTTL
    SET k v EX 10 KEEPTTL
    SET k v nx
    SET k v Get
    SET k v keepttl
    SET k v ex 1000 get
    SET k v exat 1
    GET k
    SET k v EX
    SET k v EX 9223372036854775
    SET k v EX 9223372036854776
    SET k v PX 1.5
    SET k v EX " 1"
    SET k v EX 01
  `,
  "SELECT, HELLO and CLIENT": script`
    SELECT 0
    SELECT x
    SELECT 99999999999
    SELECT
    HELLO 4
    HELLO 1
    HELLO x
    HELLO 2 foo
    HELLO 2 SETNAME
    HELLO 2 AUTH a
    CLIENT GETNAME
    CLIENT SETNAME "a b"
    CLIENT SETNAME a\nb
    CLIENT SETNAME ok-name
    CLIENT GETNAME
    CLIENT SETNAME ""
    CLIENT GETNAME
    CLIENT SETNAME
    CLIENT
    CLIENT foo
    CLIENT KILL 1.2.3.4:5
    CLIENT KILL ID 999999
    CLIENT KILL ID x
    CLIENT KILL foo bar
    @type HELLO 2
    @type HELLO
    @type CLIENT ID
    @type CLIENT INFO
  `,
  "CONFIG as redis-benchmark and clients ask": script`
    CONFIG GET save
    CONFIG GET appendonly
    CONFIG GET nosuchparam
    CONFIG GET
    CONFIG foo
    CONFIG
    CONFIG SET nosuch 1
    CONFIG SET timeout
    CONFIG RESETSTAT
  `,
  "unknown commands and their argument cut": longArgs(),
  "pub/sub confirmations and deliveries": script`
    @client=1 SUBSCRIBE news sport
    @client=1 PING
    PUBLISH news hello
    PUBLISH nobody x
    @client=1 PING
    @client=1 PING
    @client=2 PSUBSCRIBE n* [sx]port h?llo
    @client=2 PING
    @client=2 PING
    PUBLISH news again
    PUBLISH sport goal
    PUBLISH hello x
    PUBLISH hallo y
    @client=1 PING
    @client=1 PING
    @client=2 PING
    @client=2 PING
    @client=2 PING
    @client=2 PING
    @client=2 PING
    @client=2 PING
    PUBSUB NUMSUB news sport nobody
    PUBSUB NUMPAT
    @sorted PUBSUB CHANNELS
    @sorted PUBSUB CHANNELS n*
    PUBSUB foo
    PUBSUB
    @client=1 UNSUBSCRIBE news
    @client=1 UNSUBSCRIBE
    @client=1 UNSUBSCRIBE
    @client=1 PING
    @client=2 PUNSUBSCRIBE nope
    @client=2 PUNSUBSCRIBE
    @client=2 PING
    @client=2 PING
    @client=2 PUNSUBSCRIBE
    @client=2 PING
  `,
  "subscribed context refuses other commands": script`
    @client=1 SUBSCRIBE c
    @client=1 GET k
    @client=1 SET k v
    @client=1 PING
    @client=1 PING msg
    @client=1 FOO
    @client=1 SUBSCRIBE
    @client=1 ECHO x
    @client=1 @type CLIENT ID
    @client=1 PSUBSCRIBE p*
    @client=1 UNSUBSCRIBE
    @client=1 GET k
    @client=1 PUNSUBSCRIBE
    @client=1 GET k
    @client=1 RESET
  `,
  "RESET leaves pub/sub without unsubscribe replies": script`
    @client=1 SUBSCRIBE a b
    @client=1 PING
    @client=1 RESET
    @client=1 PING
    PUBSUB NUMSUB a b
  `,
});
