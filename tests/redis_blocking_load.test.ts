// Blocking pops under load on tokserver, with the benchmark's own tool (bench/blocking_pops.ts)
// at a tenth of its size: 300 clients blocked in BLPOP on 300 keys, 15,000 RPUSHes from 3
// connections sent without a window. Every pushed element is popped exactly once and no list
// keeps anything.

import { runBlocking } from "../bench/blocking_pops.ts";
import { assertEquals, startServer } from "./_util.ts";

Deno.test("blocking pops under load: 300 waiters, 15,000 pushes, each popped exactly once", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  const r = await runBlocking(srv.port, { waiters: 300, pushers: 3, pushes: 15000, batch: 100 });
  assertEquals(
    { served: r.served, doubled: r.doubled, lost: r.lost, leftover: r.leftover },
    { served: 15000, doubled: 0, lost: 0, leftover: 0 },
  );
});
