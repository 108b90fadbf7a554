// BullMQ (npm bullmq over ioredis) against tokserver redis and a local redis-server in the same
// run: jobs added with addBulk (one EVALSHA of addStandardJob per job, pipelined), then the jobs/s
// of one Worker (concurrency 1) taking and finishing them (moveToActive, then moveToFinished
// returning the next job: one round trip of a large script per job). Each figure is the better of
// the runs made (servers alternate).
//
// `deno run -A bench/bullmq.ts [--quick]` runs it alone.

import { Queue, Worker } from "bullmq";
import { type BenchContext, type BenchRow, ratio } from "./_lib.ts";
import { type BenchServer, startRedis, startTokserver } from "./_servers.ts";

interface Figures {
  added: number;
  processed: number;
}

/** Runs one Worker (concurrency 1) until it has processed `jobs` jobs, then closes it. */
async function run(connection: object, jobs: number): Promise<void> {
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => finish = r);
  const worker = new Worker("bench", () => {
    if (++done === jobs) finish();
    return Promise.resolve(done);
  }, { connection, concurrency: 1 });
  try {
    await all;
  } finally {
    await worker.close();
  }
}

/** Jobs/s of addBulk and of one worker on the server `start` gives (undefined: not installed). */
async function measure(
  start: () => Promise<BenchServer | undefined>,
  jobs: number,
): Promise<Figures | null> {
  const srv = await start();
  if (srv === undefined) return null;
  const connection = { host: "127.0.0.1", port: srv.port, maxRetriesPerRequest: null };
  const queue = new Queue("bench", { connection });
  try {
    // The first call of each script loads it (EVAL, compiled once): a worker takes one job
    // before the clock starts, so the timed runs send EVALSHA only.
    await queue.add("warm", {});
    await run(connection, 1);
    let t0 = performance.now();
    for (let i = 0; i < jobs; i += 500) {
      await queue.addBulk(
        Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({
          name: "job",
          data: { i: i + k },
        })),
      );
    }
    const added = jobs / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    await run(connection, jobs);
    const processed = jobs / ((performance.now() - t0) / 1000);
    return { added, processed };
  } finally {
    await queue.close();
    await srv.stop();
  }
}

/** The BullMQ rows of the benchmark table. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const jobs = ctx.quick ? 500 : 5_000;
  const runs = ctx.quick ? 1 : 2;
  let redis: Figures | null = null, tok: Figures | null = null;
  const best = (a: Figures | null, b: Figures | null) =>
    a === null ? b : b === null ? a : {
      added: Math.max(a.added, b.added),
      processed: Math.max(a.processed, b.processed),
    };
  for (let i = 0; i < runs; i++) {
    ctx.progress(`run ${i + 1} of ${runs}, ${jobs} jobs`);
    redis = best(redis, await measure(() => startRedis(), jobs));
    tok = best(tok, await measure(() => startTokserver(["redis"]), jobs));
  }
  const row = (measure: string, pick: (f: Figures) => number): BenchRow => {
    const r = redis === null ? null : pick(redis);
    const t = tok === null ? null : pick(tok);
    return { measure, unit: "jobs/s", redis: r, tokserver: t, ratio: ratio(t, r) };
  };
  return [
    row("BullMQ addBulk", (f) => f.added),
    row("BullMQ one worker, concurrency 1", (f) => f.processed),
  ];
}

if (import.meta.main) {
  const rows = await bench({ quick: Deno.args.includes("--quick"), progress: console.error });
  console.table(rows);
}
