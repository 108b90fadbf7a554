// RESP3 from the client side: tokserver's own client with `connect({ resp: 3 })` (typed replies
// decoded, invalidation pushes routed to `onPush`), node-redis with `RESP: 3` (commands, pub/sub
// on a connection that still runs commands, its client-side cache), and redis-py with its
// defaults (RESP3 since 8.0) when a Python with the `redis` package is found (REDIS_PY names the
// interpreter; the test skips itself otherwise).

import { createClient } from "redis";
import { connect } from "../src/client/client.ts";
import { assert, assertEquals, runTokserver, startServer, waitUntil } from "./_util.ts";

Deno.test("tokserver's client speaks RESP3: typed replies and invalidation pushes", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  const client = await connect({ port: srv.port, resp: 3 });
  const other = await connect({ port: srv.port });
  try {
    assertEquals(await client.send("GET", "missing"), null);
    const config = await client.send("CONFIG", "GET", "timeout") as Uint8Array[];
    assertEquals(config.map((b) => new TextDecoder().decode(b)), ["timeout", "0"]);
    const pushes: unknown[] = [];
    client.onPush = (p) => pushes.push(p);
    assertEquals(await client.send("CLIENT", "TRACKING", "on"), "OK");
    await client.set("k", "v");
    assertEquals(await client.getString("k"), "v");
    await other.set("k", "w");
    await waitUntil(() => pushes.length === 1);
    const [kind, keys] = pushes[0] as [Uint8Array, Uint8Array[]];
    assertEquals(new TextDecoder().decode(kind), "invalidate");
    assertEquals(keys.map((k) => new TextDecoder().decode(k)), ["k"]);
    // Replies stay in step behind the push.
    assertEquals(await client.getString("k"), "w");
  } finally {
    await client.close();
    await other.close();
  }
});

Deno.test("node-redis with RESP: 3: commands, pub/sub and its client-side cache", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  const socket = { port: srv.port, host: "127.0.0.1", reconnectStrategy: false as const };
  const client = createClient({ socket, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
  client.on("error", () => {});
  await client.connect();
  const writer = createClient({ socket });
  writer.on("error", () => {});
  await writer.connect();
  try {
    assertEquals(await client.set("a", "1"), "OK");
    assertEquals(await client.get("a"), "1");
    assertEquals(await client.get("missing"), null);
    assertEquals(await client.incrByFloat("f", 1.5), "1.5");
    const config = await client.configGet("timeout");
    assertEquals(config.timeout, "0");

    // The cache answers the second GET; a write elsewhere invalidates it.
    assertEquals(await client.get("cached"), null);
    await writer.set("cached", "x");
    await waitUntil(async () => (await client.get("cached")) === "x");
    await writer.set("cached", "y");
    await waitUntil(async () => (await client.get("cached")) === "y");

    // Pub/sub on a RESP3 connection: messages arrive as pushes, commands still run.
    const sub = client.duplicate({ clientSideCache: undefined });
    sub.on("error", () => {});
    await sub.connect();
    const got: string[] = [];
    await sub.subscribe("news", (m) => got.push(m));
    assertEquals(await sub.ping(), "PONG");
    assertEquals(await writer.publish("news", "hello"), 1);
    await waitUntil(() => got.length === 1);
    assertEquals(got, ["hello"]);
    assertEquals(await sub.get("a"), "1");
    await sub.unsubscribe("news");
    sub.destroy();
  } finally {
    client.destroy();
    writer.destroy();
  }
});

Deno.test("tokserver redis-cli -3 speaks RESP3", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  const hello = await runTokserver([
    "redis-cli",
    "--no-raw",
    "-3",
    "-p",
    String(srv.port),
    "HELLO",
  ]);
  // The map as redis-cli -3 shows one (tests/redis_cli_resp3.test.ts compares the two).
  assert(/\n3# "proto" => \(integer\) 3\n/.test(hello.stdout), hello.stdout);
  const nil = await runTokserver([
    "redis-cli",
    "--no-raw",
    "-3",
    "-p",
    String(srv.port),
    "GET",
    "nokey",
  ]);
  assertEquals(nil.stdout, "(nil)\n");
});

/** The venv .ci/run makes (redis-py from the local index) unless REDIS_PY names another. */
const VENV_PY = `${Deno.env.get("TMPDIR") ?? "/tmp"}/tokserver-redis-py/bin/python`;
const PY = Deno.env.get("REDIS_PY") ??
  (await Deno.stat(VENV_PY).then(() => VENV_PY, () => "python3"));

/** Whether PY has redis-py 5 or later (RESP3 came in 5.0; Debian's python3-redis is 4.3). */
async function pythonHasRedis(): Promise<boolean> {
  try {
    const check = "import redis, sys; sys.exit(int(redis.__version__.split('.')[0]) < 5)";
    const r = await new Deno.Command(PY, { args: ["-c", check], stderr: "null" })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

const PY_SCRIPT = `
import sys, redis
port = int(sys.argv[1])
r = redis.Redis(port=port)
c = r.connection_pool.get_connection()
print("proto", c.protocol)
r.connection_pool.release(c)
print(r.ping(), r.set("k", "v"), r.get("k"), r.get("missing"))
print(r.config_get("timeout"), r.incrbyfloat("f", 1.5))
p = r.pubsub()
p.subscribe("ch")
p.get_message(timeout=1)
r.publish("ch", "hi")
m = p.get_message(timeout=2)
print(m["type"], m["data"])
r2 = redis.Redis(port=port, protocol=2)
print(r2.get("k"))
r5 = redis.Redis(port=port, db=5)
r5.set("only5", "x")
print(r.get("only5"), r5.get("only5"), r5.dbsize())
`;

Deno.test({
  name: "redis-py with its defaults (RESP3), with protocol=2 and with db=5",
  ignore: !(await pythonHasRedis()),
  async fn() {
    await using srv = await startServer(["redis", "--quiet"]);
    const out = await new Deno.Command(PY, { args: ["-c", PY_SCRIPT, String(srv.port)] }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert(out.success, new TextDecoder().decode(out.stderr));
    assertEquals(text.trim().split("\n"), [
      "proto 3",
      "True True b'v' None",
      "{'timeout': '0'} 1.5",
      "message b'hi'",
      "b'v'",
      "None b'x' 1",
    ]);
  },
});
