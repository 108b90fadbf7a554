// The client's typed stream methods against a real redis-server and tokserver redis, over RESP2
// and RESP3: XADD's ids and trims, XRANGE / XREVRANGE entries with their bytes intact, XREAD and
// XREADGROUP with and without BLOCK (a blocked read waits on a connection of its own while the
// shared one keeps serving, in the database SELECTed), XACK, and a deleted pending entry.

import { assert, assertEquals, assertRejects, waitUntil } from "./_util.ts";
import { type Client, connect, entryText, RedisError } from "../src/client/client.ts";
import { TARGETS, within } from "./client_targets.ts";

const enc = new TextEncoder();

/** Waits until the server counts `n` blocked clients. */
async function blockedClients(client: Client, n: number): Promise<void> {
  await waitUntil(
    async () => (await client.info("clients")).includes(`blocked_clients:${n}\r\n`),
    5000,
    `${n} blocked client(s)`,
  );
}

for (const target of TARGETS) {
  const ignore = target.missing !== undefined;
  for (const resp of [2, 3] as const) {
    Deno.test({
      name: `${target.name} RESP${resp}: xadd, xlen, xrange and xrevrange`,
      ignore,
      async fn() {
        await using srv = await target.start();
        await using client = await connect({ port: srv.port, resp });
        assertEquals(await client.xadd("s", "1-1", { a: "1", b: "2" }), "1-1");
        const bin = Uint8Array.of(0, 0xff, 13, 10);
        assertEquals(await client.xadd("s", "2-*", [["a", bin], ["a", "again"]]), "2-0");
        const auto = await client.xadd("s", "*", { n: 3 });
        assert(/^\d+-\d+$/.test(auto!), auto!);
        assertEquals(await client.xadd("nokey", "*", { a: 1 }, { nomkstream: true }), null);
        assertEquals(await client.xlen("s"), 3);
        assertEquals(await client.xlen("nokey"), 0);
        const all = await client.xrange("s");
        assertEquals(all.map((e) => e.id), ["1-1", "2-0", auto]);
        assertEquals(all[1]!.fields, [[enc.encode("a"), bin], [
          enc.encode("a"),
          enc.encode("again"),
        ]]);
        assertEquals(entryText(all[0]!), { a: "1", b: "2" });
        assertEquals((await client.xrange("s", "(1-1", "+", 1)).map((e) => e.id), ["2-0"]);
        assertEquals((await client.xrevrange("s", "+", "-", 2)).map((e) => e.id), [auto, "2-0"]);
        assertEquals(await client.xrange("nokey"), []);
        for (let i = 10; i < 30; i++) await client.xadd("t", `${i}-0`, { i }, { maxlen: 5 });
        assertEquals((await client.xrange("t")).map((e) => e.id)[0], "25-0");
        await client.xadd("t", "30-0", { i: 30 }, { minid: "28-0" });
        assertEquals((await client.xrange("t")).map((e) => e.id), ["28-0", "29-0", "30-0"]);
        await client.xadd("t", "31-0", { i: 31 }, { maxlen: 0, approx: true, limit: 10 });
        assertEquals(await client.xlen("t"), 0);
        await client.set("str", "x");
        await assertRejects(() => client.xadd("str", "*", { a: 1 }), RedisError, "WRONGTYPE");
        await assertRejects(() => client.xadd("s", "1-0", { a: 1 }), RedisError, "ERR The ID");
      },
    });

    Deno.test({
      name: `${target.name} RESP${resp}: xread, with BLOCK on a connection of its own`,
      ignore,
      async fn() {
        await using srv = await target.start();
        await using client = await connect({ port: srv.port, resp });
        await client.xadd("a", "1-1", { x: 1 });
        await client.xadd("b", "1-1", { y: 1 });
        await client.xadd("b", "2-1", { y: 2 });
        const reads = await client.xread([["a", "0"], ["b", "1-1"]]);
        assertEquals(reads!.map((r) => [r.key, r.entries.map((e) => e.id)]), [
          ["a", ["1-1"]],
          ["b", ["2-1"]],
        ]);
        assertEquals(await client.xread({ a: "$" }), null);
        assertEquals((await client.xread({ b: "0" }, { count: 1 }))![0]!.entries.length, 1);
        // Nothing comes within 50 ms: null.
        assertEquals(await client.xread({ a: "$" }, { block: 50 }), null);
        // A blocked read holds its own connection; the shared one keeps serving.
        await client.send("SELECT", 3);
        const waiting = client.xread({ q: "$" }, { block: 0 });
        await blockedClients(client, 1);
        assertEquals(await client.ping(), "PONG");
        await client.xadd("q", "7-7", { hello: "world" });
        const got = await within(waiting, 5000, "blocked xread");
        assertEquals(got!.length, 1);
        assertEquals(got![0]!.key, "q");
        assertEquals(got![0]!.entries.map((e) => [e.id, entryText(e)]), [["7-7", {
          hello: "world",
        }]]);
        await client.send("SELECT", 0);
        assertEquals(await client.xlen("q"), 0);
        await assertRejects(
          () => client.xread({ a: "nonsense" }, { block: 10 }),
          RedisError,
          "Invalid stream ID",
        );
      },
    });

    Deno.test({
      name: `${target.name} RESP${resp}: xgroupCreate, xreadgroup and xack`,
      ignore,
      async fn() {
        await using srv = await target.start();
        await using client = await connect({ port: srv.port, resp });
        await client.xgroupCreate("jobs", "workers", "0", { mkstream: true });
        await assertRejects(() => client.xgroupCreate("jobs", "workers"), RedisError, "BUSYGROUP");
        for (let i = 1; i <= 3; i++) await client.xadd("jobs", `${i}-0`, { job: `j${i}` });
        const r1 = await client.xreadgroup("workers", "w1", { jobs: ">" }, { count: 2 });
        assertEquals(r1![0]!.entries.map((e) => e.id), ["1-0", "2-0"]);
        const r2 = await client.xreadgroup("workers", "w2", { jobs: ">" });
        assertEquals(r2![0]!.entries.map((e) => entryText(e)), [{ job: "j3" }]);
        assertEquals(await client.xreadgroup("workers", "w2", { jobs: ">" }), null);
        assertEquals(await client.xack("jobs", "workers", "1-0", "3-0", "9-0"), 2);
        // w1's history: 2-0 is still pending; deleted from the stream, its fields are null.
        await client.send("XDEL", "jobs", "2-0");
        const hist = await client.xreadgroup("workers", "w1", { jobs: "0" });
        assertEquals(hist![0]!.entries, [{ id: "2-0", fields: null }]);
        assertEquals(entryText(hist![0]!.entries[0]!), null);
        // A blocked group read is served by the next XADD, and the shared connection stays free.
        const waiting = client.xreadgroup("workers", "w3", { jobs: ">" }, {
          block: 0,
          noack: true,
        });
        await blockedClients(client, 1);
        await client.xadd("jobs", "4-0", { job: "j4" });
        const got = await within(waiting, 5000, "blocked xreadgroup");
        assertEquals(got![0]!.entries.map((e) => e.id), ["4-0"]);
        // NOACK: nothing new is pending.
        assertEquals(await client.send("XPENDING", "jobs", "workers", "-", "+", 10, "w3"), []);
        assertEquals(
          await client.xreadgroup("workers", "w3", { jobs: ">" }, { block: 30 }),
          null,
        );
        await assertRejects(
          () => client.xreadgroup("nogroup", "c", { jobs: ">" }),
          RedisError,
          "NOGROUP",
        );
      },
    });
  }
}
