// AUTH and --requirepass: the replies of a password-protected tokserver redis compared byte for
// byte with a redis-server started with the same --requirepass (NOAUTH before AUTH, WRONGPASS,
// HELLO AUTH, RESET logging out), the replies without a password, the real redis-cli's -a and
// --user/--pass, and ioredis's and node-redis's password options, on both servers.

import { Redis } from "ioredis";
import { createClient } from "redis";
import { type Reply, ReplyParser } from "../src/resp/reply_parser.ts";
import { type Arg, diffTest, RawConn, script, show, showCommand, type Step } from "./_diff.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  run,
  startRedisServer,
  startServer,
  which,
} from "./_util.ts";

const PASSWORD = "s3cret pass";
const noRedis = which("redis-server") === undefined;

/** HELLO replies equal but for the client id (the 8th element), which differs by server. */
function helloCmp(a: Reply, b: Reply): string | undefined {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== 14 || b.length !== 14) {
    return `not both HELLO maps: ${String(a)} / ${String(b)}`;
  }
  for (let i = 0; i < 14; i++) {
    if (i === 7) continue;
    const x = a[i]!, y = b[i]!;
    const same = x instanceof Uint8Array && y instanceof Uint8Array
      ? x.length === y.length && x.every((v, j) => v === y[j])
      : Array.isArray(x) && Array.isArray(y)
      ? x.length === y.length
      : x === y;
    if (!same) return `HELLO element ${i} differs`;
  }
  return undefined;
}

function parse(bytes: Uint8Array): Reply {
  const p = new ReplyParser();
  p.push(bytes);
  const r = p.next();
  if (r === undefined) throw new Error(`incomplete reply ${show(bytes)}`);
  return r;
}

const hello = (...args: string[]): Step => ({ cmd: ["HELLO", ...args], cmp: helloCmp });

/**
 * Runs `steps` on both servers over fresh connections (none is authenticated first, unlike the
 * shared harness, which starts with FLUSHALL) and returns the differences.
 */
async function compare(redisPort: number, tokPort: number, steps: Step[]): Promise<string[]> {
  const conns: Map<number, RawConn>[] = [new Map(), new Map()];
  const ports = [redisPort, tokPort];
  const problems: string[] = [];
  try {
    for (const step of steps) {
      if ("sleep" in step) continue;
      const client = step.client ?? 0;
      const replies = await Promise.all([0, 1].map(async (side) => {
        let c = conns[side]!.get(client);
        if (c === undefined) conns[side]!.set(client, c = await RawConn.connect(ports[side]!));
        return await c.call(step.cmd as Arg[]);
      }));
      const [redis, tok] = replies as [Uint8Array, Uint8Array];
      const cmp = step.cmp;
      const complaint = show(redis, 1e6) === show(tok, 1e6)
        ? undefined
        : typeof cmp === "function"
        ? cmp(parse(redis), parse(tok))
        : "replies differ";
      if (complaint !== undefined) {
        problems.push(
          `${step.where ?? ""} ${showCommand(step.cmd)}\n  ${complaint}\n  redis:     ${
            show(redis)
          }\n  tokserver: ${show(tok)}`,
        );
      }
    }
  } finally {
    for (const side of conns) for (const c of side.values()) c.close();
  }
  return problems;
}

