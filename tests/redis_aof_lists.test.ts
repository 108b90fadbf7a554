// Lists in the append-only file and under WATCH: a rewrite writes a large list as RPUSH commands
// of at most 64 elements, tokserver and redis-server 7.0 both reload it to the same list, LMPOP is
// logged as the LPOP/RPOP it did; a WATCHed list changed by another client fails the EXEC.

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

async function lrange(port: number, key: string): Promise<string[]> {
  const c = await connect({ port });
  try {
    return ((await c.send("LRANGE", key, "0", "-1")) as Uint8Array[]).map(text);
  } finally {
    await c.close();
  }
}

Deno.test("a rewrite writes lists in RPUSH chunks of 64; both servers reload them", {
  ignore: which("redis-server") === undefined,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-lists-" });
  try {
    const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", dir, "--appendfsync", "no"];
    const want: string[] = [];
    for (let i = 0; i < 1000; i++) want.push(i % 3 ? `e${i}` : "\x00\r\n");
    {
      await using srv = await startServer(args);
      const c = await connect({ port: srv.port });
      await c.send("RPUSH", "big", ...want.slice(500));
      await c.send("LPUSH", "big", ...want.slice(0, 500).reverse());
      await c.send("RPUSH", "small", "a", "b", "c");
      await c.send("BGREWRITEAOF");
      await waitUntil(async () => /aof_rewrites:1/.test(await c.info("persistence")), 30_000);
      await waitUntil(async () => /aof_rewrite_in_progress:0/.test(await c.info("persistence")));
      // After the rewrite: logged as the pops they were.
      assertEquals(
        text(((await c.send("LMPOP", "2", "none", "small", "LEFT")) as unknown[])[0]),
        "small",
      );
      await c.close();
    }
    const file = await Deno.readTextFile(`${dir}/tokserver.aof`);
    assertEquals((file.match(/\$5\r\nRPUSH\r\n\$3\r\nbig\r\n/g) ?? []).length, 16);
    assert(file.includes("$4\r\nLPOP\r\n$5\r\nsmall\r\n$1\r\n1\r\n"), "LMPOP logged as LPOP key 1");
    {
      await using again = await startServer(args);
      assertEquals(await lrange(again.port, "big"), want);
      assertEquals(await lrange(again.port, "small"), ["b", "c"]);
    }
    await using redis = await startRedisOnTokserverAof(dir);
    assertEquals(await lrange(redis.port, "big"), want);
    assertEquals(await lrange(redis.port, "small"), ["b", "c"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
