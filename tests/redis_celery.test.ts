// A real job queue with Redis as broker AND result backend: Celery (Debian's python3-celery 5.2,
// kombu 5.2) runs 1,000 tasks through 4 worker processes (prefork, one child each), against
// redis-server and against tokserver. A tenth of the tasks fail once and are retried after a
// countdown, a tenth are sent with a countdown (the worker holds them while kombu keeps them
// unacked in a hash and a sorted set of delivery times), and a chord of 20 gathers its header's
// results through the backend into a callback. Every run of a task appends one line to a file
// (tests/celery/celery_jobs.py), so "each task ran exactly once, none lost" is checked per task id
// without asking the server under test; the results read back through the backend must be the
// same on both servers. Then 20 tasks due in ten minutes, held unacked by the workers, must all
// be back in the queue after a warm shutdown. Without celery the test is skipped with the reason
// printed.

import { RawConn } from "./_diff.ts";
import { assertEquals, startRedisServer, startServer, waitUntil, which } from "./_util.ts";

const PYTHON = "/usr/bin/python3";
const TASKS = 1000;
const CHORD_SIZE = 20; // celery_jobs.CHORD_SIZE
const WORKERS = 4;
const HELD = 20; // tasks a warm shutdown gives back
const HERE = new URL("./celery/", import.meta.url).pathname;
const dec = new TextDecoder();

/** Why Celery cannot run here, or undefined when it can. */
function missing(): string | undefined {
  if (which("redis-server") === undefined) return "redis-server is not installed";
  if (which("setsid") === undefined) return "setsid (util-linux) is missing";
  try {
    const r = new Deno.Command(PYTHON, {
      args: ["-c", "import celery, kombu, redis"],
      stderr: "null",
    }).outputSync();
    if (!r.success) return "python3-celery is not installed (apt-get install -y python3-celery)";
  } catch {
    return `${PYTHON} is missing`;
  }
  return undefined;
}

async function integer(conn: RawConn, args: string[]): Promise<number> {
  const r = dec.decode(await conn.call(args));
  if (!r.startsWith(":")) throw new Error(`${args.join(" ")} answered ${JSON.stringify(r)}`);
  return Number(r.slice(1, -2));
}

/** What celery_jobs.py prints once every result has come back through the backend. */
interface Summary {
  tasks: { kind: "plain" | "flaky" | "countdown"; id: string; value: number; state: string }[];
  chord: { value: number; id: string; header: string[] };
}

