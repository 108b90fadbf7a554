// What the shared command connection refuses and how numbers are sent, against a real
// redis-server and tokserver redis: a command that would change the connection's mode is refused
// by send() before anything is written (every other caller keeps its own reply), blocking
// commands run through blocking() on a connection of their own, integers go out in plain
// decimal and NaN or infinities are refused.

import { assertEquals, assertRejects, assertStringIncludes } from "./_util.ts";
import { connect, ConnectionError, ModeError } from "../src/client/client.ts";
import { TARGETS, within } from "./client_targets.ts";

const enc = new TextEncoder();

for (const target of TARGETS) {
  const ignore = target.missing !== undefined;

  Deno.test({
    name:
      `${target.name}: send("SUBSCRIBE") is refused and the callers beside it get their own replies`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await client.set("k4", "v4");
      const [sub, get, ping] = await within(
        Promise.allSettled([
          client.send("SUBSCRIBE", "s1", "s2"),
          client.getString("k4"),
          client.ping(),
        ]),
        5000,
        "the three calls",
      );
      assertEquals(get, { status: "fulfilled", value: "v4" });
      assertEquals(ping, { status: "fulfilled", value: "PONG" });
      assertEquals(sub.status, "rejected");
      const e = (sub as PromiseRejectedResult).reason;
      assertEquals(e instanceof ModeError, true);
      assertStringIncludes(
        e.message,
        "SUBSCRIBE would put the shared connection in subscribed mode",
      );
      assertStringIncludes(e.message, "client.subscribe()");
      // Every mode-changing command is refused, in any case, as text or bytes.
      const refused: Array<[unknown[], string]> = [
        [["psubscribe", "a*"], "client.psubscribe()"],
        [[enc.encode("Unsubscribe")], "Subscriber"],
        [["PUNSUBSCRIBE"], "Subscriber"],
        [["SSUBSCRIBE", "s"], "sharded"],
        [["monitor"], "connection of its own"],
        [["RESET"], "connect()"],
        [["QUIT"], "client.close()"],
        [["BLPOP", "q", 0], "client.blocking("],
        [["brpop", "q", 1], "client.blocking("],
        [["BLMOVE", "a", "b", "LEFT", "RIGHT", 0], "client.blocking("],
        [["BZPOPMIN", "z", 0], "client.blocking("],
        [["XREAD", "COUNT", 1, "block", 0, "STREAMS", "s", "$"], "client.blocking("],
        [["WAIT", 1, 0], "client.blocking("],
        [["CLIENT", "reply", "off"], "vanish"],
        [["HELLO", 3], "RESP3"],
      ];
      for (const [args, api] of refused) {
        const err = await assertRejects(
          () => client.send(...(args as Parameters<typeof client.send>)),
          ModeError,
        );
        assertStringIncludes(err.message, api, String(args[0]));
      }
      // Nothing was written: the connection is still in step.
      assertEquals(await client.echo("after"), enc.encode("after"));
      assertEquals(await client.getString("k4"), "v4");
      // XREAD without BLOCK is an ordinary command (a server without streams says so).
      await client.send("XREAD", "STREAMS", "s", "0").catch((err) => {
        assertEquals(err instanceof ModeError, false);
      });
    },
  });

  Deno.test({
    name: `${target.name}: integers go out in decimal; NaN and infinities are refused`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await client.set("a", 1e21);
      assertEquals(await client.getString("a"), "1000000000000000000000");
      await client.send("SET", "b", 2 ** 53 + 2);
      assertEquals(await client.getString("b"), "9007199254740994");
      await client.set("c", -1e300);
      assertEquals((await client.getString("c"))?.length, 302);
      await client.set("d", 1.5);
      assertEquals(await client.getString("d"), "1.5");
      assertEquals(await client.incrby("n", 1e15), 1e15);
      for (const bad of [NaN, Infinity, -Infinity]) {
        const e = await assertRejects(() => client.set("x", bad), RangeError);
        assertStringIncludes(e.message, `argument 3 of SET is ${bad}`);
        await assertRejects(() => client.incrby("x", bad), RangeError, "finite");
        await assertRejects(() => client.send("EXPIRE", "a", bad), RangeError, "finite");
      }
      // Nothing of the refused calls was written.
      assertEquals(await client.exists("x"), 0);
      assertEquals(await client.ttl("a"), -1);
      // A subscription takes only finite numbers too.
      await using sub = await client.subscribe(7);
      await assertRejects(() => sub.subscribe(NaN), RangeError);
      assertEquals(await client.publish(7, "seven"), 1);
      assertEquals((await within(sub.next(), 5000, "message"))?.channelText, "7");
    },
  });
}

Deno.test({
  name: "redis-server: blocking() runs BLPOP on its own connection; close() ends one still blocked",
  ignore: TARGETS[0]!.missing !== undefined,
  async fn() {
    await using srv = await TARGETS[0]!.start();
    await using client = await connect({ port: srv.port });
    await client.send("SELECT", 3);
    const popped = client.blocking("BLPOP", "q", 0);
    // The shared connection is not held: other calls go on, including the push that wakes it.
    for (let i = 0; i < 3; i++) assertEquals(await client.ping(), "PONG");
    assertEquals(await within(client.blocking("BLPOP", "none", 0.05), 5000, "timeout"), null);
    assertEquals(await client.send("RPUSH", "q", "x"), 1);
    // Popped in database 3, the one SELECTed on the shared connection.
    assertEquals(await within(popped, 5000, "BLPOP"), [enc.encode("q"), enc.encode("x")]);
    await assertRejects(() => client.blocking("SUBSCRIBE", "q"), ModeError, "client.subscribe()");
    const other = await connect({ port: srv.port });
    const stuck = other.blocking("BRPOP", "never", 0);
    await new Promise((r) => setTimeout(r, 50));
    await within(other.close(), 5000, "close");
    await assertRejects(() => within(stuck, 5000, "BRPOP"), ConnectionError);
  },
});
