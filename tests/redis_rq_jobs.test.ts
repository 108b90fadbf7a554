// A real job queue on lists: rq (Debian's python3-rq) runs 1,000 jobs through 4 worker
// processes, which wait for work in BLPOP, against redis-server and against tokserver. Every job
// appends one line to a file (tests/rq/rq_jobs.py), so "none lost, none run twice" is checked
// without asking the server under test; rq's failed-job registry must stay empty.
// rq also keeps registries in sorted sets (ZADD ZREM ZRANGEBYSCORE ZREMRANGEBYSCORE) and job
// results in a stream (XADD): while tokserver answers "unknown command" to one of them, its half
// is skipped with the reason printed. Without python3-rq the whole test is skipped (same).

import { RawConn } from "./_diff.ts";
import {
  assertEquals,
  killAfter,
  startRedisServer,
  startServer,
  waitUntil,
  which,
} from "./_util.ts";

const PYTHON = "/usr/bin/python3";
const RQ = "/usr/bin/rq";
const JOBS = 1000;
const WORKERS = 4;
const HERE = new URL("./rq/", import.meta.url).pathname;
const dec = new TextDecoder();

/** Why rq cannot run here, or undefined when it can. */
function missing(): string | undefined {
  if (which("redis-server") === undefined) return "redis-server is not installed";
  try {
    const r = new Deno.Command(PYTHON, { args: ["-c", "import rq"], stderr: "null" }).outputSync();
    if (!r.success) return "python3-rq is not installed (apt-get install -y python3-rq)";
  } catch {
    return `${PYTHON} is missing`;
  }
  try {
    Deno.statSync(RQ);
  } catch {
    return `${RQ} is missing`;
  }
  return undefined;
}

/** The commands rq needs that the server at `port` answers with "unknown command". */
async function unknownCommands(port: number): Promise<string[]> {
  const conn = await RawConn.connect(port);
  try {
    const probes = [
      ["ZADD", "rq:probe", "1", "m"],
      ["ZREM", "rq:probe", "m"],
      ["ZRANGEBYSCORE", "rq:probe", "0", "1"],
      ["ZREMRANGEBYSCORE", "rq:probe", "0", "1"],
      ["XADD", "rq:probe:s", "*", "f", "v"],
    ];
    const out: string[] = [];
    for (const p of probes) {
      const r = dec.decode(await conn.call(p));
      if (r.startsWith("-ERR unknown command")) out.push(p[0]!);
    }
    await conn.call(["DEL", "rq:probe", "rq:probe:s"]);
    return out;
  } finally {
    conn.close();
  }
}

async function count(conn: RawConn, args: string[]): Promise<number> {
  const r = dec.decode(await conn.call(args));
  if (!r.startsWith(":")) throw new Error(`${args.join(" ")} answered ${JSON.stringify(r)}`);
  return Number(r.slice(1, -2));
}

/** Runs the 1,000 jobs against the server at `port`; returns what the check needs. */
async function runJobs(port: number) {
  const dir = await Deno.makeTempDir({ prefix: "rq-" });
  const results = `${dir}/results.txt`;
  const env = { RQ_RESULTS: results, PYTHONDONTWRITEBYTECODE: "1" };
  const admin = await RawConn.connect(port);
  const workers: Deno.ChildProcess[] = [];
  try {
    await admin.call(["FLUSHALL"]);
    for (let i = 0; i < WORKERS; i++) {
      workers.push(
        new Deno.Command(RQ, {
          args: ["worker", "-u", `redis://127.0.0.1:${port}`, "-P", HERE, "-n", `w${i}`, "jobs"],
          env,
          stdin: "null",
          stdout: "null",
          stderr: "piped",
        }).spawn(),
      );
    }
    // Every worker registered: they wait in BLPOP before the first job is queued.
    await waitUntil(async () => await count(admin, ["SCARD", "rq:workers"]) === WORKERS, 20000);
    const enqueue = await new Deno.Command(PYTHON, {
      args: [`${HERE}rq_jobs.py`, String(port), String(JOBS)],
      env,
      cwd: HERE,
    }).output();
    assertEquals(enqueue.code, 0, dec.decode(enqueue.stderr));
    const lines = async () => (await Deno.readTextFile(results).catch(() => "")).split("\n");
    await waitUntil(async () => (await lines()).length > JOBS, 120000, `${JOBS} jobs run`);
    // Finished jobs leave the started registry; nothing may be left queued or failed.
    await waitUntil(async () => await count(admin, ["ZCARD", "rq:wip:jobs"]) === 0, 20000);
    const queued = await count(admin, ["LLEN", "rq:queue:jobs"]);
    const failed = await count(admin, ["ZCARD", "rq:failed:jobs"]);
    const finished = await count(admin, ["ZCARD", "rq:finished:jobs"]);
    const runs = new Map<number, number>();
    for (const line of await lines()) {
      if (line === "") continue;
      const n = Number(line.split(" ")[0]);
      runs.set(n, (runs.get(n) ?? 0) + 1);
    }
    const twice = [...runs].filter(([, k]) => k > 1).map(([n]) => n);
    let lost = 0;
    for (let n = 0; n < JOBS; n++) if (!runs.has(n)) lost++;
    return { ran: runs.size, lost, twice, queued, failed, finished };
  } finally {
    // A warm shutdown: an idle worker leaves its BLPOP and exits.
    for (const w of workers) {
      try {
        w.kill("SIGTERM");
      } catch {
        // gone
      }
    }
    // rq's warm shutdown can hang in the worker itself (a lock its signal handler waits for):
    // one that has not left 10 s after SIGTERM is killed; the jobs were counted above.
    for (const w of workers) {
      const cancel = killAfter(w, 10000);
      await w.output();
      cancel();
    }
    admin.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const EXPECTED = { ran: JOBS, lost: 0, twice: [], queued: 0, failed: 0, finished: JOBS };
const reason = missing();
if (reason !== undefined) console.log(`rq job queue test skipped: ${reason}`);

Deno.test({
  name: `rq: ${JOBS} jobs through ${WORKERS} workers blocked in BLPOP, none lost or run twice`,
  ignore: reason !== undefined,
  async fn(t) {
    await t.step("redis-server", async () => {
      await using redis = await startRedisServer();
      assertEquals(await runJobs(redis!.port), EXPECTED);
    });
    await using tok = await startServer(["redis", "--quiet"]);
    const lacking = await unknownCommands(tok.port);
    if (lacking.length > 0) {
      console.log(`rq against tokserver skipped: it lacks ${lacking.join(" ")}, which rq uses`);
    }
    await t.step({
      name: "tokserver",
      ignore: lacking.length > 0,
      fn: async () => assertEquals(await runJobs(tok.port), EXPECTED),
    });
  },
});
