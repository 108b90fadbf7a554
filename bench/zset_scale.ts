// One sorted set of 1,000,000 members (100,000 with --quick), loaded into redis-server and
// tokserver with pipelined ZADDs of 100 members each, then 100,000 ZRANKs of random members and
// 100,000 ZRANGE BYSCORE LIMIT 10 from random scores, 1,000 in flight; rows give operations per
// second (members per second for the load) and memory: tokserver's RSS growth against
// redis-server's used_memory growth (target: at most 2x). Then 90% of the members are removed
// (ZREM, 100 a command) and the memory held per remaining member is compared: used_memory on
// both, tokserver's taken after the full collection an idle server runs. Both servers are driven
// by the same client, so the client's own cost is in both figures.

import { type BenchContext, type BenchRow, ratio } from "./_lib.ts";
import { type BenchServer, rss, startRedis, startTokserver } from "./_servers.ts";
import { type Client, connect } from "../src/client/client.ts";
import { which } from "../tests/_util.ts";

const PER_ZADD = 100;
const IN_FLIGHT = 1000;

async function usedMemory(c: Client): Promise<number> {
  const m = (await c.info("memory")).match(/used_memory:(\d+)/);
  return Number(m?.[1] ?? 0);
}

/** A score for member i: spread, with ties every few members. */
function scoreOf(i: number): string {
  return String((i * 7919) % 1_000_003 / 4);
}

interface Figures {
  zadd: number;
  zrank: number;
  zrange: number;
  bytes: number;
  /** used_memory growth per member left after deleting 90%. */
  sparse: number;
}

async function runOps(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i += IN_FLIGHT) {
    const calls: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + IN_FLIGHT); j++) calls.push(op(j));
    await Promise.all(calls);
  }
  return n / ((performance.now() - start) / 1000);
}

/**
 * used_memory once garbage is gone: tokserver collects when its last client has been gone a
 * second (net/server.ts), so `c` is closed and a new client returned with the figure.
 */
async function collectedMemory(s: BenchServer, c: Client): Promise<[Client, number]> {
  if (s.name === "redis") return [c, await usedMemory(c)];
  await c.close();
  await settle();
  const d = await connect({ port: s.port });
  return [d, await usedMemory(d)];
}

async function measure(s: BenchServer, members: number, queries: number): Promise<Figures> {
  let c = await connect({ port: s.port });
  try {
    let base: number;
    [c, base] = await collectedMemory(s, c);
    const memory = async () =>
      s.name === "redis" ? await usedMemory(c) : (await settle(), rss(s.pid));
    const before = await memory();
    const start = performance.now();
    for (let i = 0; i < members; i += PER_ZADD * IN_FLIGHT / 10) {
      const calls: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(members, i + PER_ZADD * IN_FLIGHT / 10); j += PER_ZADD) {
        const args: string[] = [];
        for (let k = j; k < Math.min(members, j + PER_ZADD); k++) args.push(scoreOf(k), `m:${k}`);
        calls.push(c.send("ZADD", "big", ...args));
      }
      await Promise.all(calls);
    }
    const zadd = members / ((performance.now() - start) / 1000);
    const bytes = (await memory()) - before;
    let seed = 12345;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const zrank = await runOps(queries, () => c.send("ZRANK", "big", `m:${rnd(members)}`));
    const zrange = await runOps(
      queries,
      () => c.send("ZRANGE", "big", String(rnd(250_000)), "+inf", "BYSCORE", "LIMIT", "0", "10"),
    );
    for (let i = 0; i < members; i += PER_ZADD * IN_FLIGHT / 10) {
      const calls: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(members, i + PER_ZADD * IN_FLIGHT / 10); j += PER_ZADD) {
        const args: string[] = [];
        for (let k = j; k < Math.min(members, j + PER_ZADD); k++) {
          if (k % 10 !== 0) args.push(`m:${k}`);
        }
        calls.push(c.send("ZREM", "big", ...args));
      }
      await Promise.all(calls);
    }
    let left: number;
    [c, left] = await collectedMemory(s, c);
    const sparse = (left - base) / Math.ceil(members / 10);
    return { zadd, zrank, zrange, bytes: bytes / members, sparse };
  } finally {
    await c.close();
  }
}

function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1500));
}

/** The benchmark module: ZADD / ZRANK / ZRANGE BYSCORE LIMIT 10 on one large sorted set. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!which("redis-server")) return [];
  const members = ctx.quick ? 100_000 : 1_000_000;
  const queries = ctx.quick ? 20_000 : 100_000;
  ctx.progress(`one sorted set of ${members} members: ZADD, ZRANK, ZRANGE BYSCORE LIMIT 10`);
  const redis = (await startRedis())!;
  const r = await measure(redis, members, queries).finally(() => redis.stop());
  const tok = await startTokserver(["redis"]);
  const t = await measure(tok, members, queries).finally(() => tok.stop());
  const row = (measure: string, unit: string, rv: number, tv: number): BenchRow => ({
    measure,
    unit,
    redis: rv,
    tokserver: tv,
    ratio: ratio(tv, rv),
    target: 0.5,
  });
  return [
    row(`ZADD ${members} members (${PER_ZADD} a command)`, "members/s", r.zadd, t.zadd),
    row(`ZRANK in a set of ${members}`, "ops/s", r.zrank, t.zrank),
    row(`ZRANGE BYSCORE LIMIT 10 in a set of ${members}`, "ops/s", r.zrange, t.zrange),
    {
      measure: `memory per member, one sorted set of ${members}`,
      unit: "bytes/member",
      redis: r.bytes,
      tokserver: t.bytes,
      ratio: ratio(r.bytes, t.bytes),
      target: 0.5,
      note: "tokserver RSS growth vs redis-server used_memory growth",
    },
    {
      measure: `memory per member left after deleting 90% of ${members}`,
      unit: "bytes/member",
      redis: r.sparse,
      tokserver: t.sparse,
      ratio: ratio(r.sparse, t.sparse),
      target: 0.5,
      note: "used_memory growth on both (tokserver's after an idle collection)",
    },
  ];
}

if (import.meta.main) {
  const rows = await bench({ quick: Deno.args.includes("--quick"), progress: console.error });
  for (const r of rows) console.log(JSON.stringify(r));
}
