// Blocking pops under load, the worker loop of every job queue: 1,000 raw connections each
// blocked in BLPOP on a key of its own, and a few pushing connections sending 100,000 RPUSHes
// (100 per key) as fast as their sockets take them, with no window. Each waiter asks again as
// soon as it is served. The tool checks that every pushed element is popped exactly once (none
// lost, none doubled, every list empty at the end) and reports the wake-up latency: from the
// write that sent a push to the arrival of the pop reply carrying it (p50, p99), and pushes
// served per second, for redis-server and tokserver in the same run.
// `deno run -A bench/blocking_pops.ts [--quick]` runs it alone.

import { type BenchContext, type BenchRow, ratio } from "./_lib.ts";
import { type BenchServer, startRedis, startTokserver } from "./_servers.ts";
import { encodeCommand } from "../tests/_diff.ts";
import { ReplyParser } from "../src/resp/reply_parser.ts";

const dec = new TextDecoder();

/** The load: waiters (one key each), pushing connections, pushes in all, pushes per write. */
export interface BlockingLoad {
  waiters: number;
  pushers: number;
  pushes: number;
  batch: number;
}

/** What one run saw. */
export interface BlockingResult {
  /** Pops received, and elements popped more than once or never. */
  served: number;
  doubled: number;
  lost: number;
  /** Elements left in lists at the end (should be 0). */
  leftover: number;
  p50: number;
  p99: number;
  max: number;
  /** Pushes served per second (first push sent to last pop received). */
  rate: number;
}

function key(i: number): string {
  return `bq:${i}`;
}

