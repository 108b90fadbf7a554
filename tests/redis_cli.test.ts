// `tokserver redis-cli` as a user meets it, against a real redis-server and tokserver redis:
// one-shot output in redis-cli's terminal format (compared with the real `redis-cli --no-raw`),
// the interactive prompt driven through stdin, subscriptions streamed, bad addresses refused.

import {
  assert,
  assertEquals,
  assertStringIncludes,
  freePort,
  run,
  runTokserver,
  spawnTokserver,
  which,
} from "./_util.ts";
import { connect } from "../src/client/client.ts";
import { TARGETS } from "./client_targets.ts";

const REDIS_CLI = which("redis-cli");

/** `tokserver redis-cli -p PORT ...args`. */
function cli(port: number, args: string[], stdin?: string) {
  return runTokserver(["redis-cli", "--no-raw", "-p", String(port), ...args], { stdin });
}

for (const target of TARGETS) {
  const ignore = target.missing !== undefined;

  Deno.test({
    name: `${target.name}: redis-cli one-shot prints replies as redis-cli does`,
    ignore,
    async fn() {
      await using srv = await target.start();
      const cases: Array<[string[], string, number]> = [
        [["set", "hello", "world"], "OK\n", 0],
        [["get", "hello"], '"world"\n', 0],
        [["GET", "nope"], "(nil)\n", 0],
        [["incr", "n"], "(integer) 1\n", 0],
        [["mget", "hello", "nope"], '1) "world"\n2) (nil)\n', 0],
        [["keys", "nomatch*"], "(empty array)\n", 0],
        [["set", "q", 'a"b\nc é\\'], "OK\n", 0],
        [["get", "q"], '"a\\"b\\nc \\xc3\\xa9\\\\"\n', 0],
        // redis-cli 7.0 exits 0 after an error reply too.
        [["incr", "hello"], "(error) ERR value is not an integer or out of range\n", 0],
        [
          ["nosuch", "x"],
          "(error) ERR unknown command 'nosuch', with args beginning with: 'x' \n",
          0,
        ],
        [["ping"], "PONG\n", 0],
      ];
      for (const [args, stdout, code] of cases) {
        const r = await cli(srv.port, args);
        assertEquals(r.stdout, stdout, args.join(" "));
        assertEquals(r.code, code, args.join(" "));
        assertEquals(r.stderr, "", args.join(" "));
      }
      // Ten and more items: the numbers are right-aligned.
      await using client = await connect({ port: srv.port });
      const keys = Array.from({ length: 12 }, (_, i) => `k${i + 1}`);
      await client.mset(keys.map((k) => [k, `v-${k}`] as [string, string]));
      const r = await cli(srv.port, ["mget", ...keys]);
      assertEquals(r.stdout.split("\n").slice(8, 11), [' 9) "v-k9"', '10) "v-k10"', '11) "v-k11"']);
    },
  });

  Deno.test({
    name: `${target.name}: redis-cli output matches the real redis-cli --no-raw byte for byte`,
    ignore: ignore || !REDIS_CLI,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await client.mset({ s: "plain", u: "ünï\tcode", e: "", n: "12" });
      await client.set("bin", Uint8Array.of(0, 1, 127, 128, 255, 34, 92, 10));
      await client.mset(
        Array.from({ length: 11 }, (_, i) => [`m${i}`, `${i}`] as [string, string]),
      );
      const commands = [
        ["get", "s"],
        ["get", "u"],
        ["get", "e"],
        ["get", "bin"],
        ["get", "missing"],
        ["strlen", "u"],
        ["exists", "s", "n", "missing"],
        ["mget", "m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "missing"],
        ["incr", "s"],
        ["get"],
        ["ping"],
        ["echo", "a b"],
        ["keys", "none*"],
      ];
      for (const args of commands) {
        const ours = await cli(srv.port, args);
        const real = await run(REDIS_CLI!, ["-p", String(srv.port), "--no-raw", ...args]);
        assertEquals(ours.stdout, real.stdout, args.join(" "));
      }
      // Interactive: the same replies, ours between prompts, real redis-cli's without (stdin
      // is not a terminal for either).
      const script = commands.map((c) => c.map((a) => JSON.stringify(a)).join(" ")).join("\n");
      const ours = await cli(srv.port, [], script + "\n");
      const real = await run(REDIS_CLI!, ["-p", String(srv.port), "--no-raw"], {
        stdin: script + "\n",
      });
      assertEquals(ours.stdout.split(`127.0.0.1:${srv.port}> `).join(""), real.stdout);
    },
  });

  Deno.test({
    name:
      `${target.name}: redis-cli shows nested replies (EVAL, COMMAND INFO) as the real one does`,
    ignore: ignore || !REDIS_CLI,
    async fn() {
      await using srv = await target.start();
      for (
        const args of [
          ["eval", "return {1,{2,{'a',{}}},'x',{err='inner'}}", "0"],
          ["eval", "return {1,2,3,4,5,6,7,8,9,{'a','b'},{}}", "0"],
          ["command", "info", "get", "set"],
        ]
      ) {
        const ours = await cli(srv.port, args);
        const real = await run(REDIS_CLI!, ["-p", String(srv.port), "--no-raw", ...args]);
        assertEquals(ours.stdout, real.stdout, args.join(" "));
      }
    },
  });

  Deno.test({
    name: `${target.name}: redis-cli prompt reads commands from stdin until quit`,
    ignore,
    async fn() {
      await using srv = await target.start();
      const p = `127.0.0.1:${srv.port}> `;
      const script = [
        "set greeting hello",
        "get greeting",
        `set "two words" "x\\x41\\n"`,
        "get 'two words'",
        'get "unterminated',
        "",
        "incr greeting",
        "select 2",
        "get greeting",
        "select 0",
        "quit",
        "get greeting",
      ].join("\n") + "\n";
      // A server with one database refuses SELECT 2: then the prompt must not change.
      let selects = true;
      {
        await using probe = await connect({ port: srv.port });
        await probe.send("SELECT", 2).catch(() => selects = false);
      }
      const p2 = selects ? `127.0.0.1:${srv.port}[2]> ` : p;
      const r = await cli(srv.port, [], script);
      assertEquals(r.code, 0);
      assertEquals(
        r.stdout,
        [
          `${p}OK`,
          `${p}"hello"`,
          `${p}OK`,
          `${p}"xA\\n"`,
          `${p}Invalid argument(s)`,
          `${p}${p}(error) ERR value is not an integer or out of range`,
          selects ? `${p}OK` : `${p}(error) ERR DB index is out of range`,
          `${p2}${selects ? "(nil)" : '"hello"'}`,
          `${p2}OK`,
          p, // quit: the line after it is never run
        ].join("\n"),
      );
      // The end of stdin leaves too (CRLF lines are fine).
      const eof = await cli(srv.port, [], "get greeting\r\nping");
      assertEquals(eof.code, 0);
      assertEquals(eof.stdout, `${p}"hello"\n${p}PONG\n${p}`);
    },
  });

  Deno.test({
    name: `${target.name}: redis-cli subscribe streams messages until interrupted`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await using proc = spawnTokserver([
        "redis-cli",
        "--no-raw",
        "-p",
        String(srv.port),
        "subscribe",
        "a",
        "b",
      ]);
      await proc.stdout.waitFor('1) "subscribe"\n2) "b"\n3) (integer) 2\n', 15000);
      await client.publish("a", "hello");
      await client.publish("b", "x y");
      await proc.stdout.waitFor('2) "b"\n3) "x y"\n', 5000);
      assertEquals(
        proc.stdout.text,
        [
          "Reading messages... (press Ctrl-C to quit)",
          '1) "subscribe"',
          '2) "a"',
          "3) (integer) 1",
          '1) "subscribe"',
          '2) "b"',
          "3) (integer) 2",
          '1) "message"',
          '2) "a"',
          '3) "hello"',
          '1) "message"',
          '2) "b"',
          '3) "x y"',
          "",
        ].join("\n"),
      );
      const status = await proc.stop("SIGINT");
      assert(!status.success);
    },
  });
}

