// Streams against redis-server: XADD and XRANGE ... COUNT 10 throughput with redis-benchmark (50
// clients, without and with a pipeline of 16), and the memory of 1,000,000 entries of 2 fields
// (100,000 with --quick): tokserver's resident set size growth beside redis-server's
// used_memory growth, as bench/key_memory.ts measures the other types.

import { type BenchContext, type BenchRow, ratio } from "./_lib.ts";
import { type BenchServer, rss, startRedis, startTokserver, usedMemory } from "./_servers.ts";
import { output, parseCsv } from "./_lib.ts";
import { connect } from "../src/client/client.ts";
import { which } from "../tests/_util.ts";

/** Requests per second of one command under redis-benchmark. */
async function rate(port: number, n: number, pipeline: number, cmd: string[]): Promise<number> {
  const text = await output("redis-benchmark", [
    "-p",
    String(port),
    "-c",
    "50",
    "-n",
    String(n),
    "-P",
    String(pipeline),
    "--csv",
    ...cmd,
  ]);
  const rps = [...parseCsv(text).values()][0];
  if (rps === undefined) {
    throw new Error(`redis-benchmark printed no results: ${text.slice(0, 200)}`);
  }
  return rps;
}

/**
 * Runs `command(j)` for j in [0, n) (pipelined in batches) and returns the memory it added per
 * unit: redis-server's used_memory growth, tokserver's RSS growth once its idle collection (a
 * second after the last client left) has run.
 */
async function memoryPer(
  s: BenchServer,
  n: number,
  units: number,
  command: (j: number) => (string | number)[],
): Promise<number> {
  const measure = async () =>
    s.name === "redis"
      ? await usedMemory(s.port)
      : (await new Promise((r) => setTimeout(r, 2500)), rss(s.pid));
  const before = await measure();
  const c = await connect({ port: s.port });
  try {
    for (let i = 0; i < n; i += 2000) {
      const calls: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(n, i + 2000); j++) calls.push(c.send(...command(j)));
      await Promise.all(calls);
    }
  } finally {
    await c.close();
  }
  return ((await measure()) - before) / units;
}

/** Adds `n` entries of two fields to one stream; returns bytes per entry. */
function memoryPerEntry(s: BenchServer, n: number): Promise<number> {
  return memoryPer(
    s,
    n,
    n,
    (j) => ["XADD", "mem", "*", "name", `user${j}`, "score", String(j % 1000)],
  );
}

/** Makes `keys` streams of 10 entries (one small field each); returns bytes per key. */
export function memoryPerStreamKey(s: BenchServer, keys: number): Promise<number> {
  return memoryPer(
    s,
    keys * 10,
    keys,
    (j) => ["XADD", `stream:${j % keys}`, "*", "f", `v${Math.floor(j / keys)}`],
  );
}

/** The benchmark module: XADD and XRANGE throughput, bytes per stream entry. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!which("redis-server") || !which("redis-benchmark")) return [];
  const n = ctx.quick ? 20_000 : 200_000;
  const entries = ctx.quick ? 100_000 : 1_000_000;
  const rows: BenchRow[] = [];
  const figures = new Map<string, number[]>();
  for (const name of ["redis", "tokserver"] as const) {
    const s = name === "redis" ? (await startRedis())! : await startTokserver(["redis"]);
    try {
      for (const p of [1, 16]) {
        ctx.progress(`${name}: XADD and XRANGE COUNT 10, -P ${p}`);
        const add = await rate(s.port, n, p, ["XADD", `s${p}`, "*", "f", "v", "g", "w"]);
        const range = await rate(s.port, n, p, ["XRANGE", `s${p}`, "-", "+", "COUNT", "10"]);
        figures.set(`XADD * (2 fields) -c 50 -P ${p}`, [
          ...figures.get(`XADD * (2 fields) -c 50 -P ${p}`) ?? [],
          add,
        ]);
        figures.set(`XRANGE - + COUNT 10 -c 50 -P ${p}`, [
          ...figures.get(`XRANGE - + COUNT 10 -c 50 -P ${p}`) ?? [],
          range,
        ]);
      }
    } finally {
      await s.stop();
    }
  }
  for (const [measure, [r, t]] of figures) {
    rows.push({ measure, unit: "req/s", redis: r!, tokserver: t!, ratio: ratio(t!, r!) });
  }
  ctx.progress(`memory for ${entries} stream entries of 2 fields`);
  const redis = (await startRedis())!;
  const r = await memoryPerEntry(redis, entries).finally(() => redis.stop());
  const tok = await startTokserver(["redis"]);
  const t = await memoryPerEntry(tok, entries).finally(() => tok.stop());
  rows.push({
    measure: `memory per stream entry (2 fields), ${entries}`,
    unit: "bytes/entry",
    redis: r,
    tokserver: t,
    ratio: ratio(t, r),
    note: "tokserver RSS growth vs redis-server used_memory growth",
  });
  const keys = ctx.quick ? 100_000 : 1_000_000;
  ctx.progress(`memory for ${keys} streams of 10 entries`);
  const redis2 = (await startRedis())!;
  const rk = await memoryPerStreamKey(redis2, keys).finally(() => redis2.stop());
  const tok2 = await startTokserver(["redis"]);
  const tk = await memoryPerStreamKey(tok2, keys).finally(() => tok2.stop());
  rows.push({
    measure: `memory per stream key (10 entries of 1 field), ${keys} keys`,
    unit: "bytes/key",
    redis: rk,
    tokserver: tk,
    ratio: ratio(tk, rk),
    note: "tokserver RSS growth vs redis-server used_memory growth; target <= 1.5x (issue 23)",
  });
  return rows;
}

if (import.meta.main) {
  const rows = await bench({ quick: Deno.args.includes("--quick"), progress: console.error });
  for (const r of rows) console.log(JSON.stringify(r));
}
