// Sorted sets in the append-only file: a rewrite writes ZADD with %.17g scores, so every score
// (thirds, denormals, the largest double, infinities) reloads to the same bits,
// in tokserver and in redis-server 7.0; a SIGKILL with appendfsync always loses no acknowledged
// ZADD or ZINCRBY, and a BZPOPMIN served while blocked is logged as ZPOPMIN.

import { connect } from "../src/client/client.ts";
import {
  assert,
  assertEquals,
  startRedisOnTokserverAof,
  startServer,
  waitUntil,
  which,
} from "./_util.ts";

const dec = new TextDecoder();
const text = (v: unknown) => v instanceof Uint8Array ? dec.decode(v) : String(v);

/** Every sorted set with its members and scores (as Redis formats them) and encoding. */
async function dump(port: number): Promise<string[]> {
  const c = await connect({ port });
  try {
    const keys = ((await c.send("KEYS", "*")) as Uint8Array[]).map(text).sort();
    const out: string[] = [];
    for (const k of keys) {
      const items = ((await c.send("ZRANGE", k, "0", "-1", "WITHSCORES")) as unknown[]).map(text);
      const ttl = Number(await c.send("PEXPIRETIME", k)) > 0 ? "ttl" : "";
      out.push(`${k} ${ttl} ${items.join(",")}`);
    }
    return out;
  } finally {
    await c.close();
  }
}

Deno.test("a rewrite of sorted sets keeps every score exact, in tokserver and redis-server", {
  ignore: which("redis-server") === undefined,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-zset-" });
  try {
    const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", dir, "--appendfsync", "no"];
    let before: string[];
    {
      await using srv = await startServer(args);
      const c = await connect({ port: srv.port });
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 2000; i++) {
        calls.push(c.send("ZADD", `z:${i}`, String(i / 7), "a", String(-i), `m${i}`));
      }
      await Promise.all(calls);
      await c.send("ZINCRBY", "z:1", "0.1", "a");
      await c.send("ZINCRBY", "z:1", "0.2", "a");
      await c.send(
        "ZADD",
        "odd",
        "1e-320",
        "denormal",
        "1.7976931348623157e308",
        "max",
        "inf",
        "i",
        "-inf",
        "ni",
        "0.30000000000000004",
        "sum",
      );
      const big: string[] = [];
      for (let j = 0; j < 1000; j++) big.push(String(Math.sqrt(j)), `member:${j}`);
      await c.send("ZADD", "big", ...big);
      await c.send("PEXPIRE", "z:5", "10000000");
      await c.send("BGREWRITEAOF");
      await waitUntil(async () => /aof_rewrites:1/.test(await c.info("persistence")), 30_000);
      await waitUntil(async () => /aof_rewrite_in_progress:0/.test(await c.info("persistence")));
      await c.close();
      before = await dump(srv.port);
    }
    assertEquals(before.length, 2002);
    assert(before.some((l) => l.includes("sum,0.30000000000000004")));
    const file = await Deno.readTextFile(`${dir}/tokserver.aof`);
    // 1,000 members in 16 ZADDs of at most 64 pairs; one ZADD per small key.
    assertEquals((file.match(/\$4\r\nZADD\r\n\$3\r\nbig\r\n/g) ?? []).length, 16);
    assertEquals((file.match(/\$4\r\nZADD\r\n\$[0-9]\r\nz:/g) ?? []).length, 2000);
    {
      await using again = await startServer(args);
      assertEquals(await dump(again.port), before);
    }
    await using redis = await startRedisOnTokserverAof(dir);
    assertEquals(await dump(redis.port), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGKILL with appendfsync always loses no acknowledged ZADD; served BZPOPMIN is ZPOPMIN", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-zset-kill-" });
  try {
    const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", dir];
    const acked: number[] = [];
    {
      await using srv = await startServer([...args, "--appendfsync", "always"]);
      const c = await connect({ port: srv.port });
      const waiter = await connect({ port: srv.port });
      const served = waiter.blocking("BZPOPMIN", "queue", "0");
      await waitUntil(async () => /blocked_clients:1/.test(await c.info("clients")));
      await c.send("ZADD", "queue", "2", "second", "1", "first");
      assertEquals((await served as unknown[]).map(text), ["queue", "first", "1"]);
      await waiter.close();
      let killed = false;
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 20_000 && !killed; i++) {
        writes.push((async () => {
          try {
            await c.send("ZADD", `z${i % 10}`, String(i / 3), `m${i}`);
            await c.send("ZINCRBY", `z${i % 10}`, "0.5", `m${i}`);
            acked.push(i);
            if (acked.length === 3000 && !killed) {
              killed = true;
              srv.child.kill("SIGKILL");
            }
          } catch {
            // the server is gone
          }
        })());
        if (i % 200 === 199) await Promise.race([Promise.all(writes.slice(-200)), tick()]);
      }
      await Promise.allSettled(writes);
      await c.close().catch(() => {});
    }
    assert(acked.length >= 3000);
    const file = await Deno.readTextFile(`${dir}/tokserver.aof`);
    assert(file.includes("$7\r\nZPOPMIN\r\n$5\r\nqueue\r\n"));
    assert(!file.includes("BZPOPMIN"));
    await using again = await startServer(args);
    const c = await connect({ port: again.port });
    assertEquals((await c.send("ZRANGE", "queue", "0", "-1") as unknown[]).map(text), ["second"]);
    for (let j = 0; j < acked.length; j += 500) {
      await Promise.all(
        acked.slice(j, j + 500).map(async (i) => {
          const got = Number(text(await c.send("ZSCORE", `z${i % 10}`, `m${i}`)));
          assertEquals(got, i / 3 + 0.5);
        }),
      );
    }
    await c.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function tick(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}
