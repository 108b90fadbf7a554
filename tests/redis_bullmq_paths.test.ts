// BullMQ's other scripts, step by step on redis-server and on tokserver redis: priorities and their
// changes, LIFO, delays changed and promoted, pause and resume, logs, data and progress updates,
// jobs taken and finished by hand (completed, failed, moved to delayed), retryJobs, promoteJobs,
// deduplication with and without a TTL, job schedulers (cron and every), global concurrency and
// rate limits, clean, trimEvents, getWorkers (CLIENT LIST), Prometheus metrics, a flow of
// parent and children processed by a rate-limited worker with metrics, obliterate. Each step's
// result, with clocks and random ids masked, must be the same on both servers.

import { FlowProducer, type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { assertEquals, waitUntil } from "./_util.ts";
import { TARGETS } from "./client_targets.ts";

/** Fields whose values come from clocks or random ids: only their type is compared. */
const VOLATILE = /^(timestamp|processedOn|finishedOn|stacktrace|delay|next|offset|id|parentKey)$/;

function mask(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(mask);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map((
        [k, x],
      ) => [k, VOLATILE.test(k) ? typeof x : mask(x)]),
    );
  }
  return v;
}

function view(j: Job | undefined): unknown {
  if (!j) return j;
  const { id, name, data, opts, progress, returnvalue, failedReason, attemptsMade, priority } = j;
  return {
    job: id,
    name,
    data,
    opts,
    progress,
    returnvalue,
    failedReason,
    attemptsMade,
    priority,
  };
}

