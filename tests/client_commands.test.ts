// The client's typed commands and its value handling, against a real redis-server and
// tokserver redis: bytes come back unaltered, the ...String twins decode UTF-8, SET's options
// and the integer commands give typed results.

import { assertEquals, assertRejects } from "./_util.ts";
import { connect, RedisError } from "../src/client/client.ts";
import { TARGETS } from "./client_targets.ts";

const enc = new TextEncoder();

for (const target of TARGETS) {
  const ignore = target.missing !== undefined;

  Deno.test({
    name: `${target.name}: binary keys and values round-trip byte for byte`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const crlf = enc.encode("a\r\nb\r\n$3\r\n*1\r\n");
      assertEquals(await client.set(all, all), true);
      assertEquals(await client.get(all), all);
      assertEquals(await client.set("crlf", crlf), true);
      assertEquals(await client.get("crlf"), crlf);
      // Not valid UTF-8: get() keeps the bytes; getString() is the caller's choice to decode.
      const bad = Uint8Array.of(0xff, 0xfe, 0x00, 0xc3);
      await client.set("bad", bad);
      assertEquals(await client.get("bad"), bad);
      assertEquals(await client.strlen("bad"), 4);
      const big = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
      await client.set("big", big);
      assertEquals(await client.get("big"), big);
    },
  });

  Deno.test({
    name: `${target.name}: strings go out as UTF-8 and the String methods decode them`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await client.set("ключ", "значение ✓ 😀");
      assertEquals(await client.getString("ключ"), "значение ✓ 😀");
      assertEquals(await client.get("ключ"), enc.encode("значение ✓ 😀"));
      assertEquals(await client.getString("missing"), null);
      assertEquals(await client.get("missing"), null);
      await client.mset({ a: "1", "é": "2", n: 3.5 });
      assertEquals(await client.mgetString("a", "é", "n", "missing"), ["1", "2", "3.5", null]);
      assertEquals(await client.mget("a", "missing"), [enc.encode("1"), null]);
      assertEquals(await client.echo("héllo"), enc.encode("héllo"));
      // Many string arguments in one command, some long, some not ASCII, each arrives intact.
      const long = "ü".repeat(20_000) + "end";
      const pairs: Array<[string, string]> = [["l1", long], ["ö", "ä"], ["l2", long + "2"]];
      for (let i = 0; i < 50; i++) pairs.push([`key ${i} ✓`, `value ${i} ✓`]);
      await client.mset(pairs);
      const values = await client.mgetString(...pairs.map(([k]) => k));
      assertEquals(values, pairs.map(([, v]) => v));
    },
  });

  Deno.test({
    name: `${target.name}: SET options, expiry and counters give typed results`,
    ignore,
    async fn() {
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      assertEquals(await client.set("k", "v1", { nx: true }), true);
      assertEquals(await client.set("k", "v2", { nx: true }), false);
      assertEquals(await client.set("other", "v", { xx: true }), false);
      assertEquals(await client.set("k", "v3", { xx: true, ex: 100 }), true);
      const ttl = await client.ttl("k");
      assertEquals(ttl > 90 && ttl <= 100, true, `ttl ${ttl}`);
      assertEquals(await client.set("k", "v4", { keepttl: true }), true);
      assertEquals((await client.pttl("k")) > 90_000, true);
      assertEquals(await client.persist("k"), true);
      assertEquals(await client.ttl("k"), -1);
      assertEquals(await client.ttl("nope"), -2);
      assertEquals(await client.set("p", "x", { px: 50_000 }), true);
      assertEquals(await client.expire("p", 10), true);
      assertEquals(await client.pexpire("nope", 10), false);
      assertEquals(await client.incr("c"), 1);
      assertEquals(await client.incrby("c", 41), 42);
      assertEquals(await client.decr("c"), 41);
      assertEquals(await client.decrby("c", 40), 1);
      assertEquals(await client.append("s", "ab"), 2);
      assertEquals(await client.append("s", "cd"), 4);
      assertEquals(await client.exists("s", "s", "nope"), 2);
      assertEquals(await client.del("s", "c", "nope"), 2);
      assertEquals(await client.getdel("k"), enc.encode("v4"));
      assertEquals(await client.exists("k"), 0);
      assertEquals(await client.send("SET", "n", 7), "OK");
      assertEquals(await client.send("INCRBY", "n", -8), -1);
      const keys = (await client.keys("*")).map((k) => new TextDecoder().decode(k)).sort();
      assertEquals(keys, ["n", "p"]);
      await client.flushdb();
      assertEquals(await client.dbsize(), 0);
      await assertRejects(
        () => client.set("k", "v", { ex: 0 }),
        RedisError,
        "ERR invalid expire time in 'set' command",
      );
    },
  });
}
