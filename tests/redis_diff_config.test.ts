// CONFIG GET / SET / RESETSTAT / HELP / REWRITE replayed on redis-server 7.0.15 and tokserver
// (tests/_diff.ts): exact names and single parameters byte for byte; replies that list several
// parameters compared as sets of pairs (Redis's order comes from a hash table seeded at random on
// each start), restricted to the parameters tokserver reports (config_params.ts: Redis has ~380,
// every one tokserver lists must be there with the same value, and every one Redis matches that
// tokserver reports must be listed). CONFIG SET's checks, errors and all-or-nothing rule are
// compared byte for byte, with each change seen through CONFIG GET and through its effect.

import { diffTest, RawConn, script } from "./_diff.ts";
import { assertEquals, startRedisServer, startServer } from "./_util.ts";
import { type Reply, ReplyError } from "../src/resp/reply_parser.ts";
import { CONFIG_PARAMS } from "../src/redis/commands/config_params.ts";

const dec = new TextDecoder();

// The port differs by nature; `dir` is each server's own folder.
const VOLATILE = new Set(["port", "dir"]);

function pairs(r: Reply): Map<string, string> | string {
  if (!Array.isArray(r) || r.length % 2 !== 0) return `not an array of pairs`;
  const m = new Map<string, string>();
  for (let i = 0; i < r.length; i += 2) {
    const [k, v] = [r[i], r[i + 1]];
    if (!(k instanceof Uint8Array) || !(v instanceof Uint8Array)) return "not bulk strings";
    const name = dec.decode(k);
    if (m.has(name)) return `${name} listed twice`;
    m.set(name, VOLATILE.has(name.toLowerCase()) ? "*" : dec.decode(v));
  }
  return m;
}

/** CONFIG GET's reply: the same pairs, in any order, over the parameters tokserver has. */
function sameParams(redis: Reply, tok: Reply): string | undefined {
  if (redis instanceof ReplyError || tok instanceof ReplyError) {
    return redis instanceof ReplyError && tok instanceof ReplyError &&
        redis.message === tok.message
      ? undefined
      : "different errors";
  }
  const r = pairs(redis), t = pairs(tok);
  if (typeof r === "string") return `redis: ${r}`;
  if (typeof t === "string") return `tokserver: ${t}`;
  for (const [name, value] of t) {
    if (!r.has(name)) return `tokserver lists ${name}, redis does not`;
    if (r.get(name) !== value) return `${name}: redis ${r.get(name)}, tokserver ${value}`;
  }
  for (const name of r.keys()) {
    if (CONFIG_PARAMS.has(name.toLowerCase()) && !t.has(name)) return `${name} missing`;
  }
  return undefined;
}

const P = sameParams;

