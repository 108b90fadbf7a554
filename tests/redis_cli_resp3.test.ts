// `tokserver redis-cli -3` side by side with the real redis-cli 7.0.15 -3: maps, sets, doubles,
// booleans, verbatim strings, nulls, pushes and the types redis-cli cannot show, in the raw and
// terminal formats, one-shot and at the prompt; stdout, stderr and exit codes byte for byte.
// Twin servers get the same commands; DEBUG PROTOCOL (redis-server only) sends each RESP3 type.

import { MAIN, serverFlags, startRedisServer, startServer, waitUntil, which } from "./_util.ts";
import { connect, type Reply } from "../src/client/client.ts";
import { assertEquals } from "./_util.ts";
import { type CliRun, REDIS_CLI, runBytes, same } from "./_redis_cli.ts";

const ignore = REDIS_CLI === undefined || which("redis-server") === undefined;

const MODES = [[], ["--raw"], ["--no-raw"]];
const enc = (s: string) => new TextEncoder().encode(s);

/** Connection ids, ports, ages and sizes differ between the twins: numbers become N. */
const numbers = (r: CliRun): CliRun => ({ ...r, stdout: r.stdout.replace(/\d+/g, "N") });

/** Commands whose replies are the same on twin servers, for both servers. */
const COMMON: string[][] = [
  ["config", "get", "maxmemory"],
  ["config", "get", "maxmemory-p*"], // one match: the order of several is a dict's
  ["config", "get", "nosuch"],
  ["command", "info", "get"],
  ["command", "docs", "get"],
  ["command", "docs", "set"],
  ["command", "info", "nosuch"],
  ["get", "nokey"],
  ["set", "f", "1"],
  ["incrbyfloat", "f", "1.5"],
  ["get", "f"],
  ["info", "keyspace"],
  ["info", "nosuch"],
  ["client", "info", "x"],
  ["client", "trackinginfo"],
  ["nosuch"],
];

/** Only redis-server has these: sorted sets (doubles), sets, hashes, DEBUG PROTOCOL. */
const REDIS_ONLY: string[][] = [
  ["zadd", "z", "1.5", "a", "2", "b"],
  ["zscore", "z", "a"],
  ["zscore", "z", "nope"],
  ["zrange", "z", "0", "-1", "withscores"],
  ["sadd", "s", "x"],
  ["smembers", "s"],
  ["smembers", "nokey"],
  ["hset", "h", "a", "1"],
  ["hgetall", "h"],
  ["hgetall", "nokey"],
  ["eval", "return {double=0.25}", "0"],
  ["eval", "return {map={b={map={k={map={v={set={'x','y'}}}}}}}, c={set={1}}}", "0"],
  ...[
    "string",
    "integer",
    "double",
    "bignum",
    "null",
    "array",
    "set",
    "map",
    "attrib",
    "push",
    "verbatim",
    "true",
    "false",
  ].map((t) => ["debug", "protocol", t]),
];

/** Runs each command with -3 in each output mode through both CLIs, against twin servers. */
async function oneShots(port: number, twin: number, commands: string[][]): Promise<void> {
  for (const mode of MODES) {
    await same(port, ["-3", ...mode, "hello", "3"], twin, numbers);
    await same(port, ["-3", ...mode, "client", "info"], twin, numbers);
    for (const args of commands) await same(port, ["-3", ...mode, ...args], twin);
  }
}

/**
 * Runs lines at both prompts (-3); ours shows prompts where the real one, reading a pipe, shows
 * none: they are taken out. Both runs compared after `mask`.
 */
async function prompts(
  port: number,
  twin: number,
  args: string[],
  lines: string,
  mask = (r: CliRun) => r,
): Promise<CliRun> {
  const [real, ours] = await Promise.all([
    runBytes(REDIS_CLI!, ["-p", String(port), "-3", ...args], lines),
    runBytes(
      Deno.execPath(),
      [...serverFlags(), MAIN, "redis-cli", "-p", String(twin), "-3", ...args],
      lines,
    ),
  ]);
  const unprompted = { ...ours, stdout: ours.stdout.replace(/127\.0\.0\.1:\d+(\[\d+\])?> /g, "") };
  assertEquals(mask(unprompted), mask(real), lines);
  return real;
}

/** Tracking invalidations arrive as pushes between replies: redis-cli 7.0 does not show them. */
const TRACKING = "client tracking on\nget t\nset t 2\nget t\nconfig get maxmemory\nget nokey\n";

Deno.test({
  name: "redis-cli -3 against redis-server: RESP3 replies shown as the real redis-cli's",
  ignore,
  async fn() {
    await using srv = await startRedisServer(["--enable-debug-command", "yes"]);
    await using twin = await startRedisServer(["--enable-debug-command", "yes"]);
    await oneShots(srv!.port, twin!.port, [...COMMON, ...REDIS_ONLY]);
    for (const mode of [["--raw"], ["--no-raw"]]) {
      await prompts(srv!.port, twin!.port, mode, TRACKING);
      const shown = await prompts(
        srv!.port,
        twin!.port,
        mode,
        "debug protocol push\ndebug protocol map\nzrange z 0 -1 withscores\ninfo keyspace\n" +
          "client info x\nhello 3\n",
        numbers,
      );
      assertEquals(shown.code, 0);
      // A big number or an attribute ends redis-cli 7.0 (exit code 1), the prompt too.
      const big = await prompts(srv!.port, twin!.port, mode, "ping\ndebug protocol bignum\nping\n");
      assertEquals([big.code, big.stderr], [1, "Unknown reply type: 13\n"]);
      const attr = await prompts(srv!.port, twin!.port, mode, "debug protocol attrib\nping\n");
      assertEquals(attr.code, 1);
    }
  },
});

Deno.test({
  name: "redis-cli -3 against tokserver: RESP3 replies shown as the real redis-cli's",
  ignore,
  async fn() {
    await using srv = await startServer(["redis", "--quiet"]);
    await using twin = await startServer(["redis", "--quiet"]);
    await oneShots(srv.port, twin.port, COMMON);
    for (const mode of [["--raw"], ["--no-raw"]]) {
      await prompts(srv.port, twin.port, mode, TRACKING);
      await prompts(srv.port, twin.port, mode, "hello 3\ninfo keyspace\n", numbers);
    }
  },
});

Deno.test("the client hands redis-cli typed replies: sendTyped beside send, pushes flat", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  await using client = await connect({ port: srv.port, resp: 3 });
  await using other = await connect({ port: srv.port });
  const pushes: Reply[][] = [];
  client.onPush = (p) => pushes.push(p);
  // Pipelined in one write: each reply decoded the way its caller asked.
  const [flat, typed, hello] = await Promise.all([
    client.send("CONFIG", "GET", "maxmemory"),
    client.sendTyped("CONFIG", "GET", "maxmemory"),
    client.sendTyped("HELLO", "3"), // the protocol it speaks already: allowed
    client.sendTyped("CLIENT", "TRACKING", "on"),
    client.sendTyped("GET", "t"),
  ]);
  const maxmemory = [enc("maxmemory"), enc("0")];
  assertEquals(flat, maxmemory);
  assertEquals(typed, { resp3: "map", items: maxmemory });
  assertEquals((hello as { resp3: string }).resp3, "map");
  // An invalidation reaches onPush flat, as next() decodes it, with typed calls or without.
  await other.send("SET", "t", "1");
  await waitUntil(() => pushes.length === 1);
  assertEquals(await client.sendTyped("PING"), "PONG");
  assertEquals(pushes, [[enc("invalidate"), [enc("t")]]]);
});