/** Runs the steps on the server at `port`; returns each step's masked result. */
async function steps(port: number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const q = new Queue("p", { connection });
  const raw = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
  const manual = new Worker("p", null, { connection, autorun: false });
  const flows = new FlowProducer({ connection });
  const step = async (name: string, f: () => Promise<unknown>) => {
    try {
      out[name] = mask(await f());
    } catch (e) {
      out[name] = `error: ${(e as Error).message}`;
    }
  };
  try {
    await raw.connect();
    await manual.waitUntilReady();
    await step("add", async () =>
      (await q.addBulk([1, 2, 3, 4, 5, 6].map((i) => ({
        name: `n${i}`,
        data: { i },
        opts: { priority: i % 3, lifo: i === 5 },
      })))).map(view));
    await step("delayed", async () => view(await q.add("d", { x: 1 }, { delay: 60_000 })));
    await step("counts", () => q.getJobCounts());
    await step("per priority", () => q.getCountsPerPriority([0, 1, 2]));
    await step("ranges", () => q.getRanges(["wait", "prioritized", "delayed"], 0, -1));
    await step("waiting", async () => (await q.getWaiting()).map(view));
    await step("prioritized", async () => (await q.getPrioritized()).map(view));
    await step("changePriority", async () => {
      await (await q.getJob("1"))!.changePriority({ priority: 5 });
      return q.getRanges(["prioritized"], 0, -1, true);
    });
    await step("changeDelay", async () => {
      await (await q.getJob("7"))!.changeDelay(90_000);
      return q.getJobState("7");
    });
    await step(
      "pause",
      async () => (await q.pause(), [await q.isPaused(), await q.getJobCounts()]),
    );
    await step("resume", async () => (await q.resume(), q.isPaused()));
    await step("logs", async () => {
      await q.addJobLog("2", "hello", 5);
      await q.addJobLog("2", "world", 5);
      return q.getJobLogs("2");
    });
    await step("updateData", async () => {
      await (await q.getJob("2"))!.updateData({ z: 9 });
      await q.updateJobProgress("3", { pct: 10 });
      return [view(await q.getJob("2")), view(await q.getJob("3"))];
    });
    await step("by hand", async () => {
      const seen: unknown[] = [];
      for (let k = 0; k < 4; k++) {
        const token = `token${k}`;
        const j = await manual.getNextJob(token, { block: false });
        seen.push(view(j));
        if (!j) continue;
        if (k === 1) await j.moveToFailed(new Error("bad"), token);
        else if (k === 2) await j.moveToDelayed(Date.now() + 50_000, token);
        else await j.moveToCompleted({ ok: k }, token, false);
        seen.push(await j.getState());
      }
      return [seen, await q.getJobCounts()];
    });
    await step("retryJobs", async () => (await q.retryJobs({ state: "failed" }), q.getJobCounts()));
    await step("promoteJobs", async () => (await q.promoteJobs(), q.getJobCounts()));
    await step("promote", async () => {
      const j = await q.add("d2", {}, { delay: 100_000 });
      await j.promote();
      return j.getState();
    });
    await step("completed", async () => (await q.getCompleted()).map(view));
    await step("remove", async () => (await q.remove("4"), q.getJobCounts()));
    await step("deduplication", async () => {
      const a = await q.add("dd", { a: 1 }, { deduplication: { id: "k1" } });
      const b = await q.add("dd", { a: 2 }, { deduplication: { id: "k1" } });
      const opts = { deduplication: { id: "k2", ttl: 100_000, extend: true, replace: true } };
      const c = await q.add("dd", { a: 3 }, { ...opts, delay: 1000 });
      const d = await q.add("dd", { a: 4 }, { ...opts, delay: 1000 });
      return [
        a.id,
        b.id,
        c.id,
        d.id,
        await q.getDeduplicationJobId("k2"),
        await raw.pttl("bull:p:de:k2") > 0,
      ];
    });
    await step("schedulers", async () => {
      await q.upsertJobScheduler("cron", { pattern: "0 0 * * * *" }, { name: "c", data: { c: 1 } });
      await q.upsertJobScheduler("ev", { every: 5000 }, { name: "e" });
      const list = await q.getJobSchedulers();
      return [list, await q.removeJobScheduler("ev"), await q.getJobSchedulersCount()];
    });
    await step("limits", async () => {
      await q.setGlobalConcurrency(3);
      await q.setGlobalRateLimit(10, 1000);
      await q.rateLimit(5000);
      const ttl = await q.getRateLimitTtl();
      return [
        await q.getGlobalConcurrency(),
        await q.getGlobalRateLimit(),
        await q.isMaxed(),
        ttl > 0 && ttl <= 5000,
        await q.getMeta(),
        await q.removeRateLimitKey(),
        await q.removeGlobalConcurrency(),
        await q.removeGlobalRateLimit(),
      ];
    });
    await step(
      "clean",
      async () => [await q.clean(0, 100, "completed"), await q.clean(0, 2, "wait")],
    );
    await step("trimEvents", async () => [await q.trimEvents(5), await raw.xlen("bull:p:events")]);
    await step(
      "workers",
      async () => [(await q.getWorkers()).map((w) => w.name), await q.getWorkersCount()],
    );
    await step("prometheus", async () => (await q.exportPrometheusMetrics()).split("\n").sort());
    await step("flow", async () => {
      const tree = await flows.add({
        name: "parent",
        queueName: "p",
        data: {},
        children: [
          { name: "c1", queueName: "p", data: { n: 1 } },
          {
            name: "c2",
            queueName: "p",
            data: { n: 2 },
            children: [{ name: "g", queueName: "p", data: {} }],
          },
        ],
      });
      // Parents wait in a sorted set by time, then by their random ids: compare as a set.
      const deps = (await Promise.all(
        (await q.getWaitingChildren()).map(async (p) =>
          JSON.stringify(await p.getDependenciesCount())
        ),
      )).sort();
      return [await tree.job.getState(), deps, await q.getWaitingChildrenCount()];
    });
    await step("process", async () => {
      await q.drain(true);
      const tree = await flows.add({
        name: "top",
        queueName: "p",
        data: {},
        children: [1, 2, 3, 4].map((n) => ({ name: `k${n}`, queueName: "p", data: { n } })),
      });
      const ran: string[] = [];
      const worker = new Worker("p", async (j) => {
        ran.push(j.name);
        if (j.name === "top") return await j.getChildrenValues();
        await j.log(`${j.name} ran`);
        return j.data.n * 10;
      }, { connection, limiter: { max: 3, duration: 50 }, metrics: { maxDataPoints: 10 } });
      try {
        await waitUntil(
          async () => (await tree.job.getState()) === "completed",
          20_000,
          "the flow",
        );
      } finally {
        await worker.close();
      }
      const top = await q.getJob(tree.job.id!);
      return [
        ran.sort(),
        Object.values(top!.returnvalue).sort(),
        await q.getJobCounts(),
        (await q.getMetrics("completed")).meta.count,
      ];
    });
    await step(
      "obliterate",
      async () => {
        await q.obliterate({ force: true });
        // The rate limiter's counter lives 50 ms (its PEXPIRE): whether it is left depends on time.
        return (await raw.keys("bull:p:*")).filter((k) => k !== "bull:p:limiter");
      },
    );
  } finally {
    await flows.close();
    await manual.close();
    await q.close();
    raw.disconnect();
  }
  return out;
}

Deno.test({
  name: "BullMQ: queue, job, scheduler and flow operations answer the same on both servers",
  ignore: TARGETS.some((t) => t.missing !== undefined),
  async fn() {
    const results: Record<string, unknown>[] = [];
    for (const target of TARGETS) {
      await using srv = await target.start();
      results.push(await steps(srv.port));
    }
    const [redis, tok] = results as [Record<string, unknown>, Record<string, unknown>];
    assertEquals(Object.keys(redis).length, 29);
    const failed = Object.entries(redis).filter(([, v]) => String(v).startsWith("error:"));
    assertEquals(failed, [], "every step runs on redis-server");
    for (const k of Object.keys(redis)) assertEquals(tok[k], redis[k], k);
  },
});
