// MULTI, EXEC, DISCARD, WATCH and UNWATCH, replayed on a real redis-server and on tokserver redis:
// every reply must be byte for byte the same (see tests/_diff.ts). Scripts use a second
// connection (@client=1) for the writes that must fail a watcher's EXEC, and short PX values with
// sleeps for expiries. Where an expiry may or may not have been collected by the background sweep
// when the next command arrives, the script is built so that Redis's answer is the same either
// way.

import type { Reply } from "../src/resp/reply_parser.ts";
import { diffTest, script, show, type Step } from "./_diff.ts";
import { scriptAofFiles } from "./_aof_pair.ts";
import { assertEquals, which } from "./_util.ts";

/**
 * For each write, a watcher of `k` (holding "hello" with a long TTL) sees whether the write
 * touched it: EXEC answers nil when it did and runs when it did not, as on redis-server.
 */
function touchScript(): Step[] {
  const writes: string[][] = [
    ["SET", "k", "hello"],
    ["SET", "k", "x", "NX"],
    ["SET", "k", "x", "XX"],
    ["SET", "k", "x", "KEEPTTL"],
    ["SETNX", "k", "x"],
    ["SETEX", "k", "100", "x"],
    ["PSETEX", "k", "100000", "x"],
    ["GETSET", "k", "x"],
    ["GETDEL", "k"],
    ["GETDEL", "nokey"],
    ["GETEX", "k"],
    ["GETEX", "k", "PERSIST"],
    ["GETEX", "k", "EX", "1000"],
    ["GET", "k"],
    ["MGET", "k", "nokey"],
    ["MSET", "other", "1", "k", "2"],
    ["MSETNX", "k", "1", "fresh", "2"],
    ["APPEND", "k", "more"],
    ["APPEND", "k", ""],
    ["SETRANGE", "k", "1", "ZZ"],
    ["SETRANGE", "k", "0", ""],
    ["GETRANGE", "k", "0", "-1"],
    ["STRLEN", "k"],
    ["DEL", "k"],
    ["DEL", "nokey"],
    ["UNLINK", "k"],
    ["EXISTS", "k"],
    ["TOUCH", "k"],
    ["TYPE", "k"],
    ["EXPIRE", "k", "100"],
    ["EXPIRE", "k", "100", "NX"],
    ["EXPIRE", "k", "1", "GT"],
    ["PEXPIRE", "k", "-1"],
    ["EXPIREAT", "k", "1"],
    ["PERSIST", "k"],
    ["PERSIST", "nokey"],
    ["TTL", "k"],
    ["RENAME", "k", "moved"],
    ["RENAME", "k", "k"],
    ["RENAMENX", "k", "other"],
    ["RENAME", "other", "k"],
    ["RENAMENX", "other", "k"],
    ["INCR", "k"],
    ["INCRBY", "other", "0"],
    ["DECRBY", "other", "1"],
    ["INCRBYFLOAT", "other", "0"],
    ["FLUSHDB"],
    ["FLUSHALL"],
  ];
  const steps: Step[] = [];
  for (const w of writes) {
    steps.push(
      { cmd: ["FLUSHALL"] },
      { cmd: ["SET", "k", "hello", "EX", "100000"] },
      { cmd: ["SET", "other", "5"] },
      { cmd: ["WATCH", "k"] },
      { cmd: w, client: 1 },
      { cmd: ["MULTI"] },
      { cmd: ["GET", "k"] },
      { cmd: ["EXEC"] },
    );
  }
  return steps;
}

/** Compares CLIENT LIST replies by each client's flags= and multi= fields (sorted). */
function txFields(redis: Reply, tok: Reply): string | undefined {
  const fields = (r: Reply) => {
    if (!(r instanceof Uint8Array)) return `not a bulk string: ${String(r)}`;
    return new TextDecoder().decode(r).trim().split("\n").map((line) =>
      line.split(" ").filter((f) => f.startsWith("flags=") || f.startsWith("multi=")).join(" ")
    ).sort().join(" | ");
  };
  const a = fields(redis), b = fields(tok);
  return a === b ? undefined : `flags/multi differ: redis ${a}, tokserver ${b}`;
}

const clientList: Step = { cmd: ["CLIENT", "LIST"], client: 1, cmp: txFields };

