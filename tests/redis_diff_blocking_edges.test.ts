// Blocking pops at their edges, against redis-server byte for byte: timeout strings as Redis's
// strtold reads them ("inf", exponents, hex, tiny and huge values, rounding towards +inf to whole
// milliseconds), and what happens to a blocked client when its key changes type, its database is
// flushed, swapped or a list is moved into it. Inside MULTI a blocking pop answers at once, so
// the timeout's parsing is seen without waiting.

import { diffTest, script } from "./_diff.ts";

/** `BLPOP q <t>` inside MULTI, for each timeout string: the error, or the nil of "no wait". */
function parsed(timeouts: string[]): string {
  return ["MULTI", ...timeouts.map((t) => `BLPOP q ${t}`), "EXEC"].join("\n");
}

diffTest("blocking pops: timeout strings and key changes", {
  "timeout strings": script`${
    parsed([
      "inf",
      "+inf",
      "-inf",
      "INF",
      "infinity",
      "nan",
      "1e3",
      "1E2",
      "1e300",
      "1e-300",
      "1e-5000",
      "1e",
      "-0",
      "0.0001",
      "-0.0001",
      "-0.001",
      "-0.002",
      "-0.9",
      ".5",
      "5.",
      "0x10",
      "0x1p-3",
      "9223372036854775",
      "9223372036854776",
      "9999999999999999",
      "99999999999999999999",
      '" 1"',
      '"1 "',
      "1_0",
      '"1\\x00"',
      '""',
    ])
  }`,
  "the same errors outside MULTI, on every blocking pop": script`
    BLPOP q inf
    BRPOP q 1e300
    BLMOVE q d LEFT RIGHT -inf
    BRPOPLPUSH q d nan
    BLMPOP inf 1 q LEFT
    BLMPOP 1e 1 q LEFT
    BLPOP q 9999999999999999
  `,
  "tiny timeouts round up to a millisecond, tiny negative ones to forever": script`
    BLPOP q 0.0001
    BRPOP q 1e-300
    BLMPOP 0.0005 1 q LEFT
    @client=1 @nowait BLPOP q -0.0001
    @client=2 @nowait BLPOP q -0.001
    @client=3 @nowait BRPOP q 0x0.0000001p1
    # redis-server looks at timeouts at least every 100 ms (hz 10)
    @sleep 250
    RPUSH q a b c
    @client=1 @reply
    @client=2 @reply
    @client=3 @reply
  `,
  "the key becomes a string, is deleted, then a list again": script`
    @client=1 @nowait BLPOP q 0
    @sleep 30
    SET q string
    RPUSH q x
    @client=2 PING
    DEL q
    RPUSH q x
    @client=1 @reply
  `,
  "a key made a string and back within a transaction": script`
    @client=1 @nowait BLPOP q 0
    @sleep 30
    MULTI
    RPUSH q x
    DEL q
    SET q s
    EXEC
    @client=2 PING
    MULTI
    DEL q
    RPUSH q y
    EXEC
    @client=1 @reply
    EXISTS q
  `,
  "FLUSHALL and FLUSHDB do not wake, a later push does": script`
    @client=1 @nowait BLPOP q 0
    @sleep 30
    FLUSHALL
    FLUSHDB
    @client=2 PING
    RPUSH q after
    @client=1 @reply
  `,
  "SWAPDB brings a list to a waiter": script`
    @client=1 @nowait BLPOP q 0
    @sleep 30
    SELECT 1
    RPUSH q from1 more
    SWAPDB 0 1
    @client=1 @reply
    LRANGE q 0 -1
    SELECT 0
    LRANGE q 0 -1
  `,
  "SWAPDB takes the waiter's database away and back": script`
    @client=1 @nowait BLPOP q 0
    @sleep 30
    SWAPDB 0 1
    SELECT 1
    RPUSH q in1
    SELECT 0
    @client=2 PING
    SWAPDB 0 1
    @client=1 @reply
  `,
  "MOVE and RENAME bring a list to waiters, COPY too": script`
    @client=1 @nowait BLPOP q 0
    @client=2 @nowait BLPOP r 0
    @client=3 @nowait BLPOP c 0
    @sleep 30
    SELECT 1
    RPUSH q moved
    MOVE q 0
    SELECT 0
    @client=1 @reply
    RPUSH tmp renamed
    RENAME tmp r
    @client=2 @reply
    RPUSH src copied
    COPY src c
    @client=3 @reply
    LRANGE src 0 -1
  `,
  "LMOVE and SORT STORE into a waited key": script`
    @client=1 @nowait BLPOP dst 0
    @client=2 @nowait BLPOP sorted 0
    @sleep 30
    RPUSH src 3 1 2
    LMOVE src dst LEFT RIGHT
    @client=1 @reply
    SORT src STORE sorted
    @client=2 @reply
    LRANGE sorted 0 -1
  `,
});
