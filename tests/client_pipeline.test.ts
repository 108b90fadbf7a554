// The client's message passing, against a real redis-server and tokserver redis: many callers
// share one connection, an error reply rejects only its own caller, a killed server rejects
// every pending call at once, and close() waits for what is in flight.

import {
  assert,
  assertEquals,
  assertGreater,
  assertLess,
  assertRejects,
  assertStringIncludes,
  freePort,
} from "./_util.ts";
import { type Client, connect, ConnectionError, RedisError } from "../src/client/client.ts";
import { kill, type Running, TARGETS } from "./client_targets.ts";

const dec = new TextDecoder();

/**
 * How many connections the server has had: CLIENT LIST asked over `client`, else INFO clients,
 * else the server's own log lines (`client 127.0.0.1:N connected`).
 */
async function serverConnections(client: Client, srv: Running): Promise<number> {
  try {
    const list = await client.send("CLIENT", "LIST");
    const text = list instanceof Uint8Array ? dec.decode(list) : String(list);
    return text.split("\n").filter((l) => l.startsWith("id=")).length;
  } catch (err) {
    if (!(err instanceof RedisError)) throw err;
  }
  try {
    const m = (await client.info("clients")).match(/connected_clients:(\d+)/);
    if (m) return Number(m[1]);
  } catch (err) {
    if (!(err instanceof RedisError)) throw err;
  }
  const logged = srv.stderr.text.match(/^client \S+ connected/gm);
  if (!logged) throw new Error("neither CLIENT LIST, INFO clients nor the log tells connections");
  return logged.length;
}

for (const target of TARGETS) {
  const ignore = target.missing !== undefined;

  Deno.test({
    name: `${target.name}: 1000 concurrent callers SET then GET their own key over one connection`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      const wrong: string[] = [];
      await Promise.all(Array.from({ length: 1000 }, async (_, i) => {
        const key = `caller:${i}`;
        const value = `value of caller ${i} ${"x".repeat(i % 50)}`;
        assertEquals(await client.set(key, value), true);
        const got = await client.getString(key);
        if (got !== value) wrong.push(`${key}: ${JSON.stringify(got)}`);
      }));
      assertEquals(wrong, []);
      assertEquals(await serverConnections(client, srv), 1, "the server saw one connection");
      assertEquals(await client.dbsize(), 1000);
    },
  });

  Deno.test({
    name: `${target.name}: an error reply rejects only its own caller, with Redis's text`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await client.set("s", "abc");
      const results = await Promise.allSettled([
        client.incr("s"),
        client.getString("s"),
        client.send("NOSUCHCMD", "a", "b"),
        client.incr("n"),
        client.send("GET"),
        client.set("k", "v", { nx: true, xx: true }),
        client.incr("n"),
      ]);
      const outcome = results.map((r) =>
        r.status === "fulfilled"
          ? r.value
          : `${(r.reason as Error).name}: ${(r.reason as Error).message}`
      );
      assertEquals(outcome, [
        "RedisError: ERR value is not an integer or out of range",
        "abc",
        "RedisError: ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' ",
        1,
        "RedisError: ERR wrong number of arguments for 'get' command",
        "RedisError: ERR syntax error",
        2,
      ]);
      const err = results[0]!.status === "rejected" ? results[0].reason : undefined;
      assert(err instanceof RedisError);
      assertEquals(err.code, "ERR");
      // The connection is still fine afterwards.
      assertEquals(await client.ping(), "PONG");
    },
  });

  Deno.test({
    name: `${target.name}: killing the server rejects every pending call within 1 s`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await client.set("k", "v");
      // Freeze the server so the calls stay pending, then kill it.
      kill(srv, "SIGSTOP");
      const settled: Array<"ok" | "lost" | string> = [];
      const calls = Array.from(
        { length: 1000 },
        (_, i) =>
          (i % 2 ? client.get("k") : client.incr("n")).then(
            () => settled.push("ok"),
            (e) => settled.push(e instanceof ConnectionError ? "lost" : String(e)),
          ),
      );
      await new Promise((r) => setTimeout(r, 200));
      assertEquals(settled.length, 0, "the calls are pending while the server is stopped");
      assertEquals(client.pending, 1000);
      const killedAt = performance.now();
      kill(srv, "SIGKILL");
      await Promise.all(calls);
      const ms = performance.now() - killedAt;
      assertLess(ms, 1000, `all pending calls settled ${ms.toFixed(0)} ms after the kill`);
      assertEquals(settled.filter((s) => s === "lost").length, 1000);
      assertEquals(client.pending, 0);
      assert(client.closed);
      // Later calls fail at once, with a clear error.
      const t0 = performance.now();
      const e = await assertRejects(() => client.get("k"), ConnectionError);
      assertLess(performance.now() - t0, 100);
      assertStringIncludes(e.message, `connection to 127.0.0.1:${srv.port} lost`);
    },
  });

  Deno.test({
    name: `${target.name}: close() waits for the calls in flight, later calls fail fast`,
    ignore,
    async fn() {
      await using srv = await target.start();
      const client = await connect({ port: srv.port });
      const calls = Array.from({ length: 500 }, (_, i) => client.set(`k${i}`, i));
      const closing = client.close();
      await assertRejects(() => client.get("k1"), ConnectionError, "is closed");
      assertEquals((await Promise.all(calls)).every((ok) => ok === true), true);
      await closing;
      await client.close(); // twice is fine
      await using check = await connect({ port: srv.port });
      assertEquals(await check.dbsize(), 500);
      assertEquals(await check.getString("k499"), "499");
    },
  });
}

