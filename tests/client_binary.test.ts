// Channels and patterns are bytes end to end, against a real redis-server and tokserver redis:
// two channels whose names are not UTF-8 stay two subscriptions, confirmations reach the call
// that asked for them, and messages give back the exact bytes of their channel and pattern.

import { assertEquals } from "./_util.ts";
import { connect } from "../src/client/client.ts";
import { TARGETS, within } from "./client_targets.ts";

for (const target of TARGETS) {
  const ignore = target.missing !== undefined;

  Deno.test({
    name: `${target.name}: 0xff and 0xfe are two channels; each confirmation reaches its own call`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await using sub = await client.subscribe(Uint8Array.of(0xff), Uint8Array.of(0xfe));
      assertEquals(sub.count, 2);
      const [un, re] = await within(
        Promise.all([sub.unsubscribe(), sub.subscribe("zzz")]),
        5000,
        "unsubscribe + subscribe",
      );
      assertEquals(un, [1, 0]);
      assertEquals(re, [1]);
      assertEquals(sub.count, 1);
      assertEquals(await client.publish("zzz", "hello"), 1);
      const m = await within(sub.next(), 5000, "message on zzz");
      assertEquals([m?.channelText, m?.text], ["zzz", "hello"]);
    },
  });

  Deno.test({
    name: `${target.name}: messages carry the channel's and the pattern's exact bytes`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await using sub = await client.subscribe(Uint8Array.of(0xff), Uint8Array.of(0xfe));
      assertEquals(await sub.psubscribe(Uint8Array.of(0xfd, 0x2a)), [3]); // "\xfd*"
      assertEquals(await client.publish(Uint8Array.of(0xfe), "to fe"), 1);
      assertEquals(await client.publish(Uint8Array.of(0xff), "to ff"), 1);
      assertEquals(await client.publish(Uint8Array.of(0xfd, 0x41), Uint8Array.of(0, 0xc3)), 1);
      const a = await within(sub.next(), 5000, "first");
      const b = await within(sub.next(), 5000, "second");
      const c = await within(sub.next(), 5000, "third");
      assertEquals([a?.channel, a?.text, a?.pattern], [Uint8Array.of(0xfe), "to fe", undefined]);
      assertEquals([b?.channel, b?.text], [Uint8Array.of(0xff), "to ff"]);
      assertEquals(
        [c?.pattern, c?.channel, c?.payload],
        [Uint8Array.of(0xfd, 0x2a), Uint8Array.of(0xfd, 0x41), Uint8Array.of(0, 0xc3)],
      );
      assertEquals(c?.channelText, "\ufffdA");
      // Unsubscribing one binary channel leaves the other.
      assertEquals(await sub.unsubscribe(Uint8Array.of(0xff)), [2]);
      assertEquals(await client.publish(Uint8Array.of(0xff), "gone"), 0);
      assertEquals(await client.publish(Uint8Array.of(0xfe), "still"), 1);
      assertEquals((await within(sub.next(), 5000, "fourth"))?.text, "still");
    },
  });
}
