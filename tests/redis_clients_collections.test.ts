// ioredis and node-redis, unmodified, using their hash and set helpers against tokserver redis:
// objects in and out of HSET/HGETALL, HINCRBY, set algebra, SMISMEMBER, SSCAN/HSCAN streams and
// a WRONGTYPE error surfacing as the client's error.

import { Redis as IORedis } from "ioredis";
import { createClient } from "redis";
import { assert, assertEquals, assertRejects, startServer } from "./_util.ts";

Deno.test("ioredis: hash and set helpers", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  const client = new IORedis({ port: srv.port, host: "127.0.0.1", maxRetriesPerRequest: 1 });
  try {
    assertEquals(await client.hset("user:1", { name: "ada", visits: "1" }), 2);
    assertEquals(await client.hgetall("user:1"), { name: "ada", visits: "1" });
    assertEquals(await client.hincrby("user:1", "visits", 4), 5);
    assertEquals(await client.hmget("user:1", "name", "nope"), ["ada", null]);
    assertEquals(await client.sadd("a", "x", "y", "z"), 3);
    assertEquals(await client.sadd("b", "y", "z", "w"), 3);
    assertEquals((await client.sinter("a", "b")).sort(), ["y", "z"]);
    assertEquals((await client.sunion("a", "b")).sort(), ["w", "x", "y", "z"]);
    assertEquals(await client.smismember("a", "x", "w"), [1, 0]);
    const seen: string[] = [];
    for await (const batch of client.sscanStream("a", { count: 1 })) seen.push(...batch);
    assertEquals(seen.sort(), ["x", "y", "z"]);
    await assertRejects(() => client.hget("a", "f"), Error, "WRONGTYPE");
  } finally {
    client.disconnect();
  }
});

Deno.test("node-redis: hash and set helpers", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  const client = createClient({ socket: { port: srv.port, host: "127.0.0.1" } });
  client.on("error", () => {});
  await client.connect();
  try {
    assertEquals(await client.hSet("user:1", { name: "ada", visits: 1 }), 2);
    assertEquals({ ...(await client.hGetAll("user:1")) }, { name: "ada", visits: "1" });
    assertEquals(await client.hIncrByFloat("user:1", "visits", 0.5), "1.5");
    assertEquals(await client.sAdd("s", ["1", "2", "3"]), 3);
    assertEquals(await client.sMembers("s"), ["1", "2", "3"]);
    assertEquals(await client.sIsMember("s", "2"), 1);
    assertEquals(await client.sCard("s"), 3);
    const popped = await client.sPop("s");
    assert(["1", "2", "3"].includes(String(popped)));
    const fields: string[] = [];
    for await (const entries of client.hScanIterator("user:1")) {
      for (const e of entries) fields.push(e.field);
    }
    assertEquals(fields.sort(), ["name", "visits"]);
    await assertRejects(() => client.sAdd("user:1", "x"), Error, "WRONGTYPE");
  } finally {
    await client.quit();
  }
});
