// Scripts against tokserver redis and a local redis-server in the same run: EVALSHA of a small
// script (a GET and an INCR of its key) through redis-benchmark with 50 clients, without
// pipelining and with -P 16, and EVAL of a script that only returns (the cost of a call into the
// Lua engine). Each figure is the better of the runs made (servers alternate).
//
// `deno run -A bench/scripting.ts [--quick]` runs it alone.

import { type BenchContext, type BenchRow, notInstalled, ratio } from "./_lib.ts";
import { type BenchServer, startRedis, startTokserver } from "./_servers.ts";
import { parseCsv } from "./_lib.ts";
import { which } from "../tests/_util.ts";

const SCRIPT = "redis.call('GET', KEYS[1]) return redis.call('INCR', KEYS[1])";
const dec = new TextDecoder();

async function cli(port: number, args: string[]): Promise<string> {
  const out = await new Deno.Command("redis-cli", {
    args: ["-p", String(port), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return dec.decode(out.stdout).trim();
}

/** Requests per second of `args` through redis-benchmark (one test, named by its first word). */
async function rps(port: number, n: number, pipeline: number, args: string[]): Promise<number> {
  const out = await new Deno.Command("redis-benchmark", {
    args: [
      "-p",
      String(port),
      "-c",
      "50",
      "-n",
      String(n),
      "-P",
      String(pipeline),
      "--csv",
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = dec.decode(out.stdout);
  const v = [...parseCsv(text).values()][0];
  if (v === undefined) throw new Error(`redis-benchmark printed no result: ${text.slice(0, 200)}`);
  return v;
}

interface Case {
  label: string;
  pipeline: number;
  args(sha: string): string[];
}

const CASES: Case[] = [
  { label: "EVALSHA GET+INCR -c 50 -P 1", pipeline: 1, args: (sha) => ["EVALSHA", sha, "1", "k"] },
  {
    label: "EVALSHA GET+INCR -c 50 -P 16",
    pipeline: 16,
    args: (sha) => ["EVALSHA", sha, "1", "k"],
  },
  { label: "EVAL return 1 -c 50 -P 16", pipeline: 16, args: () => ["EVAL", "return 1", "0"] },
];

async function measure(
  start: () => Promise<BenchServer | undefined>,
  n: number,
  c: Case,
): Promise<number | null> {
  const srv = await start();
  if (srv === undefined) return null;
  try {
    const sha = await cli(srv.port, ["SCRIPT", "LOAD", SCRIPT]);
    return await rps(srv.port, n, c.pipeline, c.args(sha));
  } finally {
    await srv.stop();
  }
}

/** The scripting rows of the benchmark table. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  if (which("redis-benchmark") === undefined) return notInstalled("EVALSHA", "redis-benchmark");
  const n = ctx.quick ? 20_000 : 200_000;
  const runs = ctx.quick ? 1 : 2;
  const rows: BenchRow[] = [];
  for (const c of CASES) {
    ctx.progress(c.label);
    let redis: number | null = null, tok: number | null = null;
    for (let i = 0; i < runs; i++) {
      const r = await measure(() => startRedis(), n, c);
      const t = await measure(() => startTokserver(["redis"]), n, c);
      if (r !== null) redis = Math.max(redis ?? 0, r);
      if (t !== null) tok = Math.max(tok ?? 0, t);
    }
    rows.push({ measure: c.label, unit: "req/s", redis, tokserver: tok, ratio: ratio(tok, redis) });
  }
  return rows;
}

if (import.meta.main) {
  const rows = await bench({ quick: Deno.args.includes("--quick"), progress: console.error });
  console.table(rows);
}
