// Subscriptions through the client, against a real redis-server and tokserver redis: messages
// arrive in order on a dedicated connection, patterns match, unsubscribing or leaving the loop
// ends the iteration cleanly, and a lost server ends it with an error.

import { assert, assertEquals, assertRejects, waitUntil } from "./_util.ts";
import { connect, ConnectionError, type Message } from "../src/client/client.ts";
import { kill, TARGETS } from "./client_targets.ts";

for (const target of TARGETS) {
  const ignore = target.missing !== undefined;

  Deno.test({
    name: `${target.name}: subscribe delivers messages in order as an async iterable`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      const sub = await client.subscribe("news", "sports");
      assertEquals(sub.count, 2);
      const payload = Uint8Array.from({ length: 256 }, (_, i) => i);
      assertEquals(await client.publish("news", "first"), 1);
      assertEquals(await client.publish("sports", payload), 1);
      assertEquals(await client.publish("weather", "nobody"), 0);
      for (let i = 0; i < 100; i++) await client.publish("news", `n${i}`);
      const got: Message[] = [];
      for await (const m of sub) {
        got.push(m);
        if (got.length === 102) break;
      }
      assertEquals(got[0]!.channelText, "news");
      assertEquals(got[0]!.text, "first");
      assertEquals(got[0]!.pattern, undefined);
      assertEquals(got[1]!.channelText, "sports");
      assertEquals(got[1]!.payload, payload);
      assertEquals(got.slice(2).map((m) => m.text), Array.from({ length: 100 }, (_, i) => `n${i}`));
      // Leaving the loop closed the subscriber's connection: the server drops the subscription.
      await waitUntil(async () => (await client.publish("news", "x")) === 0, 5000, "unsubscribed");
    },
  });

  Deno.test({
    name: `${target.name}: psubscribe matches patterns and reports the pattern`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await using sub = await client.psubscribe("news.*");
      await client.publish("news.tech", "chips");
      await client.publish("sports.tech", "not matched");
      await client.publish("news.art", "paint");
      const first = await sub.next();
      const second = await sub.next();
      assertEquals([first?.patternText, first?.channelText, first?.text], [
        "news.*",
        "news.tech",
        "chips",
      ]);
      assertEquals([second?.patternText, second?.channelText, second?.text], [
        "news.*",
        "news.art",
        "paint",
      ]);
    },
  });

  Deno.test({
    name: `${target.name}: unsubscribing from the last channel ends the iteration`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      const sub = await client.subscribe("a", "b");
      const seen = (async () => {
        const texts: string[] = [];
        for await (const m of sub) texts.push(`${m.channelText}:${m.text}`);
        return texts;
      })();
      await client.publish("a", "1");
      assertEquals(await sub.unsubscribe("a"), [1]);
      assertEquals(await client.publish("a", "dropped"), 0);
      await client.publish("b", "2");
      assertEquals(await sub.unsubscribe(), [0]);
      assertEquals(await seen, ["a:1", "b:2"]);
      await assertRejects(() => sub.subscribe("c"), ConnectionError);
      await sub.close();
    },
  });

  Deno.test({
    name: `${target.name}: a killed server ends a subscription with ConnectionError`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await using sub = await client.subscribe("a");
      const waiting = sub.next();
      kill(srv);
      const e = await assertRejects(() => waiting, ConnectionError);
      assert(e.message.includes("lost"), e.message);
    },
  });
}
