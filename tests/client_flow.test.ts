// A subscriber whose consumer does not read, against a real redis-server and tokserver redis:
// (un)subscribe confirmations are read and matched behind any number of unread messages, and the
// buffer of unread messages stays bounded by the stated policy (drop the oldest and count them,
// or end the subscription with an error), never a silent stall.

import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_util.ts";
import { connect, ConnectionError, type Message } from "../src/client/client.ts";
import { TARGETS, within } from "./client_targets.ts";

/** Publishes `n` messages `m0`..`m{n-1}` to `channel`, pipelined; how many reached a subscriber. */
async function flood(port: number, channel: string, n: number): Promise<number> {
  await using pub = await connect({ port });
  const receivers = await Promise.all(
    Array.from({ length: n }, (_, i) => pub.publish(channel, `m${i}`)),
  );
  return receivers.reduce((a, b) => a + b, 0);
}

for (const target of TARGETS) {
  const ignore = target.missing !== undefined;

  Deno.test({
    name:
      `${target.name}: unsubscribe is confirmed behind 30,000 unread messages; the oldest are dropped and counted`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      const sub = await client.subscribe("flood");
      assertEquals(await flood(srv.port, "flood", 30_000), 30_000);
      assertEquals(await within(sub.unsubscribe("flood"), 10_000, "unsubscribe"), [0]);
      const got: Message[] = [];
      for await (const m of sub) got.push(m);
      // The default policy kept the newest 10,000 and counted the rest.
      assertEquals(got.length, 10_000);
      assertEquals(sub.dropped, 20_000);
      assertEquals(got[0]!.text, "m20000");
      assertEquals(got[got.length - 1]!.text, "m29999");
      assertEquals(sub.buffered, 0);
    },
  });

  Deno.test({
    name:
      `${target.name}: overflow "close" ends a subscription nobody reads with an error, pending calls too`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({
        port: srv.port,
        subscriptions: { maxMessages: 100, overflow: "close" },
      });
      const sub = await client.subscribe("flood");
      // The subscription may end while the publishes still arrive.
      assert(await flood(srv.port, "flood", 2_000) > 100);
      const e = await assertRejects(
        () => within(sub.unsubscribe("flood"), 10_000, "unsubscribe"),
        ConnectionError,
      );
      assertStringIncludes(e.message, "left unread");
      // What was buffered is still handed out, then the iteration throws the same error.
      let read = 0;
      const end = await assertRejects(async () => {
        for await (const _ of sub) read++;
      }, ConnectionError);
      assertStringIncludes(end.message, "left unread");
      assert(read <= 2_000, `read ${read}`);
      assertEquals(sub.dropped, 0);
      await sub.close();
    },
  });

  Deno.test({
    name: `${target.name}: a byte limit bounds the buffer of large unread messages`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({
        port: srv.port,
        subscriptions: { maxBytes: 1 << 20 },
      });
      const sub = await client.subscribe("big");
      const payload = new Uint8Array(100_000).fill(65);
      for (let i = 0; i < 50; i++) assertEquals(await client.publish("big", payload), 1);
      assertEquals(await within(sub.unsubscribe(), 10_000, "unsubscribe"), [0]);
      let read = 0;
      for await (const m of sub) {
        assertEquals(m.payload.length, 100_000);
        read++;
      }
      // 1 MiB holds 10 of them (100,003 bytes each with the channel).
      assertEquals(read, 10);
      assertEquals(sub.dropped, 40);
    },
  });
}
