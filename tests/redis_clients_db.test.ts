// Real clients choosing a database: ioredis `{ db: N }` and node-redis `redis://host:port/N`
// send SELECT on connect; their writes must land in N only, as another connection sees with
// SELECT, and keyspace notifications name that database.

import { Redis as IORedis } from "ioredis";
import { createClient } from "redis";
import { RawConn } from "./_diff.ts";
import { assertEquals, startServer, waitUntil } from "./_util.ts";

const dec = new TextDecoder();

/** What GET `key` answers in each of databases 0..15, as `db=value` for the non-null ones. */
async function whereIs(port: number, key: string): Promise<string[]> {
  const c = await RawConn.connect(port);
  const found: string[] = [];
  try {
    for (let db = 0; db < 16; db++) {
      await c.call(["SELECT", String(db)]);
      const r = dec.decode(await c.call(["GET", key]));
      if (r !== "$-1\r\n") found.push(`${db}=${r.split("\r\n")[1]}`);
    }
  } finally {
    c.close();
  }
  return found;
}

Deno.test("ioredis { db: N }: writes land in database N only", async () => {
  await using srv = await startServer(["redis", "--quiet", "--notify-keyspace-events", "KEA"]);
  const opts = { port: srv.port, host: "127.0.0.1", maxRetriesPerRequest: 1 };
  const client = new IORedis({ ...opts, db: 3 });
  const other = new IORedis({ ...opts, db: 9 });
  const sub = new IORedis(opts);
  try {
    const events: string[] = [];
    sub.on(
      "pmessage",
      (_p: string, channel: string, msg: string) => events.push(`${channel} ${msg}`),
    );
    await sub.psubscribe("__keyevent@*__:set");
    assertEquals(await client.set("k", "in three"), "OK");
    assertEquals(await other.set("k", "in nine"), "OK");
    assertEquals(await client.incr("n"), 1);
    assertEquals(await client.get("k"), "in three");
    assertEquals(await client.dbsize(), 2);
    assertEquals(await whereIs(srv.port, "k"), ["3=in three", "9=in nine"]);
    assertEquals(await whereIs(srv.port, "n"), ["3=1"]);
    await waitUntil(() => events.length === 2, 5000, "two set events");
    assertEquals(events, ["__keyevent@3__:set k", "__keyevent@9__:set k"]);
  } finally {
    await Promise.allSettled([client.quit(), other.quit(), sub.quit()]);
    for (const c of [client, other, sub]) c.disconnect();
  }
});

Deno.test("node-redis redis://host:port/N: writes land in database N only", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  const client = createClient({ url: `redis://127.0.0.1:${srv.port}/5` });
  const errors: unknown[] = [];
  client.on("error", (e) => errors.push(e));
  await client.connect();
  try {
    assertEquals(await client.set("k", "in five"), "OK");
    assertEquals(await client.mSet({ a: "1", b: "2" }), "OK");
    assertEquals(await client.dbSize(), 3);
    // A duplicate keeps the URL's database.
    const dup = client.duplicate();
    await dup.connect();
    try {
      assertEquals(await dup.get("k"), "in five");
    } finally {
      await dup.quit();
    }
    assertEquals(await whereIs(srv.port, "k"), ["5=in five"]);
    assertEquals(await whereIs(srv.port, "b"), ["5=2"]);
    assertEquals(errors, []);
  } finally {
    await client.quit();
  }
  // An index past --databases is refused with Redis's error (ioredis reports it as an event and,
  // as with redis-server, goes on in database 0).
  await using small = await startServer(["redis", "--quiet", "--databases", "4"]);
  const bad = new IORedis({ port: small.port, host: "127.0.0.1", db: 4, maxRetriesPerRequest: 0 });
  const seen: string[] = [];
  bad.on("error", (e: Error) => seen.push(e.message));
  try {
    await bad.set("k", "v").catch(() => {});
    await waitUntil(() => seen.length > 0, 5000, "the SELECT error");
    assertEquals(seen[0], "ERR DB index is out of range");
  } finally {
    bad.disconnect();
  }
});