for (const target of TARGETS) {
  const ignore = target.missing !== undefined;

  Deno.test({
    name:
      `${target.name}: redis-cli repeats commands (\`N cmd\` at the prompt, -r N -i S) as the real one does`,
    ignore: ignore || !REDIS_CLI,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      const script = [
        "3 incr cnt",
        "0 incr cnt",
        "-1 incr cnt",
        "99999999999999999999 incr cnt",
        "1x incr cnt",
        "2 get nope",
        "+2 incr cnt",
        "7",
      ].join("\n") + "\n";
      const ours = await cli(srv.port, [], script);
      await client.flushdb();
      const real = await run(REDIS_CLI!, ["-p", String(srv.port), "--no-raw"], { stdin: script });
      await client.flushdb();
      const shown = ours.stdout.split(`127.0.0.1:${srv.port}> `).join("");
      assertEquals(shown, real.stdout);
      assertStringIncludes(shown, "(integer) 1\n(integer) 2\n(integer) 3\n");
      assertEquals(await client.getString("cnt"), null);
      // On the command line: -r and -i; a leading number is a command there, as in redis-cli.
      for (
        const args of [
          ["-r", "3", "-i", "0.01", "incr", "c"],
          ["-r", "2", "get", "nope"],
          ["-r", "0", "incr", "c"],
          ["3", "incr", "c"],
        ]
      ) {
        const o = await cli(srv.port, args);
        await client.flushdb();
        const r = await run(REDIS_CLI!, ["-p", String(srv.port), "--no-raw", ...args]);
        await client.flushdb();
        assertEquals(o.stdout, r.stdout, args.join(" "));
      }
      const three = await cli(srv.port, ["-r", "3", "incr", "c"]);
      assertEquals(three.stdout, "(integer) 1\n(integer) 2\n(integer) 3\n");
      for (const bad of [["-r", "x"], ["-r", "-2"], ["-i", "abc"], ["-i", "-1"]]) {
        const r = await cli(srv.port, [...bad, "ping"]);
        assertEquals(r.code, 2, bad.join(" "));
        assertEquals(r.stdout, "", bad.join(" "));
      }
    },
  });

  Deno.test({
    name: `${target.name}: redis-cli shows binary channel names as bytes ("\\xff")`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await using proc = spawnTokserver(["redis-cli", "--no-raw", "-p", String(srv.port)], {
        stdin: true,
      });
      await proc.stdout.waitFor("> ", 15000);
      await proc.writeStdin('subscribe "\\xff" plain\n');
      await proc.stdout.waitFor("3) (integer) 2\n", 5000);
      assertEquals(await client.publish(Uint8Array.of(0xff), Uint8Array.of(0xfe, 0x41)), 1);
      await proc.stdout.waitFor('3) "\\xfeA"\n', 5000);
      assertStringIncludes(
        proc.stdout.text,
        [
          '1) "subscribe"',
          '2) "\\xff"',
          "3) (integer) 1",
          '1) "subscribe"',
          '2) "plain"',
          "3) (integer) 2",
          '1) "message"',
          '2) "\\xff"',
          '3) "\\xfeA"',
        ].join("\n"),
      );
      await proc.stop("SIGINT");
    },
  });
}

