// Busy polling (src/net/busy_poll.ts), observed from outside the process: under redis-benchmark's
// one-request-per-read load the polling server's thread sleeps far less often than the
// same server started with --busy-poll 0, and once the load stops the polling stops too (an
// idle server uses next to no CPU). Counts come from /proc, so Linux only.

import { assert, assertEquals, assertLess, runTokserver, startServer, which } from "./_util.ts";

const linux = Deno.build.os === "linux";
const canRun = linux && which("redis-benchmark") !== undefined &&
  navigator.hardwareConcurrency > 1;

/**
 * Voluntary context switches of the server's thread (the worker `tokserver redis` serves from,
 * src/redis/server/worker_host.ts): how often it went to sleep.
 */
function sleeps(pid: number): number {
  let total = 0;
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    const dir = `/proc/${pid}/task/${task.name}`;
    if (!Deno.readTextFileSync(`${dir}/comm`).startsWith("worker-")) continue;
    const status = Deno.readTextFileSync(`${dir}/status`);
    total += Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(status)![1]);
  }
  return total;
}

/** The process's CPU time so far, in clock ticks (user + system). */
function cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

async function benchmark(port: number, args: string[]): Promise<void> {
  const out = await new Deno.Command("redis-benchmark", {
    args: ["-p", String(port), "-c", "50", "-q", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
}

/** Main-thread sleeps of a server on `flags` while redis-benchmark sends `n` LRANGEs of 100. */
async function sleepsUnderLrange(flags: string[], n: number): Promise<number> {
  await using srv = await startServer(["redis", ...flags]);
  await benchmark(srv.port, ["-n", "300", "rpush", "list", "element"]);
  const lrange = ["lrange", "list", "0", "99"];
  await benchmark(srv.port, ["-n", "2000", ...lrange]);
  const before = sleeps(srv.child.pid);
  await benchmark(srv.port, ["-n", String(n), ...lrange]);
  return sleeps(srv.child.pid) - before;
}

Deno.test({
  name: "busy poll: one request per read, the server sleeps far less than without polling",
  ignore: !canRun,
  async fn() {
    // Without polling the loop sleeps between many bursts (2,000-2,700 times on a quiet machine);
    // with it, 90-300 times. Other processes on the CPUs blur that (the server is preempted
    // instead of sleeping), so up to three tries; a server that does not poll fails all three.
    const n = 30000, seen: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const off = await sleepsUnderLrange(["--busy-poll", "0"], n);
      const on = await sleepsUnderLrange([], n);
      seen.push(`${on} sleeps polling, ${off} without`);
      if (off > 200 && on < off / 2) return;
    }
    throw new Error(`polling did not spare the sleeps: ${seen.join("; ")}`);
  },
});

Deno.test({
  name: "busy poll: once the load stops, the server stops polling",
  ignore: !canRun,
  async fn() {
    await using srv = await startServer(["redis", "--busy-poll", "1000"]);
    const pid = srv.child.pid;
    await benchmark(srv.port, ["-n", "20000", "-t", "ping_mbulk,get"]);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = cpuTicks(pid), s0 = sleeps(pid);
    await new Promise((r) => setTimeout(r, 1000));
    const ticks = cpuTicks(pid) - t0;
    // A loop that kept polling would use the whole second (100 ticks) and never sleep.
    assertLess(ticks, 30, `an idle server used ${ticks} ticks of CPU in one second`);
    assert(sleeps(pid) > s0, "an idle server never slept");
  },
});

Deno.test("busy poll: --busy-poll takes microseconds; a bad value is exit 2", async () => {
  for (const bad of ["-1", "abc", "2000000"]) {
    const r = await runTokserver(["redis", "--port", "0", "--busy-poll", bad]);
    assertEquals(r.code, 2, `--busy-poll ${bad}: ${r.stderr}`);
    assert(r.stderr.includes("--busy-poll"), r.stderr);
  }
  const help = await runTokserver(["redis", "--help"]);
  assert(help.stdout.includes("--busy-poll MICROSECONDS"), help.stdout);
});
