// Transactions through the two common Node clients, ioredis and node-redis, against a real
// redis-server and tokserver redis with the same assertions: MULTI/EXEC pipelines and their
// per-command errors, EXECABORT, and WATCH conflicts between two connections, including
// optimistic-locking retry loops run concurrently until every increment lands exactly once.

import { Redis } from "ioredis";
import { createClient } from "redis";
import { assertEquals, assertRejects } from "./_util.ts";
import { TARGETS } from "./client_targets.ts";

type NodeRedis = ReturnType<typeof createClient>;

async function nodeRedis(port: number): Promise<NodeRedis> {
  const c = createClient({ socket: { host: "127.0.0.1", port, reconnectStrategy: false } });
  c.on("error", () => {});
  await c.connect();
  return c;
}

function ioredis(port: number): Redis {
  return new Redis({ host: "127.0.0.1", port, retryStrategy: () => null });
}

/** Closes ioredis clients, waiting for each QUIT. */
async function quitAll(...clients: Redis[]): Promise<void> {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
}

/**
 * Increments `key` `times` times with WATCH / GET / MULTI / SET / EXEC, retrying when EXEC is
 * aborted. Returns how many EXECs were aborted.
 */
async function casIncrements(c: Redis, key: string, times: number): Promise<number> {
  let aborted = 0;
  for (let i = 0; i < times; i++) {
    for (let attempt = 0;; attempt++) {
      if (attempt > 1000) throw new Error("no EXEC succeeded in 1000 attempts");
      await c.watch(key);
      const n = Number(await c.get(key) ?? "0");
      const r = await c.multi().set(key, String(n + 1)).exec();
      if (r !== null) {
        assertEquals(r, [[null, "OK"]]);
        break;
      }
      aborted++;
    }
  }
  return aborted;
}

