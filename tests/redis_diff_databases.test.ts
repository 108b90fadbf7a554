// The numbered databases, replayed on a real redis-server and on tokserver redis: SELECT, MOVE,
// SWAPDB, FLUSHDB, FLUSHALL, DBSIZE, KEYS, SCAN, RANDOMKEY, WATCH and expiry per database, INFO
// keyspace and CONFIG GET databases; every reply byte for byte (see tests/_diff.ts).

import type { Reply } from "../src/resp/reply_parser.ts";
import { diffTest, script } from "./_diff.ts";

const dec = new TextDecoder();

/** INFO replies with avg_ttl masked: Redis's estimate comes from its random samples. */
function infoMasked(redis: Reply, tok: Reply): string | undefined {
  const mask = (r: Reply) =>
    r instanceof Uint8Array ? dec.decode(r).replace(/avg_ttl=\d+/g, "avg_ttl=*") : String(r);
  const a = mask(redis), b = mask(tok);
  return a === b ? undefined : `INFO differs: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

diffTest("databases: SELECT, MOVE, SWAPDB, FLUSHDB, FLUSHALL, DBSIZE (as redis-server)", {
  "SELECT's range and errors": script`
    SELECT 0
    SELECT 15
    SELECT 16
    SELECT -1
    SELECT abc
    SELECT 1.5
    SELECT ""
    SELECT 99999999999
    SELECT 2147483648
    SELECT -2147483649
    SELECT 00000000003
    SELECT +3
    SELECT 3 4
    SELECT
    CONFIG GET databases
  `,
  "keys live apart per database": script`
    SET k zero
    SELECT 1
    GET k
    SET k one
    SET only1 x
    DBSIZE
    @sorted KEYS *
    SELECT 0
    GET k
    DBSIZE
    EXISTS only1
    @client=1 SELECT 1
    @client=1 GET k
    @client=1 MGET k only1
    @client=1 @type RANDOMKEY
    @client=2 SELECT 15
    @client=2 RANDOMKEY
    @client=2 DBSIZE
    @client=2 INCR n
    @client=2 APPEND s abc
    @client=1 @scan SCAN 0
    @scan SCAN 0
    INFO keyspace
  `,
  "MOVE: errors, existing targets, TTL kept": [
    ...script`
    SET a 1
    MOVE a 0
    MOVE a 16
    MOVE a -1
    MOVE a abc
    MOVE a 99999999999
    MOVE missing 1
    MOVE missing 0
    MOVE a 1
    EXISTS a
    SELECT 1
    GET a
    SET a other
    SELECT 0
    SET a 2 EX 1000
    MOVE a 1
    GET a
    SET b 3 PX 100000
    MOVE b 2
    EXISTS b
    SELECT 2
    @near=1 TTL b
    GET b
    MOVE b 2
    MOVE b 0
    SELECT 0
    @near=1 TTL b
  `,
    // Times to live: avg_ttl is an estimate from random samples.
    { cmd: ["INFO", "keyspace"], cmp: infoMasked },
  ],
  "MOVE of an expired key, and onto an expired key": script`
    SET gone v PX 20
    SELECT 1
    SET dst old PX 20
    SELECT 0
    SET dst new
    @sleep 60
    MOVE gone 1
    MOVE dst 1
    SELECT 1
    GET dst
    DBSIZE
  `,
  "SWAPDB: errors and the exchange": [
    ...script`
    SWAPDB 0 16
    SWAPDB 16 0
    SWAPDB -1 0
    SWAPDB a 1
    SWAPDB 0 a
    SWAPDB 99999999999 0
    SWAPDB 0 1.5
    SWAPDB 0 0
    SET in0 zero
    SET shared 0
    SELECT 1
    SET in1 one
    SET shared 1 EX 500
    SELECT 0
    SWAPDB 0 1
    @sorted KEYS *
    GET shared
    @near=1 TTL shared
    SELECT 1
    @sorted KEYS *
    GET shared
    TTL shared
    SWAPDB 1 5
    DBSIZE
    SELECT 5
    DBSIZE
  `,
    // Times to live: avg_ttl is an estimate from random samples.
    { cmd: ["INFO", "keyspace"], cmp: infoMasked },
  ],
  "FLUSHDB empties the selected database, FLUSHALL all of them": script`
    SET a 1
    SELECT 1
    SET b 2
    SELECT 2
    SET c 3
    FLUSHDB
    DBSIZE
    FLUSHDB SYNC
    FLUSHDB ASYNC
    FLUSHDB LAZY
    FLUSHDB SYNC ASYNC
    SELECT 1
    DBSIZE
    SELECT 0
    DBSIZE
    INFO keyspace
    FLUSHALL
    SELECT 1
    DBSIZE
    INFO keyspace
    FLUSHALL ASYNC
    FLUSHALL nope
  `,
  "expiry in another database, lazily and by the sweep": script`
    SELECT 7
    SET lazy v PX 30
    SET swept v PX 30
    SET stays v
    @sleep 350
    INFO keyspace
    GET lazy
    DBSIZE
    SELECT 0
    DBSIZE
  `,
  "INFO keyspace lines with and without times to live": [
    ...script`
      SET a 1
      SET b 2 EX 1000
      SELECT 3
      SET c 3
      SELECT 12
      MSET x 1 y 2 z 3
    `,
    { cmd: ["INFO", "keyspace"], cmp: infoMasked },
    { cmd: ["INFO"], cmp: "ignore" },
  ],
  "SCAN, KEYS and RANDOMKEY stay in their database": script`
    MSET a 1 b 2 c 3
    SELECT 4
    MSET d 4 e 5
    @scan SCAN 0 COUNT 1
    @scan SCAN 0 MATCH d*
    @sorted KEYS *
    DEL d e
    RANDOMKEY
    @scan SCAN 0
    SELECT 0
    @sorted KEYS *
  `,
  "WATCH per database: writes elsewhere, MOVE, SWAPDB, FLUSHALL": script`
    SET k v
    WATCH k
    @client=1 SELECT 1
    @client=1 SET k other
    MULTI
    GET k
    EXEC
    SELECT 1
    WATCH k
    @client=1 MOVE k 2
    MULTI
    PING
    EXEC
    SELECT 0
    WATCH k
    @client=1 SWAPDB 0 3
    MULTI
    PING
    EXEC
    SELECT 3
    WATCH nothere
    @client=1 SELECT 5
    @client=1 SET nothere x
    @client=1 SWAPDB 3 5
    MULTI
    PING
    EXEC
    WATCH k
    @client=2 FLUSHALL
    MULTI
    PING
    EXEC
    WATCH a
    SELECT 0
    WATCH a
    @client=1 SELECT 3
    @client=1 SET a 1
    MULTI
    PING
    EXEC
  `,
  "a transaction that SELECTs": script`
    MULTI
    SET a 0
    SELECT 1
    SET a 1
    SELECT 99
    MOVE a 2
    EXEC
    GET a
    SELECT 2
    GET a
    SELECT 0
    GET a
  `,
  "RESET selects database 0": script`
    SELECT 9
    SET k 9
    RESET
    GET k
    DBSIZE
  `,
});

diffTest(
  "databases: --databases 4 (as redis-server's databases 4)",
  {
    "the range follows the setting": script`
      CONFIG GET databases
      SELECT 3
      SELECT 4
      SET k v
      MOVE k 4
      MOVE k 3
      SWAPDB 0 4
      SWAPDB 3 0
      DBSIZE
    `,
  },
  ["--databases", "4"],
  ["--databases", "4"],
);
