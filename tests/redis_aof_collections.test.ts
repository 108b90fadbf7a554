// Hashes and sets in the append-only file: a SIGKILL with appendfsync always loses no
// acknowledged HSET or SADD; a rewrite of 100,000 hashes and sets (compact: one HMSET or SADD
// per key, 64 elements per command for large ones) reloads to the same data, and redis-server
// 7.0 loads the rewritten file to the same data too.

import { type Client, connect } from "../src/client/client.ts";
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

/** Every key with its type, its elements (sorted) and whether it has a time to live. */
async function dump(port: number): Promise<string[]> {
  const c = await connect({ port });
  try {
    const keys = ((await c.send("KEYS", "*")) as Uint8Array[]).map(text);
    const out: string[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const rows = await Promise.all(batch.map(async (k) => {
        const type = text(await c.send("TYPE", k));
        const body = type === "hash"
          ? await c.send("HGETALL", k)
          : type === "set"
          ? await c.send("SMEMBERS", k)
          : await c.send("GET", k);
        const items = Array.isArray(body) ? body.map(text) : [text(body)];
        if (type === "hash") {
          const pairs: string[] = [];
          for (let j = 0; j < items.length; j += 2) pairs.push(`${items[j]}=${items[j + 1]}`);
          items.splice(0, items.length, ...pairs);
        }
        const ttl = Number(await c.send("PEXPIRETIME", k)) > 0 ? "ttl" : "";
        return `${k} ${type} ${ttl} ${items.sort().join(",")}`;
      }));
      out.push(...rows);
    }
    return out.sort();
  } finally {
    await c.close();
  }
}

async function info(c: Client, field: string): Promise<string> {
  const m = (await c.info("persistence")).match(new RegExp(`${field}:(\\S+)`));
  return m?.[1] ?? "";
}

Deno.test("a rewrite of 100,000 hashes and sets reloads the same, in tokserver and redis-server", {
  ignore: which("redis-server") === undefined,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-coll-" });
  try {
    const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", dir, "--appendfsync", "no"];
    let before: string[];
    {
      await using srv = await startServer(args);
      const c = await connect({ port: srv.port });
      for (let i = 0; i < 50_000; i += 1000) {
        const calls: Promise<unknown>[] = [];
        for (let j = i; j < i + 1000; j++) {
          calls.push(c.send("HSET", `h:${j}`, "name", `n${j}`, "n", String(j), "bin", "\x00\r\n"));
          calls.push(c.send("SADD", `s:${j}`, String(j), String(-j), j % 2 ? `m${j}` : "7"));
        }
        await Promise.all(calls);
      }
      const big: string[] = [], bigSet: string[] = [];
      for (let j = 0; j < 300; j++) big.push(`f${j}`, "v".repeat(j % 80));
      for (let j = 0; j < 1000; j++) bigSet.push(String(j * 7));
      await c.send("HSET", "bighash", ...big);
      await c.send("SADD", "bigset", ...bigSet);
      await c.send("SADD", "bigstrset", ...bigSet.map((m) => `x${m}`));
      await c.send("PEXPIRE", "h:5", "10000000");
      await c.send("EXPIRE", "s:7", "10000000");
      await c.send("BGREWRITEAOF");
      await waitUntil(async () => (await info(c, "aof_rewrites")) === "1", 30_000, "a rewrite");
      await waitUntil(async () => (await info(c, "aof_rewrite_in_progress")) === "0", 30_000);
      await c.close();
      before = await dump(srv.port);
    }
    assertEquals(before.length, 100_003);
    const file = await Deno.readTextFile(`${dir}/tokserver.aof`);
    // Compact: one command per small key; 300 fields in 5 HMSETs, 1,000 members in 16 SADDs.
    assertEquals((file.match(/\$5\r\nHMSET\r\n\$[0-9]\r\nh:/g) ?? []).length, 50_000);
    assertEquals((file.match(/\$5\r\nHMSET\r\n\$7\r\nbighash/g) ?? []).length, 5);
    assertEquals((file.match(/\$4\r\nSADD\r\n\$6\r\nbigset/g) ?? []).length, 16);
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

Deno.test("SIGKILL with appendfsync always loses no acknowledged HSET or SADD", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-coll-kill-" });
  try {
    const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", dir];
    const acked: number[] = [];
    {
      await using srv = await startServer([...args, "--appendfsync", "always"]);
      const c = await connect({ port: srv.port });
      let killed = false;
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 20_000 && !killed; i++) {
        writes.push((async () => {
          try {
            await c.send("HSET", `h${i % 10}`, `f${i}`, String(i));
            await c.send("SADD", `s${i % 10}`, `m${i}`);
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
    await using again = await startServer(args);
    const c = await connect({ port: again.port });
    for (let j = 0; j < acked.length; j += 500) {
      await Promise.all(
        acked.slice(j, j + 500).map(async (i) => {
          assertEquals(text(await c.send("HGET", `h${i % 10}`, `f${i}`)), String(i));
          assertEquals(await c.send("SISMEMBER", `s${i % 10}`, `m${i}`), 1);
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
