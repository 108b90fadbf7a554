// BullMQ (npm bullmq over ioredis) runs unmodified on tokserver: the same scenario
// (tests/_bullmq_scenario.ts: 1,000 jobs, four workers, retries, delays, priorities, a job
// scheduler, QueueEvents) runs on a real redis-server and on tokserver redis in one test, and what
// happened must be the same on both: the ids, every job's final state and attempts, every job's
// events in order, the server-side order of first activations, the counts; none lost or doubled.
// Deno's op and resource sanitizers stay on: every Queue, Worker, QueueEvents, connection and
// server the test opens is closed (and its timers cleared) before it ends.

import { assertEquals } from "./_util.ts";
import { expectedFirstActivations, type Outcome, runScenario } from "./_bullmq_scenario.ts";
import { TARGETS } from "./client_targets.ts";

const TOTAL = 1000;
const REPEATS = 4;

function checkGuarantees(name: string, o: Outcome): void {
  assertEquals(o.violations, [], `${name}: BullMQ's guarantees`);
  assertEquals(o.ids.length, TOTAL, `${name}: ids`);
  assertEquals(new Set(o.ids).size, TOTAL, `${name}: ids are unique`);
  assertEquals(o.firstActivations, expectedFirstActivations(TOTAL), `${name}: activation order`);
  for (const [key, n] of Object.entries(o.successes)) {
    assertEquals(n, 1, `${name}: ${key} completed ${n} times`);
  }
  const completed = Object.values(o.jobs).filter((s) => s.startsWith("completed")).length;
  assertEquals(Object.keys(o.successes).length, completed, `${name}: completed once each`);
  assertEquals(Object.keys(o.jobs).filter((k) => k.startsWith("tick#")).length, REPEATS);
}

Deno.test({
  name: "BullMQ: 1,000 jobs through 4 workers end the same on redis-server and tokserver",
  ignore: TARGETS.some((t) => t.missing !== undefined),
  async fn() {
    const outcomes: Outcome[] = [];
    for (const target of TARGETS) {
      await using srv = await target.start();
      const o = await runScenario(srv.port, TOTAL, REPEATS);
      checkGuarantees(target.name, o);
      outcomes.push(o);
    }
    const [redis, tok] = outcomes as [Outcome, Outcome];
    assertEquals(tok.ids, redis.ids, "ids");
    assertEquals(tok.counts, redis.counts, "getJobCounts");
    assertEquals(tok.jobs, redis.jobs, "final state, attempts, result of every job");
    assertEquals(tok.events, redis.events, "events of every job");
  },
});
