// Scripts through the two common Node clients against a real redis-server and tokserver redis,
// with the same assertions: ioredis's defineCommand (EVALSHA, falling back to EVAL on NOSCRIPT,
// inside pipelines and MULTI), node-redis's defineScript and eval, a Lua error as a rejected
// promise, and a lock released only by its owner (the compare-and-delete script every lock
// library uses) under concurrent clients.

import { Redis } from "ioredis";
import { createClient, defineScript } from "redis";
import { assert, assertEquals } from "./_util.ts";
import { TARGETS } from "./client_targets.ts";

const INCR_BOTH = "local a = redis.call('incrby', KEYS[1], ARGV[1]) " +
  "local b = redis.call('incrby', KEYS[2], ARGV[1]) return {a, b}";
const UNLOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then " +
  "return redis.call('del', KEYS[1]) else return 0 end";

for (const target of TARGETS) {
  const ignore = target.missing !== undefined;

  Deno.test({
    name: `${target.name}: ioredis defineCommand runs scripts by EVALSHA, in pipelines and MULTI`,
    ignore,
    async fn() {
      await using srv = await target.start();
      const c = new Redis({ host: "127.0.0.1", port: srv.port, retryStrategy: () => null });
      try {
        c.defineCommand("incrBoth", { numberOfKeys: 2, lua: INCR_BOTH });
        const call = (...a: (string | number)[]) =>
          (c as unknown as { incrBoth(...a: (string | number)[]): Promise<number[]> }).incrBoth(
            ...a,
          );
        assertEquals(await call("a", "b", 5), [5, 5]);
        await c.script("FLUSH");
        // NOSCRIPT: ioredis sends EVAL and goes on.
        assertEquals(await call("a", "b", 2), [7, 7]);
        const p = c.pipeline();
        for (let i = 0; i < 100; i++) {
          (p as unknown as { incrBoth(...a: unknown[]): void }).incrBoth("a", "b", 1);
        }
        const piped = await p.exec();
        assertEquals(piped?.length, 100);
        assertEquals(piped?.[99], [null, [107, 107]]);
        const m = c.multi();
        (m as unknown as { incrBoth(...a: unknown[]): void }).incrBoth("a", "b", 10);
        m.get("a");
        assertEquals(await m.exec(), [[null, [117, 117]], [null, "117"]]);
        const err = await c.eval("error('boom')", 0).catch((e: Error) => e);
        assert(err instanceof Error && /user_script:1: boom/.test(err.message), String(err));
      } finally {
        await c.quit().catch(() => c.disconnect());
      }
    },
  });

  Deno.test({
    name: `${target.name}: node-redis defineScript and eval; a lock released only by its owner`,
    ignore,
    async fn() {
      await using srv = await target.start();
      const scripts = {
        unlock: defineScript({
          NUMBER_OF_KEYS: 1,
          SCRIPT: UNLOCK,
          parseCommand(
            parser: { pushKey(k: string): void; push(a: string): void },
            key: string,
            token: string,
          ) {
            parser.pushKey(key);
            parser.push(token);
          },
          transformReply: (r: unknown) => r as number,
        }),
      };
      const clients = await Promise.all([0, 1, 2, 3].map(async () => {
        const c = createClient({
          socket: { host: "127.0.0.1", port: srv.port, reconnectStrategy: false },
          scripts,
        });
        c.on("error", () => {});
        await c.connect();
        return c;
      }));
      try {
        const [first] = clients;
        assertEquals(
          await first!.eval("return {KEYS[1], ARGV[1]}", { keys: ["k"], arguments: ["v"] }),
          ["k", "v"],
        );
        // Four clients take turns holding one lock; only the owner's unlock deletes it.
        let held = 0;
        await Promise.all(clients.map(async (c, i) => {
          for (let round = 0; round < 25; round++) {
            const token = `client${i}-${round}`;
            while (await c.set("lock", token, { NX: true, PX: 10_000 }) !== "OK") {
              assertEquals(await c.unlock("lock", "not-mine"), 0);
            }
            held++;
            assertEquals(await c.unlock("lock", token), 1);
          }
        }));
        assertEquals(held, 100);
        assertEquals(await first!.exists("lock"), 0);
        const err = await first!.eval("return redis.call('nosuch')").catch((e: Error) => e);
        assert(
          err instanceof Error && /Unknown Redis command called from script/.test(err.message),
        );
      } finally {
        await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
      }
    },
  });
}
