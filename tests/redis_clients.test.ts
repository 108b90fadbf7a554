// The npm clients people actually use, unmodified, against tokserver redis: ioredis and
// node-redis. Binary values survive a round trip, a pipeline of 10,000 commands comes back in
// order, and pattern subscriptions deliver pmessages with the right pattern and channel.

import { Redis as IORedis } from "ioredis";
import { createClient, RESP_TYPES } from "redis";
import { Buffer } from "node:buffer";
import { assert, assertEquals, startServer, waitUntil } from "./_util.ts";

/** Every byte value, twice, with CR LF in the middle: what a text-only path would break. */
const BINARY = Buffer.from([...Array(256).keys(), 13, 10, ...Array(256).keys()].map((b) => b));

Deno.test("ioredis: binary GET/SET, a 10,000-command pipeline, pattern pub/sub", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  const opts = { port: srv.port, host: "127.0.0.1", maxRetriesPerRequest: 1 };
  const client = new IORedis(opts);
  const sub = new IORedis(opts);
  try {
    assertEquals(await client.set(Buffer.from([0, 255, 1]), BINARY), "OK");
    const back = await client.getBuffer(Buffer.from([0, 255, 1]));
    assert(back !== null && Buffer.compare(back, BINARY) === 0, "binary value changed");
    assertEquals(await client.get("missing"), null);

    const pipe = client.pipeline();
    for (let i = 0; i < 5000; i++) {
      pipe.set(`key:${i}`, `value:${i}`);
      pipe.get(`key:${i}`);
    }
    const results = await pipe.exec();
    assert(results !== null);
    assertEquals(results.length, 10_000);
    for (let i = 0; i < 5000; i++) {
      assertEquals(results[2 * i], [null, "OK"]);
      assertEquals(results[2 * i + 1], [null, `value:${i}`]);
    }
    assertEquals(await client.dbsize(), 5001);

    const got: Array<[string, string, string]> = [];
    sub.on("pmessage", (pattern: string, channel: string, message: string) => {
      got.push([pattern, channel, message]);
    });
    assertEquals(await sub.psubscribe("news.*", "h?llo"), 2);
    assertEquals(await client.publish("news.tech", "chips"), 1);
    assertEquals(await client.publish("hallo", "welt"), 1);
    assertEquals(await client.publish("sport", "nobody listens"), 0);
    await waitUntil(() => got.length === 2, 5000, "two pmessages");
    assertEquals(got, [["news.*", "news.tech", "chips"], ["h?llo", "hallo", "welt"]]);
  } finally {
    await Promise.allSettled([client.quit(), sub.quit()]);
    client.disconnect();
    sub.disconnect();
  }
});

Deno.test("node-redis: binary GET/SET, 10,000 pipelined commands, pattern pub/sub", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  const client = createClient({ socket: { port: srv.port, host: "127.0.0.1" } });
  client.on("error", () => {});
  await client.connect();
  const sub = client.duplicate();
  sub.on("error", () => {});
  await sub.connect();
  try {
    assertEquals(await client.set("bin", BINARY), "OK");
    const buffers = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    const back = await buffers.get("bin");
    assert(back instanceof Buffer && Buffer.compare(back, BINARY) === 0, "binary value changed");

    // Commands issued in the same tick leave in one write: node-redis pipelines them.
    const replies = await Promise.all(
      Array.from(
        { length: 10_000 },
        (_, i) => i % 2 === 0 ? client.set(`k${i >> 1}`, `v${i >> 1}`) : client.get(`k${i >> 1}`),
      ),
    );
    for (let i = 0; i < 10_000; i += 2) {
      assertEquals(replies[i], "OK");
      assertEquals(replies[i + 1], `v${i >> 1}`);
    }
    const batch = client.multi();
    for (let i = 0; i < 10_000; i++) batch.incr("counter");
    const counts = await batch.execAsPipeline();
    assertEquals(counts.length, 10_000);
    assertEquals(counts[9_999] as unknown, 10_000);

    const got: Array<[string, string]> = [];
    await sub.pSubscribe("news.*", (message, channel) => got.push([channel, message]));
    await sub.subscribe("plain", (message, channel) => got.push([channel, message]));
    assertEquals(await client.publish("news.world", "hello"), 1);
    assertEquals(await client.publish("plain", "text"), 1);
    await waitUntil(() => got.length === 2, 5000, "two messages");
    assertEquals(got, [["news.world", "hello"], ["plain", "text"]]);
    await sub.pUnsubscribe("news.*");
    await sub.unsubscribe("plain");
    assertEquals(await client.publish("news.world", "again"), 0);
  } finally {
    await Promise.allSettled([client.close(), sub.close()]);
  }
});
