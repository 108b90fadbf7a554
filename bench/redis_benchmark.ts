// redis-benchmark's default suite against tokserver redis and a local redis-server in the same
// run: every default test (-t ping_inline ... mset) at -c 50 with -P 1 and -P 16, plus SET and GET
// with 1 KiB and 64 KiB values. Each test runs alone (redis-benchmark stops at the first error, so
// a command tokserver lacks reports "unsupported" without losing the other rows); the servers
// alternate test by test and round by round, and each figure is the median of the rounds.
// redis-benchmark loads the servers as its users do: 50 connections, no pacing, no window.
//
// `deno run -A bench/redis_benchmark.ts [--quick]` runs it alone. For short runs while working on
// one path: `BENCH_TESTS=get,set,incr BENCH_PIPELINES=16 BENCH_ROUNDS=3 BENCH_N=200000`.

import {
  alternate,
  type BenchContext,
  type BenchRow,
  median,
  output,
  parseCsv,
  ratio,
  runAlone,
} from "./_lib.ts";
import { type BenchServer, startRedis, startTokserver } from "./_servers.ts";
import { which } from "../tests/_util.ts";

/** redis-benchmark's default tests, in its order (`-t` names). */
export const DEFAULT_TESTS = [
  "ping_inline",
  "ping_mbulk",
  "set",
  "get",
  "incr",
  "lpush",
  "rpush",
  "lpop",
  "rpop",
  "sadd",
  "hset",
  "spop",
  "zadd",
  "zpopmin",
  "lrange_100",
  "lrange_300",
  "lrange_500",
  "lrange_600",
  "mset",
];

/** Requests per run relative to a plain test, so the heavy ones take about as long. */
const WEIGHT: Record<string, number> = {
  lrange_100: 1 / 4,
  lrange_300: 1 / 10,
  lrange_500: 1 / 16,
  lrange_600: 1 / 20,
  mset: 1 / 4,
};

/** One redis-benchmark invocation: a test, a pipeline depth, a value size. */
interface Run {
  test: string;
  pipeline: number;
  /** -d (redis-benchmark's default is 3 bytes). */
  size?: number;
  n: number;
}

/** Requests per second, or "unsupported" when the server answered the test with an error. */
type Outcome = number | "unsupported";

/** Runs one test alone on `port`; the figure is the test's own row of the CSV output. */
async function runOnce(port: number, run: Run): Promise<Outcome> {
  const args = ["-p", String(port), "-c", "50", "-P", String(run.pipeline), "-n", String(run.n)];
  if (run.size !== undefined) args.push("-d", String(run.size));
  const text = await output("redis-benchmark", [...args, "-t", run.test, "--csv"]);
  if (text.includes("Error from server")) return "unsupported";
  const name = run.test.toUpperCase();
  for (const [test, rps] of parseCsv(text)) {
    if (test === name || test.startsWith(name + " ")) return rps;
  }
  throw new Error(`redis-benchmark -t ${run.test} printed no figure: ${text.slice(0, 200)}`);
}

function envList(name: string): string[] | undefined {
  const v = Deno.env.get(name);
  return v ? v.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "") : undefined;
}

/** The runs of a full (or quick) suite, narrowed by BENCH_TESTS / BENCH_PIPELINES. */
function plan(quick: boolean): (Run & { target?: number })[] {
  const base = Number(Deno.env.get("BENCH_N") ?? 0) || (quick ? 20_000 : 100_000);
  const tests = envList("BENCH_TESTS") ?? DEFAULT_TESTS;
  const pipelines = (envList("BENCH_PIPELINES") ?? ["1", "16"]).map(Number);
  const runs: (Run & { target?: number })[] = [];
  for (const pipeline of pipelines) {
    const n = base * (pipeline === 1 ? 1 : 10);
    for (const test of tests) {
      runs.push({
        test,
        pipeline,
        n: Math.round(n * (WEIGHT[test] ?? 1)),
        target: pipeline === 1 ? 1.0 : 0.8,
      });
    }
  }
  for (const size of [1024, 65536]) {
    for (const pipeline of pipelines) {
      const n = base * (pipeline === 1 ? 1 : 10) / (size === 1024 ? 2 : pipeline === 1 ? 10 : 50);
      for (const test of ["set", "get"]) {
        if (tests.includes(test)) runs.push({ test, pipeline, size, n: Math.round(n) });
      }
    }
  }
  return runs;
}

/** The row for one test from every round's outcomes on both servers. */
function row(run: Run & { target?: number }, redis: Outcome[], tok: Outcome[]): BenchRow {
  const size = run.size === undefined ? "" : ` -d ${run.size}`;
  const measure = `${run.test.toUpperCase()}${size} -c 50 -P ${run.pipeline}`;
  const r = redis.every((x) => typeof x === "number") ? median(redis as number[]) : null;
  if (tok.includes("unsupported")) {
    return { measure, unit: "req/s", redis: r, tokserver: null, ratio: null, note: "unsupported" };
  }
  const t = median(tok as number[]);
  return { measure, unit: "req/s", redis: r, tokserver: t, ratio: ratio(t, r), target: run.target };
}

/** The benchmark module: the default suite at -P 1 and -P 16, and SET/GET at -d 1024 and 65536. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!which("redis-benchmark") || !which("redis-server")) {
    return [{
      measure: "redis-benchmark",
      unit: "req/s",
      redis: null,
      tokserver: null,
      ratio: null,
      note: "redis-server or redis-benchmark not installed",
    }];
  }
  const rounds = Number(Deno.env.get("BENCH_ROUNDS") ?? 0) || (ctx.quick ? 1 : 3);
  const redis = await startRedis();
  const tok = await startTokserver(["redis"]);
  const servers: BenchServer[] = [redis!, tok];
  const rows: BenchRow[] = [];
  try {
    for (const run of plan(ctx.quick)) {
      const size = run.size === undefined ? "" : ` -d ${run.size}`;
      ctx.progress(`${run.test}${size} -P ${run.pipeline} -n ${run.n} x ${rounds}`);
      const [r, t] = await alternate(servers, rounds, (s) => runOnce(s.port, run));
      rows.push(row(run, r!, t!));
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  return rows;
}

if (import.meta.main) await runAlone(bench);
