// `tokserver redis-cli`'s -a, --user/--pass, --no-auth-warning, -n, --raw and --no-raw, run side by
// side with the real redis-cli 7.0.15 against the same server: stdout and stderr compared byte
// for byte, and the exit codes. stdout is a pipe here, so without --raw or --no-raw both show
// replies raw (redis-cli's rule). -n runs against redis-server (tokserver has one database).

import { assertEquals, assertStringIncludes, MAIN, serverFlags, which } from "./_util.ts";
import { startRedisServer } from "./_util.ts";
import { startServer } from "./_util.ts";
import { connect } from "../src/client/client.ts";
import { REDIS_CLI, runBytes, same } from "./_redis_cli.ts";

const ignore = REDIS_CLI === undefined || which("redis-server") === undefined;

// Replies of every kind: status, bulk (binary, empty, with newlines), nil, integer, error, empty
// and nested arrays.
const REPLIES: string[][] = [
  ["set", "k", "v"],
  ["get", "k"],
  ["get", "nokey"],
  ["incr", "n"],
  ["incr", "k"],
  ["nosuch", "x"],
  ["get", "bin"],
  ["set", "empty", ""],
  ["get", "empty"],
  ["rpush", "l", "a", "", "b c"],
  ["lrange", "l", "0", "-1"],
  ["lrange", "nolist", "0", "-1"],
  ["mget", "k", "nokey", "empty"],
  ["eval", "return {1, {'a', {}}, 'x', {2, false}}", "0"],
  ["eval", "return {err='boom'}", "0"],
  ["eval", "return {1, {err='inner'}}", "0"],
  ["ping"],
  ["echo", "multi\nline"],
];

Deno.test({
  name: "redis-cli --raw / --no-raw output equals the real redis-cli's byte for byte",
  ignore,
  async fn() {
    await using srv = await startRedisServer();
    await using twin = await startRedisServer();
    for (
      const mode of [[], ["--raw"], ["--no-raw"], ["--raw", "--no-raw"], ["--no-raw", "--raw"]]
    ) {
      await same(srv!.port, [...mode, "flushall"], twin!.port);
      // A value no command line can carry (NUL, a byte that is not UTF-8), set by a client.
      for (const port of [srv!.port, twin!.port]) {
        await using c = await connect({ port });
        await c.send("SET", "bin", new Uint8Array([0x61, 0xff, 0, 13, 10, 0x62, 0x22, 0x5c]));
      }
      for (const args of REPLIES) await same(srv!.port, [...mode, ...args], twin!.port);
    }
    // The prompt reads stdin the same way in both modes (ours shows prompts, the real one does
    // not when stdin is not a terminal): the replies between prompts are the real ones.
    const lines = "get k\nlrange l 0 -1\nincr k\n";
    const real = await runBytes(REDIS_CLI!, ["-p", String(srv!.port)], lines);
    const ours = await runBytes(
      Deno.execPath(),
      [...serverFlags(), MAIN, "redis-cli", "-p", String(twin!.port)],
      lines,
    );
    assertEquals(ours.stdout.replace(/127\.0\.0\.1:\d+> /g, ""), real.stdout);
  },
});

Deno.test({
  name: "redis-cli -n DB selects the database first, as the real redis-cli (against redis-server)",
  ignore,
  async fn() {
    await using srv = await startRedisServer();
    await using twin = await startRedisServer();
    const port = srv!.port;
    for (
      const args of [
        ["-n", "2", "set", "k", "in2"],
        ["-n", "2", "get", "k"],
        ["get", "k"],
        ["-n", "0", "get", "k"],
        ["-n", "99", "get", "k"],
        ["-n", "x", "get", "k"],
        ["-n", "2", "--no-raw", "dbsize"],
        ["-n", "-1", "get", "k"],
      ]
    ) await same(port, args, twin!.port);
    // The prompt shows the database after the port.
    const ours = await runBytes(
      Deno.execPath(),
      [...serverFlags(), MAIN, "redis-cli", "--no-raw", "-p", String(port), "-n", "2"],
      "get k\nselect 3\nget k\n",
    );
    assertEquals(
      ours.stdout,
      `127.0.0.1:${port}[2]> "in2"\n127.0.0.1:${port}[2]> OK\n127.0.0.1:${port}[3]> (nil)\n` +
        `127.0.0.1:${port}[3]> `,
    );
  },
});

const AUTH_CASES: string[][] = [
  ["ping"],
  ["-a", "s3cret", "ping"],
  ["-a", "wrong", "ping"],
  ["-a", "wrong", "--no-raw", "ping"],
  ["--pass", "s3cret", "ping"],
  ["--user", "default", "--pass", "s3cret", "ping"],
  ["--user", "default", "--pass", "wrong", "ping"],
  ["--user", "nobody", "--pass", "s3cret", "ping"],
  ["--user", "default", "ping"],
  ["--no-auth-warning", "-a", "s3cret", "ping"],
  ["--no-auth-warning", "-a", "wrong", "get", "k"],
];

Deno.test({
  name: "redis-cli -a, --user/--pass against requirepass: as the real redis-cli (redis-server)",
  ignore,
  async fn() {
    await using srv = await startRedisServer(["--requirepass", "s3cret"]);
    for (const args of AUTH_CASES) await same(srv!.port, args);
    await same(srv!.port, ["-a", "s3cret", "-n", "2", "set", "x", "1"]); // the same value twice
    const out = await same(srv!.port, ["-a", "s3cret", "-n", "2", "get", "x"]);
    assertEquals(out, "1\n");
  },
});

Deno.test({
  name: "redis-cli -a, --user/--pass against tokserver --requirepass: as the real redis-cli",
  ignore,
  async fn() {
    await using srv = await startServer(["redis", "--requirepass", "s3cret"]);
    for (const args of AUTH_CASES) await same(srv.port, args);
    const r = await runBytes(REDIS_CLI!, ["-p", String(srv.port), "-a", "s3cret", "ping"]);
    assertStringIncludes(r.stderr, "Warning: Using a password");
  },
});