diffTest(
  "CONFIG GET, SET, RESETSTAT and HELP answer as Redis 7.0 does",
  {
    "CONFIG GET: names, patterns, several at once": [
      ...script`
      CONFIG GET save
      CONFIG GET appendonly
      CONFIG GET MAXCLIENTS
      CONFIG GET maxclients
      CONFIG GET timeout TIMEOUT
      CONFIG GET TIMEOUT time*
      CONFIG GET time* TIMEOUT
      CONFIG GET TIME[O]UT
      CONFIG GET ""
      CONFIG GET nosuchparam
      CONFIG GET nosuch*
      CONFIG GET nosuch other
      CONFIG GET requirepass
      CONFIG GET client-output-buffer-limit
      CONFIG GET proto-max-bulk-len
      CONFIG GET client-query-buffer-limit
      CONFIG GET appendfsync
      CONFIG GET protected-mode
      CONFIG GET bind
      CONFIG GET hz
      CONFIG GET maxmemory
      CONFIG GET maxmemory-policy
      CONFIG GET loglevel
      CONFIG GET slowlog-log-slower-than
      CONFIG GET notify-keyspace-events
      CONFIG GET cluster-enabled
      CONFIG GET appendfilename
      CONFIG GET
      CONFIG foo
      CONFIG
    `,
      ...[
        ["*max*"],
        ["maxclients", "save", "appendonly"],
        ["*"],
        ["*-*"],
        ["?ave", "a*", "APPEND*"],
        ["port", "dir"],
        ["*MAX*", "maxclients", "timeout"],
        ["client-*", "proto*"],
        ["[a-d]*"],
      ].map((pats) => ({ cmd: ["CONFIG", "GET", ...pats], cmp: P })),
    ],
    "CONFIG SET: errors as Redis words them, in Redis's order": script`
    CONFIG SET nosuch 1
    CONFIG SET timeout
    CONFIG SET timeout 5 maxclients
    CONFIG SET timeout abc
    CONFIG SET timeout 1k
    CONFIG SET timeout +5
    CONFIG SET timeout 05
    CONFIG SET timeout ""
    CONFIG SET timeout -1
    CONFIG SET timeout 99999999999999
    CONFIG SET timeout 5 timeout 6
    CONFIG SET timeout 5 TIMEOUT 6
    CONFIG SET HZ abc
    CONFIG SET databases 3
    CONFIG SET appendfilename x
    CONFIG SET cluster-enabled yes
    CONFIG SET dir /tmp
    CONFIG SET databases 3 nosuch 1
    CONFIG SET nosuch 1 databases 3
    CONFIG SET timeout abc databases 3
    CONFIG SET timeout 1 timeout 2 databases 3
    CONFIG SET timeout x hz y
    CONFIG SET maxclients 0
    CONFIG SET maxclients abc
    CONFIG SET maxclients 1k
    CONFIG SET appendfsync bad
    CONFIG SET appendonly maybe
    CONFIG SET protected-mode x
    CONFIG SET loglevel x
    CONFIG SET maxmemory-policy x
    CONFIG SET maxmemory abc
    CONFIG SET maxmemory -1
    CONFIG SET port abc
    CONFIG SET port 70000
    CONFIG SET slowlog-log-slower-than -2
    CONFIG SET slowlog-log-slower-than x
    CONFIG SET proto-max-bulk-len 100
    CONFIG SET proto-max-bulk-len 1k
    CONFIG SET proto-max-bulk-len abc
    CONFIG SET proto-max-bulk-len ""
    CONFIG SET client-query-buffer-limit 100
    CONFIG SET save "1 2 x"
    CONFIG SET save 1
    CONFIG SET save " 10  20 "
    CONFIG SET client-output-buffer-limit "pubsub 1"
    CONFIG SET client-output-buffer-limit "foo 1 2 3"
    CONFIG SET client-output-buffer-limit "master 1 2 3"
    CONFIG SET client-output-buffer-limit "pubsub x 2 3"
    CONFIG SET client-output-buffer-limit "pubsub 1 2 -1"
    CONFIG GET timeout
  `,
    "CONFIG SET: values unchanged in tokserver are accepted as Redis accepts them": script`
    CONFIG SET save ""
    CONFIG SET appendonly no
    CONFIG SET appendonly NO
    CONFIG SET appendfsync EVERYSEC
    CONFIG SET protected-mode YES
    CONFIG SET hz 10
    CONFIG SET maxmemory 0
    CONFIG SET maxmemory ""
    CONFIG SET maxmemory-policy NoEviction
    CONFIG SET loglevel notice
    CONFIG SET slowlog-log-slower-than 10000
    CONFIG SET maxclients 10000
    CONFIG SET notify-keyspace-events ""
    CONFIG SET bind 127.0.0.1
    CONFIG GET save
    CONFIG GET appendfsync
  `,
    "CONFIG SET: several at once, all or nothing": script`
    CONFIG SET timeout 7 proto-max-bulk-len 2mb
    CONFIG GET timeout
    CONFIG GET proto-max-bulk-len
    CONFIG SET timeout 9 proto-max-bulk-len 1
    CONFIG GET timeout
    CONFIG SET proto-max-bulk-len 4mb timeout x
    CONFIG GET proto-max-bulk-len
    CONFIG SET client-query-buffer-limit 2MB TIMEOUT 0 proto-max-bulk-len 1mb
    CONFIG GET client-query-buffer-limit
    CONFIG GET timeout
    SETRANGE big 1048576 x
    SETRANGE big 1048575 x
    STRLEN big
    APPEND big x
    CONFIG SET proto-max-bulk-len 512mb client-query-buffer-limit 1gb
    APPEND big x
    CONFIG SET client-output-buffer-limit "pubsub 1mb 1k 5 normal 0 0 0"
    CONFIG GET client-output-buffer-limit
    CONFIG SET client-output-buffer-limit "replica 1mb 2 3"
    CONFIG GET client-output-buffer-limit
    CONFIG SET client-output-buffer-limit ""
    CONFIG GET client-output-buffer-limit
    CONFIG SET client-output-buffer-limit "slave 268435456 67108864 60 pubsub 33554432 8388608 60"
    CONFIG GET client-output-buffer-limit
  `,
    "RESETSTAT, HELP, REWRITE": script`
    CONFIG RESETSTAT
    CONFIG RESETSTAT x
    CONFIG HELP
    CONFIG help x
    CONFIG REWRITE
  `,
  },
  [],
  ["--appendfilename", "tokserver.aof"],
);

// New connections of the harness say HELLO 3 before their first command in RESP3, which a server
// with a password refuses: this script runs in RESP2, where the connections are bare.
diffTest(
  "CONFIG SET requirepass: as Redis 7.0 does",
  {
    "CONFIG SET requirepass: new connections must AUTH, connected ones stay in": script`
    @client=1 PING
    CONFIG SET requirepass "s3cret pass" timeout 0
    CONFIG GET requirepass
    @client=1 PING
    @client=2 PING
    @client=2 AUTH wrong
    @client=2 AUTH "s3cret pass"
    @client=2 PING
    @client=3 AUTH default "s3cret pass"
    @client=3 CONFIG SET requirepass ""
    @client=4 PING
    @client=4 AUTH x
    CONFIG GET requirepass
  `,
  },
  [],
  ["--appendfilename", "tokserver.aof"],
  { resp: [2] },
);

/** INFO stats counters of a connection's own traffic after it sent CONFIG RESETSTAT. */
async function countersAfterReset(port: number): Promise<Record<string, string>> {
  const c = await RawConn.connect(port);
  try {
    await c.call(["CONFIG", "RESETSTAT"]);
    for (let i = 0; i < 3; i++) await c.call(["PING"]);
    const info = dec.decode(await c.call(["INFO", "stats"]));
    const names = ["total_commands_processed", "total_net_input_bytes", "total_reads_processed"];
    return Object.fromEntries(
      info.split("\r\n").map((l) => l.split(":")).filter(([k]) => names.includes(k!)),
    );
  } finally {
    c.close();
  }
}

Deno.test({
  name: "CONFIG RESETSTAT: a connection open across it counts its reads afresh, as Redis does",
  async fn() {
    await using redis = await startRedisServer();
    if (redis === undefined) return;
    await using tok = await startServer(["redis"]);
    assertEquals(await countersAfterReset(tok.port), await countersAfterReset(redis.port));
  },
});