Deno.test("connect to a closed port rejects with one clear ConnectionError", async () => {
  const port = freePort();
  const e = await assertRejects(() => connect({ port }), ConnectionError);
  assertEquals(e.message, `Could not connect to Redis at 127.0.0.1:${port}: Connection refused`);
});

Deno.test("replies arrive in call order when the server answers in bursts", async () => {
  // A real TCP peer that answers every command at once, but only after all 300 have arrived,
  // and splits its answer into odd-sized chunks: replies must still settle their own calls.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const server = (async () => {
    const conn = await listener.accept();
    let seen = "";
    const buf = new Uint8Array(65536);
    while ((seen.match(/\*2\r\n/g) ?? []).length < 300) {
      const n = await conn.read(buf);
      if (n === null) break;
      seen += dec.decode(buf.subarray(0, n));
    }
    let out = "";
    for (let i = 0; i < 300; i++) {
      out += i % 7 === 3 ? `-ERR number ${i}\r\n` : `$${String(i).length}\r\n${i}\r\n`;
    }
    const bytes = new TextEncoder().encode(out);
    for (let off = 0; off < bytes.length; off += 13) {
      await conn.write(bytes.subarray(off, off + 13));
    }
    await conn.read(buf); // until the client closes
    conn.close();
  })();
  const client = await connect({ port: listener.addr.port });
  const results = await Promise.allSettled(
    Array.from({ length: 300 }, (_, i) => client.getString(`k${i}`)),
  );
  for (let i = 0; i < 300; i++) {
    const r = results[i]!;
    if (i % 7 === 3) {
      assert(r.status === "rejected" && r.reason instanceof RedisError, `call ${i}`);
      assertEquals((r.reason as RedisError).message, `ERR number ${i}`);
    } else {
      assertEquals(r.status === "fulfilled" ? r.value : r.reason, String(i));
    }
  }
  assertGreater(results.length, 0);
  await client.close();
  await server;
  listener.close();
});

Deno.test("close with a time limit: a server that never answers cannot hold it", async () => {
  // A real TCP peer that reads every command and answers the first of three only.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const server = (async () => {
    const conn = await listener.accept();
    const buf = new Uint8Array(65536);
    let answered = false;
    try {
      let n;
      while ((n = await conn.read(buf)) !== null) {
        if (n > 0 && !answered) {
          answered = true;
          await conn.write(new TextEncoder().encode("+OK\r\n"));
        }
      }
    } catch {
      // the client went away
    }
    conn.close();
  })();
  const client = await connect({ port: listener.addr.port });
  const calls = [client.set("a", "1"), client.set("b", "2"), client.set("c", "3")];
  const settled = Promise.allSettled(calls);
  const t0 = performance.now();
  await client.close({ timeoutMs: 300 });
  const ms = performance.now() - t0;
  assertGreater(ms, 250, "it waited for the replies first");
  assertLess(ms, 5000, "then gave up");
  const [a, b, c] = await settled;
  assertEquals(a!.status, "fulfilled");
  for (const r of [b!, c!]) {
    assert(r.status === "rejected" && r.reason instanceof ConnectionError, String(r));
    assertStringIncludes(r.reason.message, "closed after 300 ms without every reply");
  }
  await assertRejects(() => client.ping(), ConnectionError);
  await server;
  listener.close();
});
