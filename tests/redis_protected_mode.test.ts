// Protected mode: `tokserver redis` on a non-loopback --host without --requirepass refuses to
// start, with one line saying why and exit code 2, before it listens; --requirepass or
// `--protected-mode no` lets it start. Only loopback traffic is sent: a server bound to 0.0.0.0
// is reached through 127.0.0.1.

import { RawConn } from "./_diff.ts";
import { assert, assertEquals, assertMatch, runTokserver, startServer } from "./_util.ts";
import { isLoopback, protectedModeRefusal } from "../src/redis/server/protected_mode.ts";
import { REDIS_FLAGS, redisOptions } from "../src/redis/options.ts";
import { parseFlags } from "../src/flags/flags.ts";

const dec = new TextDecoder();

async function call(port: number, ...args: string[]): Promise<string> {
  const c = await RawConn.connect(port);
  try {
    return dec.decode(await c.call(args));
  } finally {
    c.close();
  }
}

Deno.test("a non-loopback --host without a password: one line, exit code 2, never listening", async () => {
  // 192.0.2.1 (TEST-NET-1) is on no interface here: had the server tried to listen, the error
  // would be a bind failure, not the protected-mode line.
  for (const host of ["0.0.0.0", "::", "192.0.2.1"]) {
    const r = await runTokserver(["redis", "--host", host, "--port", "0"], { timeoutMs: 20000 });
    assertEquals(r.code, 2, `--host ${host}: ${r.stderr}`);
    assertEquals(r.stdout, "");
    const lines = r.stderr.trimEnd().split("\n");
    assertEquals(lines.length, 1, `one line expected:\n${r.stderr}`);
    assertMatch(
      lines[0]!,
      new RegExp(
        `^tokserver redis: protected mode: refusing to listen on ${
          host.replace(/\./g, "\\.")
        }, .*--requirepass.*--protected-mode no`,
      ),
    );
    assert(!r.stderr.includes("listening on"), r.stderr);
  }
});

Deno.test("--protected-mode no starts on 0.0.0.0 and serves; it stops at once", async () => {
  await using srv = await startServer([
    "redis",
    "--quiet",
    "--host",
    "0.0.0.0",
    "--protected-mode",
    "no",
  ]);
  assertMatch(srv.stderr.text, /listening on 0\.0\.0\.0:\d+/);
  assertEquals(await call(srv.port, "PING"), "+PONG\r\n");
  const status = await srv.stop();
  assertEquals(status.code, 0);
});

Deno.test("--requirepass lets a non-loopback --host start, and AUTH is required", async () => {
  await using srv = await startServer([
    "redis",
    "--quiet",
    "--host",
    "0.0.0.0",
    "--requirepass",
    "pw",
  ]);
  assertEquals(await call(srv.port, "PING"), "-NOAUTH Authentication required.\r\n");
  const c = await RawConn.connect(srv.port);
  try {
    assertEquals(dec.decode(await c.call(["AUTH", "pw"])), "+OK\r\n");
    assertEquals(dec.decode(await c.call(["PING"])), "+PONG\r\n");
  } finally {
    c.close();
  }
  assertEquals((await srv.stop()).code, 0);
});

Deno.test("loopback hosts need no password; protected mode is decided from the flags", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) {
    assert(isLoopback(h), h);
  }
  for (const h of ["0.0.0.0", "::", "10.0.0.1", "127.0.0.1.example", "128.0.0.1", "example"]) {
    assert(!isLoopback(h), h);
  }
  const opts = (...args: string[]) => redisOptions(parseFlags(args, REDIS_FLAGS).flags);
  assertEquals(protectedModeRefusal(opts()), undefined);
  assertEquals(protectedModeRefusal(opts("--host", "localhost")), undefined);
  assert(protectedModeRefusal(opts("--host", "0.0.0.0")) !== undefined);
  assertEquals(protectedModeRefusal(opts("--host", "0.0.0.0", "--requirepass", "x")), undefined);
  assertEquals(
    protectedModeRefusal(opts("--host", "0.0.0.0", "--protected-mode", "no")),
    undefined,
  );
  assert(protectedModeRefusal(opts("--host", "0.0.0.0", "--protected-mode", "yes")) !== undefined);
});