diffTest("transactions answer as Redis 7 does", {
  "CLIENT LIST shows MULTI (x, queued count) and a failed WATCH (d)": [
    clientList,
    ...script`
      MULTI
      SET a 1
      INCR a
    `,
    clientList,
    ...script`
      DISCARD
      WATCH k
      @client=1 SET k 1
    `,
    clientList,
    ...script`
      MULTI
    `,
    clientList,
    ...script`
      EXEC
    `,
    clientList,
  ],
  "MULTI queues commands, EXEC runs them in order and answers every reply": script`
    MULTI
    SET a 1
    INCR a
    GET a
    APPEND a xyz
    GET a
    DEL a nope
    EXEC
    GET a
    MULTI
    EXEC
    multi
    PING
    eXeC
    MULTI
    SET "bin\x00key" "\x00\xff"
    GET "bin\x00key"
    EXEC
  `,
  "errors inside EXEC are elements of its reply; the other commands still run": script`
    SET s notanumber
    MULTI
    INCR s
    SET t 1
    INCRBYFLOAT t abc
    SET t 2 EX 0
    SET t 3 NX XX
    INCRBY t 9223372036854775807
    GET t
    EXPIRE t abc
    EXEC
    GET t
  `,
  "a command rejected while queuing makes EXEC answer EXECABORT": script`
    MULTI
    SET a 1
    SET a
    EXEC
    GET a
    MULTI
    NOSUCHCOMMAND x y
    SET a 1
    EXEC
    MULTI
    CLIENT NOPE
    EXEC
    MULTI
    GET
    PING
    GET a b
    EXEC
    MULTI
    SHUTDOWN
    PING
    EXEC
    MULTI
    DISCARD x
    EXEC
    MULTI
    SET a 1
    EXEC extra
    EXEC
    GET a
  `,
  "transaction commands out of place": script`
    EXEC
    DISCARD
    EXEC x
    DISCARD x
    MULTI x
    UNWATCH x
    WATCH
    MULTI
    MULTI
    WATCH a
    SET a 1
    EXEC
    GET a
    MULTI
    SET a 2
    DISCARD
    GET a
    DISCARD
  `,
  "commands are queued inside MULTI as Redis queues them": script`
    MULTI
    PING
    PING hello
    ECHO hi
    UNWATCH
    SELECT 0
    CLIENT SETNAME txname
    CLIENT GETNAME
    DBSIZE
    TYPE a
    EXISTS a
    PUBLISH ch msg
    KEYS *
    FLUSHALL
    EXEC
    CLIENT GETNAME
    MULTI
    SUBSCRIBE ch1 ch2
    EXEC
    PING
    RESET
    PING
  `,
  "RESET inside MULTI ends it without running the queue": script`
    MULTI
    SET r 1
    RESET
    EXEC
    GET r
  `,
  "QUIT inside MULTI closes the connection without running the queue": script`
    MULTI
    SET q 1
    QUIT
    @client=1 GET q
  `,
  "EXEC, MULTI and WATCH are refused in a subscribed RESP2 connection": script`
    SUBSCRIBE ch
    EXEC
    MULTI
    DISCARD
    WATCH k
    UNWATCH
    RESET
    MULTI
    EXEC
  `,
  "a write from another connection fails EXEC; the keys are then no longer watched": script`
    SET k v
    WATCH k
    @client=1 SET k v
    MULTI
    SET k mine
    EXEC
    GET k
    MULTI
    SET k mine
    EXEC
    GET k
    WATCH k
    @client=1 SET k theirs
    WATCH k
    MULTI
    EXEC
  `,
  "WATCH of several keys, watched twice, untouched or touched by reads only": script`
    SET k v
    WATCH k other k
    WATCH k
    @client=1 GET k
    @client=1 EXISTS other
    @client=1 SET unrelated 1
    MULTI
    INCR counter
    EXEC
    WATCH a b c d k
    @client=1 INCR c
    MULTI
    INCR counter
    EXEC
    GET counter
  `,
  "a watcher's own write fails its EXEC; one that creates a watched key too": script`
    SET k v
    WATCH k
    SET k own
    MULTI
    PING
    EXEC
    WATCH newkey
    @client=1 SET newkey 1
    MULTI
    PING
    EXEC
  `,
  "UNWATCH and DISCARD forget watched keys; UNWATCH queued in MULTI does not": script`
    SET k v
    WATCH k
    @client=1 SET k w
    UNWATCH
    MULTI
    PING
    EXEC
    WATCH k
    MULTI
    DISCARD
    @client=1 SET k x
    MULTI
    PING
    EXEC
    WATCH k
    @client=1 SET k y
    MULTI
    UNWATCH
    EXEC
    UNWATCH
    UNWATCH
  `,
  "RESET forgets watched keys": script`
    SET k v
    WATCH k
    @client=1 SET k w
    RESET
    MULTI
    PING
    EXEC
  `,
  "a transaction's writes at EXEC fail other watchers, not itself": script`
    SET k v
    @client=1 WATCH k
    WATCH k
    MULTI
    SET k t
    GET k
    EXEC
    @client=1 MULTI
    @client=1 GET k
    @client=1 EXEC
  `,
  "which writes touch a watched key": touchScript(),
  "a watched key that expires before EXEC fails it, even if nobody removed it yet": script`
    SET e v PX 1000
    WATCH e
    @sleep 1300
    MULTI
    PING
    EXEC
    SET e v
    WATCH e
    @client=1 PEXPIRE e 50
    @sleep 150
    MULTI
    PING
    EXEC
    SET e v PX 100000
    WATCH e
    MULTI
    PING
    EXEC
  `,
  "a key already expired at WATCH: its removal is no change, a new value is": script`
    SET e v PX 50
    @sleep 150
    WATCH e
    @client=1 GET e
    MULTI
    PING
    EXEC
    SET e v PX 50
    @sleep 150
    WATCH e
    MULTI
    PING
    EXEC
    SET e v PX 50
    @sleep 150
    WATCH e
    @client=1 SET e new
    MULTI
    PING
    EXEC
    SET e v PX 50
    @sleep 150
    WATCH e
    @client=1 SET e new PX 50
    @sleep 150
    MULTI
    PING
    EXEC
  `,
  "FLUSHDB and FLUSHALL fail EXEC for watched keys that were stored": script`
    SET f v
    WATCH f
    FLUSHDB
    MULTI
    PING
    EXEC
    WATCH missing
    @client=1 FLUSHALL
    MULTI
    PING
    EXEC
    SET f v
    WATCH f missing
    @client=1 FLUSHALL ASYNC
    MULTI
    PING
    EXEC
    FLUSHALL
    WATCH f
    FLUSHALL
    MULTI
    PING
    EXEC
    SET f v PX 50
    @sleep 150
    WATCH f
    FLUSHALL
    MULTI
    PING
    EXEC
    SET f v PX 1000
    WATCH f
    @sleep 1300
    FLUSHALL
    MULTI
    PING
    EXEC
  `,
  "FLUSHALL inside a transaction fails other watchers": script`
    SET f v
    @client=1 WATCH f
    MULTI
    FLUSHALL
    SET g 1
    EXEC
    @client=1 MULTI
    @client=1 PING
    @client=1 EXEC
    DBSIZE
  `,
});

Deno.test({
  name: "EXEC propagates MULTI ... EXEC around more than one change, byte for byte as Redis's AOF",
  ignore: which("redis-server") === undefined,
  async fn() {
    const files = await scriptAofFiles(
      script`
          SET plain 1
          MULTI
          SET one 1
          EXEC
          MULTI
          SET a 1
          INCR a
          APPEND a x
          GET a
          EXEC
          MULTI
          GET a
          EXISTS a
          EXEC
          MULTI
          DEL nokey
          SET b 1
          EXEC
          SET s notanumber
          MULTI
          INCR s
          SET c 1
          INCR s
          EXEC
          MULTI
          SET d 1
          NOSUCHCOMMAND
          EXEC
          MULTI
          SET e 1
          DISCARD
          WATCH w
          @client=1 SET w theirs
          MULTI
          SET w mine
          SET w2 mine
          EXEC
          MULTI
          MSET m1 1 m2 2
          FLUSHALL
          SET after 1
          EXEC
          INCR plain
        `,
      "tx_aof",
    );
    assertEquals(files.problems, []);
    assertEquals(show(files.tok, 1e6), show(files.redis, 1e6));
  },
});