for (const target of TARGETS) {
  const ignore = target.missing !== undefined;

  Deno.test({
    name: `${target.name}: ioredis MULTI/EXEC pipelines return every reply in order`,
    ignore,
    async fn() {
      await using srv = await target.start();
      const c = ioredis(srv.port);
      try {
        assertEquals(await c.multi().set("a", "1").incr("a").get("a").append("a", "x").exec(), [
          [null, "OK"],
          [null, 2],
          [null, "2"],
          [null, 2],
        ]);
        // An error inside EXEC is that command's result; the others still run.
        const r = await c.multi().set("s", "x").incr("s").set("t", "1").exec();
        assertEquals(r!.length, 3);
        assertEquals(r![0], [null, "OK"]);
        assertEquals((r![1]![0] as Error).message, "ERR value is not an integer or out of range");
        assertEquals(r![2], [null, "OK"]);
        assertEquals(await c.get("t"), "1");
        // A command refused while queuing aborts the whole transaction.
        const err = await assertRejects(() => c.multi().set("z", "1").call("NOSUCH").exec());
        assertEquals(
          (err as Error).message,
          "EXECABORT Transaction discarded because of previous errors.",
        );
        assertEquals(await c.exists("z"), 0);
        // A transaction inside a pipeline: QUEUED replies, then EXEC's array.
        assertEquals(
          await c.pipeline([
            ["set", "p", "1"],
            ["multi"],
            ["incr", "p"],
            ["incrby", "p", "10"],
            ["exec"],
            ["get", "p"],
          ]).exec(),
          [[null, "OK"], [null, "OK"], [null, "QUEUED"], [null, "QUEUED"], [null, [2, 12]], [
            null,
            "12",
          ]],
        );
        // Many commands in one transaction.
        const big = c.multi();
        for (let i = 0; i < 1000; i++) big.incr("many");
        const all = await big.exec();
        assertEquals(all!.length, 1000);
        assertEquals(all![999], [null, 1000]);
      } finally {
        await quitAll(c);
      }
    },
  });

  Deno.test({
    name: `${target.name}: ioredis WATCH conflict between two clients aborts EXEC (null)`,
    ignore,
    async fn() {
      await using srv = await target.start();
      const a = ioredis(srv.port), b = ioredis(srv.port);
      try {
        await a.set("balance", "100");
        assertEquals(await a.watch("balance"), "OK");
        const seen = Number(await a.get("balance"));
        assertEquals(await b.decrby("balance", 30), 70);
        assertEquals(await a.multi().set("balance", String(seen - 50)).exec(), null);
        assertEquals(await b.get("balance"), "70");
        // The failed EXEC unwatched the key: the retry goes through.
        await a.watch("balance");
        const now = Number(await a.get("balance"));
        assertEquals(await a.multi().set("balance", String(now - 50)).exec(), [[null, "OK"]]);
        assertEquals(await b.get("balance"), "20");
        // Untouched watched keys let EXEC run; a delete by the other client is a change.
        await a.watch("balance", "other");
        await b.get("balance");
        assertEquals(await a.multi().incr("other").exec(), [[null, 1]]);
        await a.watch("balance");
        await b.del("balance");
        assertEquals(await a.multi().incr("other").exec(), null);
        // UNWATCH forgets the conflict.
        await a.watch("other");
        await b.set("other", "5");
        await a.unwatch();
        assertEquals(await a.multi().incr("other").exec(), [[null, 6]]);
      } finally {
        await quitAll(a, b);
      }
    },
  });

  Deno.test({
    name: `${target.name}: concurrent ioredis WATCH retry loops lose no increment`,
    ignore,
    async fn() {
      await using srv = await target.start();
      const clients = [0, 1, 2, 3].map(() => ioredis(srv.port));
      try {
        // How many EXECs abort depends on scheduling; every one is retried, so none is lost.
        await Promise.all(clients.map((c) => casIncrements(c, "counter", 50)));
        assertEquals(await clients[0]!.get("counter"), "200");
      } finally {
        await quitAll(...clients);
      }
    },
  });

  Deno.test({
    name: `${target.name}: node-redis MULTI/EXEC pipelines, errors and EXECABORT`,
    ignore,
    async fn() {
      await using srv = await target.start();
      const c = await nodeRedis(srv.port);
      try {
        assertEquals<unknown>(await c.multi().set("x", "1").incr("x").get("x").exec(), [
          "OK",
          2,
          "2",
        ]);
        // node-redis rejects the whole EXEC when a reply in it is an error, keeping the replies.
        const err = await assertRejects(() => c.multi().set("s", "x").incr("s").get("s").exec());
        const replies = (err as { replies?: unknown[] }).replies;
        assertEquals(replies?.length, 3);
        assertEquals(replies?.[0], "OK");
        assertEquals(
          (replies?.[1] as Error).message,
          "ERR value is not an integer or out of range",
        );
        assertEquals(replies?.[2], "x");
        // A queuing error: the unknown command's error comes back and nothing runs.
        const abort = await assertRejects(() =>
          c.multi().set("z", "1").addCommand(["NOSUCH", "arg"]).exec()
        );
        assertEquals(
          (abort as Error).message,
          "ERR unknown command 'NOSUCH', with args beginning with: 'arg' ",
        );
        assertEquals(await c.exists("z"), 0);
        // Pipelined transactions from concurrent callers each get their own replies.
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => c.multi().incr("n").set(`k${i}`, String(i)).exec()),
        );
        assertEquals(results.map((r) => r[1]), Array(20).fill("OK"));
        assertEquals<unknown>(results.map((r) => r[0]).sort((p, q) => Number(p) - Number(q)), [
          ...Array.from({ length: 20 }, (_, i) => i + 1),
        ]);
      } finally {
        await c.quit();
      }
    },
  });

  Deno.test({
    name: `${target.name}: node-redis WATCH conflict between two clients throws WatchError`,
    ignore,
    async fn() {
      await using srv = await target.start();
      const a = await nodeRedis(srv.port), b = await nodeRedis(srv.port);
      try {
        await a.set("stock", "10");
        await a.watch("stock");
        const stock = Number(await a.get("stock"));
        await b.decr("stock");
        const err = await assertRejects(() => a.multi().set("stock", String(stock - 1)).exec());
        assertEquals((err as Error).constructor.name, "WatchError");
        assertEquals(await b.get("stock"), "9");
        // Retried without interference, it succeeds.
        await a.watch("stock");
        const again = Number(await a.get("stock"));
        assertEquals<unknown>(await a.multi().set("stock", String(again - 1)).exec(), ["OK"]);
        assertEquals(await b.get("stock"), "8");
        // An expiry set by the other client is a change too.
        await a.watch("stock");
        await b.pExpire("stock", 100000);
        await assertRejects(() => a.multi().get("stock").exec());
      } finally {
        await a.quit();
        await b.quit();
      }
    },
  });
}
