// The BullMQ scenario the BullMQ test runs on each server: one queue, four workers, 1,000 jobs
// with retries, backoff, delays and priorities, a job scheduler (a repeatable job) and a
// QueueEvents listener. It returns what happened in a form that does not depend on timing
// (per-job outcomes and event sequences, the server-side activation order), so the outcomes on
// redis-server and on tokserver can be compared whole.

import { type Job, Queue, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import { waitUntil } from "./_util.ts";

/** How a job of the bulk behaves, chosen from its index. */
export interface JobPlan {
  /** Fails on its first attempt, then succeeds. */
  failsOnce: boolean;
  /** Fails on every attempt (both of its two), ending in the failed set. */
  failsAlways: boolean;
  /** A retry waits in the delayed set (fixed backoff) instead of going straight back. */
  backoff: boolean;
  /** Priority (0: none). */
  priority: number;
  /** Delay in ms before it may run (0: none). */
  delay: number;
  /** Reports progress while it runs. */
  progress: boolean;
}

/** The plan of job `i` of the bulk. */
export function plan(i: number): JobPlan {
  return {
    failsOnce: i % 7 === 3,
    failsAlways: i % 97 === 50,
    backoff: i % 2 === 0,
    priority: i % 5 === 4 ? 1 + (i % 3) : 0,
    delay: i % 11 === 5 ? 100 + (i % 4) * 50 : 0,
    progress: i % 50 === 0,
  };
}

/** What one run produced, comparable between servers. */
export interface Outcome {
  /** The ids BullMQ gave the bulk, in order. */
  ids: string[];
  /** Per job key ("j<i>" or "tick#<n>"): state, attempts, result, failure. */
  jobs: Record<string, string>;
  /** Per job key: the events QueueEvents delivered for it, in order, with their stable fields. */
  events: Record<string, string[]>;
  /** How many times each job's processor returned (must be once for a completed job). */
  successes: Record<string, number>;
  /** Keys of first attempts of undelayed bulk jobs, in the order the server made them active. */
  firstActivations: string[];
  /** getJobCounts() at the end. */
  counts: Record<string, number>;
  /** Violations of BullMQ's guarantees seen on this server (empty when none). */
  violations: string[];
}

/** The event names the listener subscribes to (all BullMQ 6 sends in this scenario). */
const EVENTS = [
  "added",
  "waiting",
  "active",
  "progress",
  "completed",
  "failed",
  "delayed",
  "retries-exhausted",
  "duplicated",
  "removed",
  "stalled",
  "drained",
] as const;

/** Fields of an event that do not depend on timing. */
const STABLE_FIELDS = ["name", "prev", "returnvalue", "failedReason", "data", "attemptsMade"];

/** Orders two stream ids ("ms-seq"). */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(Number) as [number, number];
  const [bm, bs] = b.split("-").map(Number) as [number, number];
  return am - bm || as - bs;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the scenario against the server on `port` with `total` bulk jobs and a scheduler that
 * repeats `repeats` times; everything it opens is closed before it returns.
 */
export async function runScenario(port: number, total: number, repeats = 4): Promise<Outcome> {
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const name = "scenario";
  const queue = new Queue(name, { connection, streams: { events: { maxLen: 100_000 } } });
  // From the stream's start: its first XREAD may come after the first jobs are added.
  const events = new QueueEvents(name, { connection, lastEventId: "0-0" });
  const plain = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
  const workers: Worker[] = [];
  const violations: string[] = [];
  const seen: { id: string; event: string; args: Record<string, unknown> }[] = [];
  const successes: Record<string, number> = {};
  try {
    await plain.connect();
    events.on("error", (e) => violations.push(`QueueEvents error: ${e}`));
    for (const ev of EVENTS) {
      events.on(ev, (args: unknown, id: string) => {
        // "drained" carries only its stream id.
        if (ev === "drained") seen.push({ id: args as string, event: ev, args: {} });
        else seen.push({ id, event: ev, args: args as Record<string, unknown> });
      });
    }
    await events.waitUntilReady();
    await queue.waitUntilReady();

    const added = await queue.addBulk(Array.from({ length: total }, (_, i) => {
      const p = plan(i);
      return {
        name: "job",
        data: { i },
        opts: {
          attempts: p.failsAlways || p.failsOnce ? 2 : 1,
          backoff: p.backoff ? { type: "fixed", delay: 30 } : undefined,
          priority: p.priority || undefined,
          delay: p.delay || undefined,
          removeOnComplete: false,
          removeOnFail: false,
        },
      };
    }));
    const ids = added.map((j) => j.id!);
    const keyOf = new Map(ids.map((id, i) => [id, `j${i}`]));
    // A job id given twice is not added again: BullMQ reports it as "duplicated".
    await queue.add("custom", {}, { jobId: "custom-id" });
    await queue.add("custom", {}, { jobId: "custom-id" });
    keyOf.set("custom-id", "custom");
    await queue.upsertJobScheduler("tick", { every: 120, limit: repeats }, {
      name: "tick",
      data: { tick: true },
    });

    const processor = async (job: Job) => {
      if (job.name !== "job") {
        successes[job.id!] = (successes[job.id!] ?? 0) + 1;
        return job.name;
      }
      const i = job.data.i as number;
      const p = plan(i);
      if (p.progress) await job.updateProgress(i);
      if (p.failsAlways) throw new Error(`always ${i}`);
      if (p.failsOnce && job.attemptsMade === 0) throw new Error(`first ${i}`);
      const key = `j${i}`;
      successes[key] = (successes[key] ?? 0) + 1;
      return { double: i * 2 };
    };
    for (let w = 0; w < 4; w++) {
      const worker = new Worker(name, processor, { connection, concurrency: 2 });
      worker.on("error", (e) => violations.push(`worker error: ${e}`));
      workers.push(worker);
    }

    // Done when every bulk job and every repetition reached a final state (as QueueEvents
    // reports it) and the server's counts agree.
    const failing = Array.from({ length: total }, (_, i) => plan(i).failsAlways).filter((x) => x)
      .length;
    const finals = () =>
      seen.filter((e) => e.event === "completed" || e.event === "retries-exhausted").length;
    await waitUntil(
      async () => {
        if (finals() < total + 1 + repeats - failing) return false;
        const c = await queue.getJobCounts("completed", "failed");
        return c.completed === total + 1 - failing + repeats && c.failed === failing;
      },
      120_000,
      "every job to finish",
    );
    await Promise.all(workers.map((w) => w.close()));
    workers.length = 0;

    // Everything the stream holds must reach the listener, once.
    const last = await plain.xrevrange(`bull:${name}:events`, "+", "-", "COUNT", 1);
    const lastId = last[0]?.[0] ?? "0-0";
    await waitUntil(
      () => seen.length > 0 && compareIds(seen.at(-1)!.id, lastId) >= 0,
      30_000,
      "the listener to reach the stream's end",
    );
    const stream = await plain.xrange(`bull:${name}:events`, "-", "+");
    const wanted = stream.filter(([, f]) => (EVENTS as readonly string[]).includes(f[1]!))
      .map(([id]) => id);
    const got = seen.map((e) => e.id);
    if (JSON.stringify(wanted) !== JSON.stringify(got)) {
      violations.push(`listener saw ${got.length} events, the stream holds ${wanted.length}`);
    }

    // Repetitions get ids from their scheduled time: number them in that order.
    const tickIds = [...new Set(seen.map((e) => String(e.args.jobId)))]
      .filter((id) => id.startsWith("repeat:"))
      .sort((a, b) => Number(a.split(":").at(-1)) - Number(b.split(":").at(-1)));
    tickIds.forEach((id, n) => keyOf.set(id, `tick#${n}`));
    const key = (id: string) => keyOf.get(id) ?? `?${id}`;

    const perJob: Record<string, string[]> = {};
    for (const e of seen) {
      if (e.event === "drained") continue; // when a worker finds nothing: timing
      const stable = STABLE_FIELDS.filter((f) => e.args[f] !== undefined)
        .map((f) => `${f}=${JSON.stringify(e.args[f])}`);
      (perJob[key(String(e.args.jobId))] ??= []).push([e.event, ...stable].join(" "));
    }
    // A repetition whose time has already come when the scheduler adds it goes straight to the
    // wait list; a later one is delayed first. Which one it is depends on timing, not on the
    // server: both are recorded as plain "waiting".
    for (const [k, list] of Object.entries(perJob)) {
      if (!k.startsWith("tick#")) continue;
      perJob[k] = list.filter((e) => e !== "delayed")
        .map((e) => e === 'waiting prev="delayed"' ? "waiting" : e);
    }

    const jobs: Record<string, string> = {};
    const finished = await queue.getJobs(["completed", "failed"], 0, -1);
    for (const job of finished) {
      const state = await job.getState();
      jobs[key(job.id!)] = `${state} made=${job.attemptsMade} started=${job.attemptsStarted} ` +
        `result=${JSON.stringify(job.returnvalue)} reason=${job.failedReason ?? ""}`;
      const i = job.data.i as number | undefined;
      const p = i === undefined ? undefined : plan(i);
      // BullMQ keeps a delayed job's due time in its sorted-set score at millisecond precision
      // taken from a clock read separately from the job's timestamp; on redis-server too a job
      // was seen starting 1 ms before timestamp + delay. Early by more than 10 ms is a violation.
      if (p && p.delay > 0 && job.processedOn! < job.timestamp + p.delay - 10) {
        violations.push(`j${i} ran ${job.timestamp + p.delay - job.processedOn!} ms early`);
      }
    }
    const tickTimes = tickIds.map((id) => Number(id.split(":").at(-1)));
    for (let n = 1; n < tickTimes.length; n++) {
      if (tickTimes[n]! - tickTimes[n - 1]! < 120) violations.push(`tick#${n} came too soon`);
    }

    const firstActivations: string[] = [];
    const activated = new Set<string>();
    for (const e of seen) {
      if (e.event !== "active") continue;
      const k = key(String(e.args.jobId));
      if (activated.has(k)) continue;
      activated.add(k);
      if (k.startsWith("j") && plan(Number(k.slice(1))).delay === 0) firstActivations.push(k);
    }
    const counts = await queue.getJobCounts();
    return { ids, jobs, events: perJob, successes, firstActivations, counts, violations };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await events.close();
    await queue.close();
    plain.disconnect();
    await sleep(0);
  }
}

/**
 * The order in which the first attempts of the undelayed bulk jobs must become active when all
 * are added before any worker runs: BullMQ takes the wait list (FIFO) before the prioritized set,
 * which it takes by priority, then by insertion.
 */
export function expectedFirstActivations(total: number): string[] {
  const idx = Array.from({ length: total }, (_, i) => i).filter((i) => plan(i).delay === 0);
  const plainJobs = idx.filter((i) => plan(i).priority === 0);
  const prioritized = idx.filter((i) => plan(i).priority > 0)
    .sort((a, b) => plan(a).priority - plan(b).priority || a - b);
  return [...plainJobs, ...prioritized].map((i) => `j${i}`);
}