Deno.test("redis-cli runs a blocking command (BLPOP) and shows its reply", {
  ignore: TARGETS[0]!.missing !== undefined,
}, async () => {
  await using srv = await TARGETS[0]!.start();
  const r = await cli(
    srv.port,
    [],
    "rpush q a\nblpop q 0\nblpop q 0.05\nselect 1\nrpush q b\nblpop q 1\n",
  );
  const p = `127.0.0.1:${srv.port}`;
  assertEquals(
    r.stdout,
    `${p}> (integer) 1\n${p}> 1) "q"\n2) "a"\n${p}> (nil)\n${p}> OK\n${p}[1]> (integer) 1\n` +
      `${p}[1]> 1) "q"\n2) "b"\n${p}[1]> `,
  );
});

Deno.test("redis-cli psubscribe shows pattern messages as redis-cli does", {
  ignore: TARGETS[0]!.missing !== undefined,
}, async () => {
  await using srv = await TARGETS[0]!.start();
  await using client = await connect({ port: srv.port });
  await using proc = spawnTokserver([
    "redis-cli",
    "--no-raw",
    "-p",
    String(srv.port),
    "psubscribe",
    "a*",
  ]);
  await proc.stdout.waitFor("3) (integer) 1\n", 15000);
  await client.publish("ab", "hi");
  await proc.stdout.waitFor('4) "hi"\n', 5000);
  assertStringIncludes(proc.stdout.text, '1) "pmessage"\n2) "a*"\n3) "ab"\n4) "hi"\n');
});

Deno.test("redis-cli prompt reports a lost server and connects again on the next command", {
  ignore: TARGETS[0]!.missing !== undefined,
}, async () => {
  const srv = await TARGETS[0]!.start();
  try {
    await using proc = spawnTokserver(["redis-cli", "--no-raw", "-p", String(srv.port)], {
      stdin: true,
    });
    const p = `127.0.0.1:${srv.port}> `;
    await proc.stdout.waitFor(p, 15000);
    await proc.writeStdin("ping\n");
    await proc.stdout.waitFor(`PONG\n${p}`);
    await srv.stop();
    await proc.writeStdin("ping\n");
    await proc.stdout.waitFor("not connected> ");
    await proc.stderr.waitFor("Error: Server closed the connection\n");
    await proc.writeStdin("ping\n");
    await proc.stderr.waitFor(
      `Could not connect to Redis at 127.0.0.1:${srv.port}: Connection refused\n`,
    );
    await proc.stdout.waitFor("not connected> not connected> ");
    await proc.closeStdin(); // the end of stdin leaves
    assertEquals((await proc.child.status).code, 0);
  } finally {
    await srv.stop();
  }
});

Deno.test("redis-cli refuses an unreachable server with one line and exit code 1", async () => {
  const port = freePort();
  for (const args of [["get", "x"], [], ["subscribe", "c"]]) {
    const r = await cli(port, args);
    assertEquals(r.code, 1, args.join(" "));
    assertEquals(r.stdout, "", args.join(" "));
    assertEquals(r.stderr, `Could not connect to Redis at 127.0.0.1:${port}: Connection refused\n`);
  }
  const bad = await runTokserver(["redis-cli", "-h", "nosuchhost.invalid", "ping"]);
  assertEquals(bad.code, 1);
  assertEquals(bad.stderr.trim().split("\n").length, 1);
  assertStringIncludes(bad.stderr, "Could not connect to Redis at nosuchhost.invalid:6379: ");
  const flag = await runTokserver(["redis-cli", "--no-raw", "-p", "0", "ping"]);
  assertEquals(flag.code, 2);
});