/** A worker in its own process group (setsid), so its prefork child is stopped with it. */
function startWorker(i: number, env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command("setsid", {
    args: [
      PYTHON,
      "-m",
      "celery",
      "-A",
      "celery_jobs",
      "worker",
      "-c",
      "1",
      "-n",
      `w${i}@%h`,
      "--loglevel",
      "WARNING",
    ],
    cwd: HERE,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

/**
 * SIGTERM to each worker (a warm shutdown: it stops its pool child itself), then SIGKILL to its
 * whole process group: after 10 s to what is still there, at once to a child that outlived it.
 */
async function stopWorkers(workers: Deno.ChildProcess[]): Promise<string[]> {
  const signal = (sig: Deno.Signal, group: boolean) => {
    for (const w of workers) {
      try {
        Deno.kill(group ? -w.pid : w.pid, sig);
      } catch {
        // gone
      }
    }
  };
  signal("SIGTERM", false);
  const t = setTimeout(() => signal("SIGKILL", true), 10000);
  const outs = await Promise.all(workers.map((w) => w.output()));
  clearTimeout(t);
  signal("SIGKILL", true);
  return outs.map((o) => dec.decode(o.stderr));
}

/** Runs the tasks against the server at `port`; returns what the comparison needs. */
async function runTasks(port: number) {
  const dir = await Deno.makeTempDir({ prefix: "celery-" });
  const results = `${dir}/runs.txt`;
  const env = {
    CELERY_PORT: String(port),
    CELERY_RESULTS: results,
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONPATH: HERE,
  };
  const admin = await RawConn.connect(port);
  const workers: Deno.ChildProcess[] = [];
  let logs: string[] = [];
  try {
    await admin.call(["FLUSHALL"]);
    const started = Date.now();
    for (let i = 0; i < WORKERS; i++) workers.push(startWorker(i, env));
    // Each worker binds its control queue once its consumer runs.
    await waitUntil(
      async () => await integer(admin, ["SCARD", "_kombu.binding.celery.pidbox"]) === WORKERS,
      30000,
      `${WORKERS} celery workers`,
    );
    const ready = Date.now();
    const send = await new Deno.Command(PYTHON, {
      args: [`${HERE}celery_jobs.py`, String(TASKS)],
      cwd: HERE,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(send.code, 0, dec.decode(send.stderr));
    const summary = JSON.parse(dec.decode(send.stdout)) as Summary;
    const done = Date.now();
    // Nothing left queued or unacked once every result is in.
    await waitUntil(
      async () =>
        await integer(admin, ["LLEN", "celery"]) === 0 &&
        await integer(admin, ["HLEN", "unacked"]) === 0 &&
        await integer(admin, ["ZCARD", "unacked_index"]) === 0,
      10000,
      "an empty queue",
    );
    const runs = new Map<string, number[]>();
    const pids = new Set<string>();
    for (const line of (await Deno.readTextFile(results)).split("\n")) {
      if (line === "") continue;
      const [id, , attempt, pid] = line.split(" ");
      runs.set(id!, [...runs.get(id!) ?? [], Number(attempt)]);
      pids.add(pid!);
    }
    console.log(
      `  port ${port}: workers ready in ${ready - started} ms; ${TASKS} tasks and a chord of ` +
        `${CHORD_SIZE} sent and their results read in ${done - ready} ms; ${pids.size} ` +
        `worker processes ran them`,
    );
    // Each task's runs by id: once (attempt 0), the flaky ones twice (attempts 0 then 1).
    const wrong: string[] = [];
    const expect = (id: string, attempts: number[]) => {
      const got = runs.get(id) ?? [];
      if (JSON.stringify(got) !== JSON.stringify(attempts)) {
        wrong.push(`${id}: runs ${JSON.stringify(got)}, expected ${JSON.stringify(attempts)}`);
      }
      runs.delete(id);
    };
    for (const t of summary.tasks) expect(t.id, t.kind === "flaky" ? [0, 1] : [0]);
    for (const id of summary.chord.header) expect(id, [0]);
    expect(summary.chord.id, [0]);
    for (const id of runs.keys()) wrong.push(`${id}: ran but was never sent`);
    // Tasks due later are held unacked by the workers; a warm shutdown gives them back (WATCH,
    // HGET, MULTI, ZREM, HDEL, RPUSH, EXEC): all back in the queue, nothing left unacked.
    const sendHeld = await new Deno.Command(PYTHON, {
      args: [`${HERE}celery_jobs.py`, "hold", String(HELD)],
      cwd: HERE,
      env,
    }).output();
    assertEquals(sendHeld.code, 0, dec.decode(sendHeld.stderr));
    await waitUntil(
      async () => await integer(admin, ["HLEN", "unacked"]) === HELD,
      20000,
      `${HELD} held tasks`,
    );
    logs = await stopWorkers(workers.splice(0));
    const givenBack = {
      queued: await integer(admin, ["LLEN", "celery"]),
      unacked: await integer(admin, ["HLEN", "unacked"]),
      index: await integer(admin, ["ZCARD", "unacked_index"]),
    };
    return {
      wrong: wrong.slice(0, 10),
      workers: pids.size,
      tasks: summary.tasks.map((t) => [t.kind, t.value, t.state]),
      chord: summary.chord.value,
      givenBack,
    };
  } finally {
    if (workers.length > 0) logs = await stopWorkers(workers);
    admin.close();
    await Deno.remove(dir, { recursive: true });
    for (const log of logs) {
      const bad = log.split("\n").filter((l) => /error|traceback|exception/i.test(l));
      if (bad.length > 0) console.log(`  a worker logged:\n    ${bad.slice(0, 5).join("\n    ")}`);
    }
  }
}

/** What both servers must give back: n*n for task n, the chord the sum of its header's squares. */
function expected() {
  const kind = (n: number) => n % 10 === 3 ? "flaky" : n % 10 === 7 ? "countdown" : "plain";
  let chord = 0;
  for (let i = 0; i < CHORD_SIZE; i++) chord += (TASKS + i) ** 2;
  return {
    wrong: [],
    workers: WORKERS,
    tasks: Array.from({ length: TASKS }, (_, n) => [kind(n), n * n, "SUCCESS"]),
    chord,
    givenBack: { queued: HELD, unacked: 0, index: 0 },
  };
}

const reason = missing();
if (reason !== undefined) console.log(`celery test skipped: ${reason}`);

Deno.test({
  name:
    `celery: ${TASKS} tasks (retries, countdowns) and a chord through ${WORKERS} workers, Redis broker and backend, each run once`,
  ignore: reason !== undefined,
  async fn() {
    let redisRun;
    {
      await using redis = await startRedisServer();
      redisRun = await runTasks(redis!.port);
    }
    await using tok = await startServer(["redis", "--quiet"]);
    const tokRun = await runTasks(tok.port);
    assertEquals(redisRun, expected());
    assertEquals(tokRun, redisRun);
  },
});
