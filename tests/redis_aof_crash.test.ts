// Crash tests for the append-only file. A writer pipelines 20,000 INCRs and SETs over four
// connections while the server is killed with SIGKILL at a random moment; the server is started
// again on the same file and every write the writer got a reply for must be there. With
// appendfsync always that holds in every one of 5 runs. With everysec, nothing acknowledged
// more than 2 s before the kill may be missing (a SIGKILL keeps what reached the OS, so in
// practice nothing is lost; a power cut could lose the last second, which no test here can do).

import { connect } from "../src/client/client.ts";
import { assert, assertEquals, startServer } from "./_util.ts";

const CONNS = 4;
const PER_CONN = 5000;

/** What the writer got replies for. */
interface Acks {
  /** Per connection: the counter value of the last INCR acknowledged. */
  incrs: number[];
  /** Per connection: INCRs sent. */
  incrsSent: number[];
  /** Acknowledged SETs: connection, index, when the reply came (ms, performance.now()). */
  sets: Array<{ conn: number; i: number; at: number }>;
  /** Acknowledged INCRs with the time of their reply, per connection. */
  incrTimes: number[][];
  total: number;
  killedAt: number;
}

/**
 * Runs the writer against `port` and kills `pid`'s server with SIGKILL once `killAt` replies
 * (or `killAfterMs`) have come. `pace` spreads the writes over time (ms to wait per batch).
 */
async function writeUntilKilled(
  port: number,
  kill: () => void,
  opts: { killAt?: number; killAfterMs?: number; batch: number; paceMs: number },
): Promise<Acks> {
  const acks: Acks = {
    incrs: new Array(CONNS).fill(0),
    incrsSent: new Array(CONNS).fill(0),
    sets: [],
    incrTimes: Array.from({ length: CONNS }, () => []),
    total: 0,
    killedAt: 0,
  };
  const start = performance.now();
  let killed = false;
  const doKill = () => {
    if (killed) return;
    killed = true;
    acks.killedAt = performance.now();
    kill();
  };
  const timer = opts.killAfterMs === undefined ? undefined : setTimeout(doKill, opts.killAfterMs);
  const clients = await Promise.all(Array.from({ length: CONNS }, () => connect({ port })));
  try {
    await Promise.all(clients.map(async (client, k) => {
      let dead = false;
      for (let base = 0; base < PER_CONN && !dead && !killed; base += opts.batch) {
        const calls: Promise<void>[] = [];
        for (let i = base; i < Math.min(PER_CONN, base + opts.batch); i++) {
          if (i % 2 === 0) {
            acks.incrsSent[k]!++;
            calls.push(
              client.send("INCR", `cnt:${k}`).then((r) => {
                acks.incrs[k] = Math.max(acks.incrs[k]!, r as number);
                acks.incrTimes[k]!.push(performance.now());
                if (++acks.total === opts.killAt) doKill();
              }, () => {
                dead = true;
              }),
            );
          } else {
            calls.push(
              client.send("SET", `k:${k}:${i}`, `v${i}`).then(() => {
                acks.sets.push({ conn: k, i, at: performance.now() });
                if (++acks.total === opts.killAt) doKill();
              }, () => {
                dead = true;
              }),
            );
          }
        }
        await Promise.all(calls);
        if (opts.paceMs > 0) await new Promise((r) => setTimeout(r, opts.paceMs));
      }
    }));
  } finally {
    clearTimeout(timer);
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
  }
  if (!killed) doKill();
  acks.killedAt ||= performance.now();
  void start;
  return acks;
}

/** Checks on a restarted server that every acknowledged write (before `before`) is there. */
async function checkAcked(port: number, acks: Acks, before = Infinity): Promise<number> {
  const client = await connect({ port });
  let recentMissing = 0;
  try {
    for (let k = 0; k < CONNS; k++) {
      const raw = await client.get(`cnt:${k}`);
      const value = raw === null ? 0 : Number(new TextDecoder().decode(raw));
      // Writes acknowledged before `before`: how many INCRs that was.
      const needed = acks.incrTimes[k]!.filter((t) => t < before).length;
      assert(
        value >= needed,
        `cnt:${k} is ${value} after the restart, but ${needed} INCRs had been acknowledged`,
      );
      assert(value <= acks.incrsSent[k]!, `cnt:${k} is ${value}, more than the INCRs sent`);
      if (value < acks.incrs[k]!) recentMissing += acks.incrs[k]! - value;
    }
    const sets = acks.sets;
    for (let i = 0; i < sets.length; i += 500) {
      const chunk = sets.slice(i, i + 500);
      const values = await client.mget(...chunk.map((s) => `k:${s.conn}:${s.i}`));
      chunk.forEach((s, j) => {
        const got = values[j] === null ? null : new TextDecoder().decode(values[j]!);
        if (got === `v${s.i}`) return;
        if (s.at >= before) {
          recentMissing++;
          return;
        }
        assertEquals(got, `v${s.i}`, `k:${s.conn}:${s.i} was acknowledged but is missing`);
      });
    }
  } finally {
    await client.close();
  }
  return recentMissing;
}

async function crashRun(
  policy: "always" | "everysec",
  opts: { killAt?: number; killAfterMs?: number; batch: number; paceMs: number },
): Promise<{ acks: Acks; recentMissing: number; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-crash-" });
  try {
    const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", dir, "--appendfsync", policy];
    let acks: Acks;
    {
      await using srv = await startServer(args);
      acks = await writeUntilKilled(srv.port, () => srv.child.kill("SIGKILL"), opts);
      const status = await srv.stop();
      assertEquals(status.signal, "SIGKILL", "the server was killed, not stopped");
    }
    await using again = await startServer(args);
    const before = policy === "always" ? Infinity : acks.killedAt - 2000;
    const recentMissing = await checkAcked(again.port, acks, before);
    return { acks, recentMissing, stderr: again.stderr.text };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "appendfsync always: every acknowledged write survives a SIGKILL at a random moment",
  async fn(t) {
    for (let run = 1; run <= 5; run++) {
      const killAt = 500 + Math.floor(Math.random() * 19000);
      await t.step(`run ${run}: SIGKILL after ${killAt} replies`, async () => {
        const r = await crashRun("always", { killAt, batch: 64, paceMs: 0 });
        assert(r.acks.total >= killAt, `only ${r.acks.total} replies before the kill`);
        assertEquals(r.recentMissing, 0, "acknowledged writes missing after the restart");
      });
    }
  },
});

Deno.test({
  name: "appendfsync everysec: a SIGKILL loses nothing acknowledged more than 2 s before it",
  async fn(t) {
    for (let run = 1; run <= 2; run++) {
      // About 6,000 writes a second, so the kill lands 2.5 to 3 s into a 3 s run.
      const killAfterMs = 2500 + Math.floor(Math.random() * 500);
      await t.step(`run ${run}: SIGKILL after ${killAfterMs} ms`, async () => {
        const r = await crashRun("everysec", { killAfterMs, batch: 25, paceMs: 15 });
        const old = r.acks.sets.filter((s) => s.at < r.acks.killedAt - 2000).length;
        assert(old > 0, "no write was acknowledged more than 2 s before the kill");
      });
    }
  },
});