Deno.test({
  name: "with --requirepass, AUTH, HELLO AUTH, NOAUTH and RESET answer as Redis 7 does",
  ignore: noRedis,
  async fn(t) {
    await using redis = await startRedisServer(["--requirepass", PASSWORD]);
    await using tok = await startServer(["redis", "--quiet", "--requirepass", PASSWORD]);
    const scripts: Record<string, Step[]> = {
      "before AUTH only AUTH, HELLO AUTH, RESET and QUIT run; unknown commands and arity first": [
        ...script`
            PING
            GET k
            SET k v
            MULTI
            EXEC
            DISCARD
            WATCH k
            CLIENT ID
            SUBSCRIBE ch
            NOSUCH command
            GET
            SET k
            AUTH
            RESET
            HELLO foo
            HELLO 4
            HELLO 2 SETNAME x
            HELLO 2 AUTH default
            PING
          `,
        hello(),
        hello("2"),
        { cmd: ["QUIT"] },
      ],
      "wrong passwords and users answer WRONGPASS; the right one OK": script`
        AUTH wrong
        AUTH ""
        AUTH default wrong
        AUTH DEFAULT "${PASSWORD}"
        AUTH bob "${PASSWORD}"
        AUTH a b c
        PING
        AUTH "${PASSWORD}"
        PING
        SET k v
        GET k
        AUTH wrong
        PING
        AUTH default "${PASSWORD}"
        @client=1 AUTH default "${PASSWORD}"
        @client=1 GET k
      `,
      "RESET logs out; HELLO AUTH logs in, sets the name even after a bad name error": [
        ...script`
          AUTH "${PASSWORD}"
          PING
          RESET
          PING
          HELLO 2 AUTH default wrong
          HELLO 2 AUTH bob "${PASSWORD}"
          HELLO 2 AUTH default "${PASSWORD}" extra
          HELLO 2 AUTH default "${PASSWORD}" SETNAME "a b"
          PING
          RESET
        `,
        hello("2", "AUTH", "default", PASSWORD, "SETNAME", "named"),
        ...script`
          CLIENT GETNAME
          RESET
          PING
        `,
        hello("2", "SETNAME", "first", "AUTH", "default", PASSWORD),
        ...script`
          CLIENT GETNAME
        `,
      ],
      "AUTH inside MULTI is queued; EXEC before AUTH is an EXECABORT": script`
        EXEC
        MULTI
        AUTH "${PASSWORD}"
        MULTI
        AUTH wrong
        AUTH "${PASSWORD}"
        PING
        EXEC
        PING
      `,
    };
    for (const [title, steps] of Object.entries(scripts)) {
      await t.step(title, async () => {
        const problems = await compare(redis!.port, tok.port, steps);
        if (problems.length > 0) throw new Error(problems.join("\n\n"));
      });
    }
  },
});

diffTest("without a password, AUTH answers as Redis 7 does", {
  "AUTH PASSWORD is refused, AUTH default ANY accepted, other users refused": [
    ...script`
      AUTH x
      AUTH ""
      AUTH default x
      AUTH default ""
      AUTH bob x
      AUTH a b c
      AUTH
      HELLO 2 AUTH bob x
      HELLO 2 AUTH default
    `,
    hello("2", "AUTH", "default", "anything"),
    ...script`
      PING
      RESET
      PING
    `,
  ],
});