async function writeAll(conn: Deno.TcpConn, b: Uint8Array): Promise<void> {
  let off = 0;
  while (off < b.length) off += await conn.write(b.subarray(off));
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Reads a connection's replies, calling `each` for every one, until it closes. */
async function readReplies(conn: Deno.TcpConn, each: (r: unknown) => void): Promise<void> {
  const parser = new ReplyParser();
  const buf = new Uint8Array(64 * 1024);
  while (true) {
    const n = await conn.read(buf).catch(() => null);
    if (n === null) return;
    parser.push(buf.subarray(0, n));
    for (let r = parser.next(); r !== undefined; r = parser.next()) each(r);
  }
}

/** Runs the load against one server (flushed first). */
export async function runBlocking(port: number, load: BlockingLoad): Promise<BlockingResult> {
  const admin = await Deno.connect({ hostname: "127.0.0.1", port });
  const adminReplies: ((r: unknown) => void)[] = [];
  const adminReader = readReplies(admin, (r) => adminReplies.shift()?.(r));
  const call = async (args: string[]) => {
    const p = new Promise<unknown>((res) => adminReplies.push(res));
    await writeAll(admin, encodeCommand(args));
    return await p;
  };
  await call(["FLUSHALL"]);

  const sentAt = new Float64Array(load.pushes);
  const popped = new Uint8Array(load.pushes);
  const latencies = new Float64Array(load.pushes);
  let served = 0, doubled = 0, firstSend = 0, lastPop = 0;
  let allServed!: () => void;
  const done = new Promise<void>((r) => allServed = r);

  // The waiters: each blocks again as soon as a pop reaches it.
  const waiters: Deno.TcpConn[] = [];
  const readers: Promise<void>[] = [];
  for (let i = 0; i < load.waiters; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    const again = encodeCommand(["BLPOP", key(i), "0"]);
    waiters.push(conn);
    readers.push(readReplies(conn, (r) => {
      const now = performance.now();
      if (!Array.isArray(r) || !(r[1] instanceof Uint8Array)) return;
      const id = Number(dec.decode(r[1]));
      if (popped[id]! > 0) doubled++;
      popped[id]!++;
      latencies[served++] = now - sentAt[id]!;
      lastPop = now;
      if (served === load.pushes) allServed();
      else writeAll(conn, again).catch(() => {});
    }));
    await writeAll(conn, again);
  }
  // Every waiter blocked before the first push.
  while (true) {
    const info = dec.decode((await call(["INFO", "clients"])) as Uint8Array);
    if (Number(/blocked_clients:(\d+)/.exec(info)?.[1]) >= load.waiters) break;
    await new Promise((r) => setTimeout(r, 20));
  }

  // The pushers: push `id` goes to key id % waiters; pusher p sends ids p, p + pushers, ...
  const pushers: Promise<void>[] = [];
  const pushConns: Deno.TcpConn[] = [];
  firstSend = performance.now();
  for (let p = 0; p < load.pushers; p++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    pushConns.push(conn);
    let acked = 0;
    const mine = Math.ceil((load.pushes - p) / load.pushers);
    const reader = readReplies(conn, () => {
      acked++;
    });
    pushers.push((async () => {
      let id = p;
      while (id < load.pushes) {
        const parts: Uint8Array[] = [];
        const ids: number[] = [];
        for (let k = 0; k < load.batch && id < load.pushes; k++, id += load.pushers) {
          parts.push(encodeCommand(["RPUSH", key(id % load.waiters), String(id)]));
          ids.push(id);
        }
        const size = parts.reduce((n, b) => n + b.length, 0);
        const out = new Uint8Array(size);
        let off = 0;
        for (const b of parts) out.set(b, off), off += b.length;
        const now = performance.now();
        for (const i of ids) sentAt[i] = now;
        await writeAll(conn, out);
      }
      while (acked < mine) await new Promise((r) => setTimeout(r, 5));
      void reader;
    })());
  }
  await Promise.all(pushers);
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 60000));
  const settled = await Promise.race([done, timeout]);
  if (settled === "timeout") await new Promise((r) => setTimeout(r, 1000));

  let leftover = 0;
  for (let i = 0; i < load.waiters; i++) {
    leftover += Number(await call(["LLEN", key(i)]));
  }
  for (const c of [...waiters, ...pushConns]) c.close();
  await Promise.all(readers);
  admin.close();
  await adminReader;

  let lost = 0;
  for (let i = 0; i < load.pushes; i++) if (popped[i] === 0) lost++;
  const sorted = latencies.slice(0, served).sort();
  return {
    served,
    doubled,
    lost,
    leftover,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : NaN,
    rate: served / ((lastPop - firstSend) / 1000),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

async function measure(srv: BenchServer, load: BlockingLoad): Promise<BlockingResult> {
  try {
    return await runBlocking(srv.port, load);
  } finally {
    await srv.stop();
  }
}

/** The benchmark rows: p99 and p50 wake-up latency, pushes served per second, correctness. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const load: BlockingLoad = {
    waiters: 1000,
    pushers: 4,
    pushes: ctx.quick ? 20000 : 100000,
    batch: 100,
  };
  const redisSrv = await startRedis();
  if (!redisSrv) return [];
  ctx.progress(`redis-server: ${load.waiters} waiters, ${load.pushes} pushes`);
  const r = await measure(redisSrv, load);
  ctx.progress(`tokserver: ${load.waiters} waiters, ${load.pushes} pushes`);
  const t = await measure(await startTokserver(["redis"]), load);
  const check = (x: BlockingResult) =>
    x.served === load.pushes && x.doubled === 0 && x.lost === 0 && x.leftover === 0
      ? "each served once"
      : `served ${x.served}, doubled ${x.doubled}, lost ${x.lost}, left ${x.leftover}`;
  const label = `BLPOP ${load.waiters} waiters, ${load.pushes / 1000}k RPUSH from ${load.pushers}`;
  const note = `redis: ${check(r)}; tokserver: ${check(t)}`;
  return [
    {
      measure: `${label}: wake-up p99`,
      unit: "ms",
      redis: round(r.p99),
      tokserver: round(t.p99),
      ratio: ratio(t.p99, r.p99),
      lowerIsBetter: true,
      note,
    },
    {
      measure: `${label}: wake-up p50`,
      unit: "ms",
      redis: round(r.p50),
      tokserver: round(t.p50),
      ratio: ratio(t.p50, r.p50),
      lowerIsBetter: true,
    },
    {
      measure: `${label}: served`,
      unit: "pops/s",
      redis: Math.round(r.rate),
      tokserver: Math.round(t.rate),
      ratio: ratio(t.rate, r.rate),
    },
  ];
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  console.log(await bench({ quick, progress: (m) => console.error(`.. ${m}`) }));
}
