// MEMORY USAGE: its arguments and errors byte for byte against redis-server 7.0.15 (the figure
// itself only by type: an estimate differs by nature), and on tokserver alone, that the estimate
// grows with what a key holds and that SAMPLES 0 counts every element.

import { assert, assertEquals } from "@std/assert";
import { diffTest, script } from "./_diff.ts";
import { startServer } from "./_util.ts";
import { connect } from "../src/client/client.ts";

diffTest("MEMORY USAGE answers in Redis 7's shapes", {
  "MEMORY USAGE": script`
    FLUSHALL
    SET s hello
    SET big ${"x".repeat(1000)}
    HSET h a 1 b 2
    SADD t 1 2 3
    SADD u a b c
    @type MEMORY USAGE s
    @type MEMORY USAGE big
    @type MEMORY USAGE h
    @type MEMORY USAGE t SAMPLES 2
    @type MEMORY USAGE u SAMPLES 0
    MEMORY USAGE nokey
    MEMORY USAGE nokey SAMPLES 3
    MEMORY USAGE s SAMPLES
    MEMORY USAGE s SAMPLES -1
    MEMORY USAGE s SAMPLES abc
    MEMORY USAGE s FOO 1
    MEMORY USAGE
    MEMORY
  `,
});

Deno.test("MEMORY USAGE grows with the value and samples every element with SAMPLES 0", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  const c = await connect({ port: srv.port });
  try {
    const usage = async (...a: string[]) => Number(await c.send("MEMORY", "USAGE", ...a));
    await c.send("SET", "small", "x");
    await c.send("SET", "large", "x".repeat(5000));
    assert(await usage("large") > (await usage("small")) + 4000);
    const fields: string[] = [];
    for (let i = 0; i < 1000; i++) fields.push(`f${i}`, i < 990 ? "v" : "v".repeat(60));
    await c.send("HSET", "h", ...fields);
    await c.send("HSET", "one", "f", "v");
    assert(await usage("h") > 20 * (await usage("one")));
    // The long values are the last ten: only sampling every field sees them.
    assert(await usage("h", "SAMPLES", "0") > await usage("h"));
    assertEquals(await usage("h", "SAMPLES", "5"), await usage("h"));
  } finally {
    await c.close();
  }
});
