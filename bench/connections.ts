// Connection-level measures: memory per idle connection (5,000 held) for tokserver redis and chat
// against redis-server, and PING latency (p99) while 10,000 connections are held.

import { type BenchContext, type BenchRow, ratio } from "./_lib.ts";
import { type BenchServer, rss, startRedis, startTokserver } from "./_servers.ts";

const PING = new TextEncoder().encode("PING\r\n");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens `n` connections in batches; with `ping`, each one does one PING round trip. */
async function openMany(port: number, n: number, ping: boolean): Promise<Deno.TcpConn[]> {
  const conns: Deno.TcpConn[] = [];
  const buf = new Uint8Array(64);
  for (let i = 0; i < n; i += 500) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(500, n - i) }, async () => {
        const c = await Deno.connect({ hostname: "127.0.0.1", port });
        if (ping) {
          await c.write(PING);
          await c.read(buf);
        }
        return c;
      }),
    );
    conns.push(...batch);
  }
  return conns;
}

function closeAll(conns: Deno.TcpConn[]): void {
  for (const c of conns) {
    try {
      c.close();
    } catch {
      // gone
    }
  }
}

/** RSS once it has stopped moving (or after ~3 s). */
async function settledRss(pid: number): Promise<number> {
  let last = rss(pid);
  for (let i = 0; i < 15; i++) {
    await sleep(200);
    const now = rss(pid);
    if (Math.abs(now - last) < 64 * 1024) return now;
    last = now;
  }
  return last;
}

/** Bytes of server RSS per idle connection with `n` connections held. */
async function bytesPerConn(srv: BenchServer, n: number, ping: boolean): Promise<number> {
  closeAll(await openMany(srv.port, 200, ping)); // warm up allocators and code paths
  await sleep(300);
  const before = await settledRss(srv.pid);
  const conns = await openMany(srv.port, n, ping);
  const after = await settledRss(srv.pid);
  closeAll(conns);
  return Math.max(0, after - before) / n;
}

/** PING round-trip latencies (ms) from `clients` clients while `idle` connections are held. */
async function pingUnderLoad(
  port: number,
  idle: number,
  clients: number,
  pings: number,
): Promise<{ p50: number; p99: number }> {
  const held = await openMany(port, idle, true);
  try {
    // Held means steady state: the burst of opening them settles first (for both servers alike),
    // and each active client makes a few uncounted round trips before the counted ones.
    await sleep(1000);
    const warmup = Math.min(50, pings);
    const samples: number[] = [];
    await Promise.all(Array.from({ length: clients }, async () => {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.setNoDelay(true);
      const buf = new Uint8Array(64);
      try {
        for (let i = 0; i < warmup + pings; i++) {
          const t0 = performance.now();
          await c.write(PING);
          let got = 0;
          while (got < 7) got += (await c.read(buf.subarray(got))) ?? 7;
          if (i >= warmup) samples.push(performance.now() - t0);
        }
      } finally {
        c.close();
      }
    }));
    samples.sort((a, b) => a - b);
    const at = (q: number) =>
      samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
    return { p50: at(0.5), p99: at(0.99) };
  } finally {
    closeAll(held);
  }
}

/** The connection benchmarks. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const idle = ctx.quick ? 1000 : 5000;
  const held = ctx.quick ? 2000 : 10000;
  const pings = ctx.quick ? 100 : 500;
  const rows: BenchRow[] = [];
  const redis = await startRedis();
  if (!redis) {
    return [{
      measure: "connections",
      unit: "",
      redis: null,
      tokserver: null,
      ratio: null,
      note: "redis-server not installed",
    }];
  }
  try {
    ctx.progress(`memory per idle connection: redis-server, ${idle} connections`);
    const redisBytes = await bytesPerConn(redis, idle, true);
    for (
      const [label, args, ping] of [
        ["redis", ["redis", "--maxclients", "20000"], true],
        ["chat complete", ["chat", "--mode", "complete", "--maxclients", "20000"], false],
      ] as const
    ) {
      ctx.progress(`memory per idle connection: tokserver ${label}, ${idle} connections`);
      const tok = await startTokserver([...args]);
      try {
        const tokBytes = await bytesPerConn(tok, idle, ping);
        rows.push({
          measure: `memory per idle connection (${label}, ${idle} conns)`,
          unit: "bytes/conn",
          redis: Math.round(redisBytes),
          tokserver: Math.round(tokBytes),
          ratio: ratio(tokBytes, redisBytes),
          target: 1.0,
          lowerIsBetter: true,
        });
      } finally {
        await tok.stop();
      }
    }
    ctx.progress(`PING p99 with ${held} connections held: redis-server`);
    const r = await pingUnderLoad(redis.port, held, 20, pings);
    ctx.progress(`PING p99 with ${held} connections held: tokserver redis`);
    const tok = await startTokserver(["redis", "--maxclients", "20000"]);
    try {
      const t = await pingUnderLoad(tok.port, held, 20, pings);
      rows.push({
        measure: `PING p99, ${held} connections held, 20 active`,
        unit: "ms",
        redis: round(r.p99),
        tokserver: round(t.p99),
        ratio: ratio(t.p99, r.p99),
        target: 2.0,
        lowerIsBetter: true,
        note: `p50 ${round(r.p50)} vs ${round(t.p50)} ms`,
      });
    } finally {
      await tok.stop();
    }
  } finally {
    await redis.stop();
  }
  return rows;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  console.log(await bench({ quick, progress: (m) => console.error(`.. ${m}`) }));
}