/** Runs the real redis-cli against `port`; returns its output and status. */
async function redisCli(port: number, args: string[]): Promise<string> {
  const r = await run("redis-cli", ["-p", String(port), ...args], { timeoutMs: 20000 });
  return `code ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

Deno.test({
  name: "redis-cli -a and --user/--pass: the same output as with redis-server",
  ignore: noRedis || which("redis-cli") === undefined,
  async fn() {
    await using redis = await startRedisServer(["--requirepass", PASSWORD]);
    await using tok = await startServer(["redis", "--quiet", "--requirepass", PASSWORD]);
    const cases: string[][] = [
      ["-a", PASSWORD, "PING"],
      ["-a", PASSWORD, "--no-auth-warning", "SET", "k", "v"],
      ["-a", PASSWORD, "GET", "k"],
      ["-a", "wrong", "PING"],
      ["-a", "wrong", "--no-auth-warning", "GET", "k"],
      ["PING"],
      ["GET", "k"],
      ["--user", "default", "--pass", PASSWORD, "--no-auth-warning", "INCR", "n"],
      ["--user", "bob", "--pass", PASSWORD, "--no-auth-warning", "PING"],
      ["-a", PASSWORD, "--no-auth-warning", "AUTH", "wrong"],
    ];
    for (const args of cases) {
      const want = await redisCli(redis!.port, args);
      const got = await redisCli(tok.port, args);
      assertEquals(got, want, `redis-cli ${args.join(" ")}`);
    }
    // What the comparison covered, stated plainly.
    assertStringIncludes(await redisCli(tok.port, ["-a", PASSWORD, "GET", "k"]), "stdout: v\n");
    assertStringIncludes(
      await redisCli(tok.port, ["-a", "wrong", "PING"]),
      "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.",
    );
    assertStringIncludes(
      await redisCli(tok.port, ["PING"]),
      "stdout: NOAUTH Authentication required.",
    );
  },
});

/** Collects an ioredis client's error events (it reports a failed AUTH there). */
function ioredis(
  port: number,
  opts: { password?: string; username?: string; enableReadyCheck?: boolean },
) {
  const errors: string[] = [];
  const client = new Redis({
    host: "127.0.0.1",
    port,
    ...opts,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on("error", (err: Error) => errors.push(err.message));
  return { client, errors };
}

for (const target of ["redis-server", "tokserver redis"] as const) {
  const start = target === "redis-server"
    ? () => startRedisServer(["--requirepass", PASSWORD])
    : () => startServer(["redis", "--quiet", "--requirepass", PASSWORD]);

  Deno.test({
    name: `${target}: ioredis's password option authenticates; a wrong or missing one does not`,
    ignore: target === "redis-server" && noRedis,
    async fn() {
      await using srv = await start();
      const port = srv!.port;

      const good = ioredis(port, { password: PASSWORD });
      try {
        await good.client.connect();
        assertEquals(await good.client.set("k", "v"), "OK");
        assertEquals(await good.client.get("k"), "v");
        assertEquals(await good.client.incr("n"), 1);
      } finally {
        await good.client.quit().catch(() => {});
      }
      assertEquals(good.errors, []);

      const named = ioredis(port, { username: "default", password: PASSWORD });
      try {
        await named.client.connect();
        assertEquals(await named.client.get("k"), "v");
      } finally {
        await named.client.quit().catch(() => {});
      }

      // A refused AUTH fails the connection; ioredis reports the server's error as an event.
      const wrong = ioredis(port, { password: "wrong" });
      try {
        await assertRejects(() => wrong.client.connect());
      } finally {
        wrong.client.disconnect();
      }
      assert(
        wrong.errors.some((e) => e.includes("WRONGPASS invalid username-password pair")),
        `errors: ${wrong.errors.join(" | ")}`,
      );

      // Without a password (and without ioredis's INFO ready check, which NOAUTH would fail),
      // commands are refused until AUTH.
      const none = ioredis(port, { enableReadyCheck: false });
      try {
        await none.client.connect();
        const err = await assertRejects(() => none.client.get("k"));
        assertStringIncludes((err as Error).message, "NOAUTH Authentication required.");
        assertEquals(await none.client.auth(PASSWORD), "OK");
        assertEquals(await none.client.get("k"), "v");
      } finally {
        await none.client.quit().catch(() => {});
      }
    },
  });

  Deno.test({
    name: `${target}: node-redis's password option authenticates; a wrong one is refused`,
    ignore: target === "redis-server" && noRedis,
    async fn() {
      await using srv = await start();
      const port = srv!.port;
      const good = createClient({ socket: { host: "127.0.0.1", port }, password: PASSWORD });
      await good.connect();
      try {
        assertEquals(await good.set("k", "v"), "OK");
        assertEquals(await good.get("k"), "v");
      } finally {
        await good.quit();
      }
      const wrong = createClient({
        socket: { host: "127.0.0.1", port, reconnectStrategy: false },
        password: "wrong",
      });
      // node-redis also emits the failure as an "error" event.
      wrong.on("error", () => {});
      const err = await assertRejects(() => wrong.connect());
      assertEquals(
        (err as Error).message,
        "WRONGPASS invalid username-password pair or user is disabled.",
      );
      assertEquals(wrong.isOpen, false);
    },
  });
}

Deno.test("with --requirepass and --appendonly, the file is replayed at start without AUTH", async () => {
  const dir = await Deno.makeTempDir({ prefix: "auth_aof_" });
  const args = [
    "redis",
    "--quiet",
    "--requirepass",
    PASSWORD,
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
    "--dir",
    dir,
  ];
  const session = async (port: number, cmds: string[][]): Promise<string[]> => {
    const c = await RawConn.connect(port);
    try {
      const out: string[] = [];
      for (const cmd of cmds) out.push(new TextDecoder().decode(await c.call(cmd)));
      return out;
    } finally {
      c.close();
    }
  };
  try {
    {
      await using srv = await startServer(args);
      assertEquals(
        await session(srv.port, [
          ["AUTH", PASSWORD],
          ["SET", "k", "v"],
          ["MULTI"],
          ["SET", "a", "1"],
          ["INCR", "a"],
          ["EXEC"],
        ]),
        ["+OK\r\n", "+OK\r\n", "+OK\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "*2\r\n+OK\r\n:2\r\n"],
      );
    }
    await using again = await startServer(args);
    assertEquals(await session(again.port, [["GET", "k"]]), [
      "-NOAUTH Authentication required.\r\n",
    ]);
    assertEquals(
      await session(again.port, [["AUTH", PASSWORD], ["GET", "k"], ["GET", "a"]]),
      ["+OK\r\n", "$1\r\nv\r\n", "$1\r\n2\r\n"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
