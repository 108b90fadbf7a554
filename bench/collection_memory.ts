// Memory for many small hashes and sets: 1,000,000 hashes of 5 fields and 1,000,000 sets of 5
// members (100,000 each with --quick), loaded into redis-server and tokserver; the row compares
// tokserver's resident set size growth with redis-server's used_memory growth (target: at most
// 2x). Redis keeps such hashes as listpacks and such sets (of strings) as hashtables.

import { type BenchContext, type BenchRow, ratio } from "./_lib.ts";
import { type BenchServer, rss, startRedis, startTokserver } from "./_servers.ts";
import { connect } from "../src/client/client.ts";
import { which } from "../tests/_util.ts";

async function usedMemory(port: number): Promise<number> {
  const c = await connect({ port });
  try {
    const m = (await c.info("memory")).match(/used_memory:(\d+)/);
    return Number(m?.[1] ?? 0);
  } finally {
    await c.close();
  }
}

/** Loads `n` keys of `kind` into the server and returns bytes used per key. */
async function load(s: BenchServer, kind: "hash" | "set", n: number): Promise<number> {
  const measure = async () =>
    s.name === "redis" ? await usedMemory(s.port) : (await settle(), rss(s.pid));
  const before = await measure();
  const c = await connect({ port: s.port });
  try {
    for (let i = 0; i < n; i += 2000) {
      const calls: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(n, i + 2000); j++) {
        calls.push(
          kind === "hash"
            ? c.send(
              "HSET",
              `${kind}:${j}`,
              "f1",
              "v1",
              "f2",
              "v2",
              "f3",
              "v3",
              "f4",
              "v4",
              "f5",
              "v5",
            )
            : c.send("SADD", `${kind}:${j}`, "m1", "m2", "m3", "m4", `m${j}`),
        );
      }
      await Promise.all(calls);
    }
  } finally {
    await c.close();
  }
  return ((await measure()) - before) / n;
}

function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 500));
}

/** The benchmark module: bytes per small hash and per small set. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!which("redis-server")) return [];
  const n = ctx.quick ? 100_000 : 1_000_000;
  const rows: BenchRow[] = [];
  for (const kind of ["hash", "set"] as const) {
    ctx.progress(`memory for ${n} small ${kind === "hash" ? "hashes" : "sets"}`);
    const redis = (await startRedis())!;
    const r = await load(redis, kind, n).finally(() => redis.stop());
    const tok = await startTokserver(["redis"]);
    const t = await load(tok, kind, n).finally(() => tok.stop());
    rows.push({
      measure: `memory per small ${kind} (5 ${kind === "hash" ? "fields" : "members"}), ${n}`,
      unit: "bytes/key",
      redis: r,
      tokserver: t,
      // Lower is better: the ratio is redis / tokserver, so >= 0.5 means at most 2x.
      ratio: ratio(r, t),
      target: 0.5,
      note: "tokserver RSS growth vs redis-server used_memory growth",
    });
  }
  return rows;
}

if (import.meta.main) {
  const rows = await bench({ quick: Deno.args.includes("--quick"), progress: console.error });
  for (const r of rows) console.log(JSON.stringify(r));
}
