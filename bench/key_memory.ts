// Memory per key: 1,000,000 keys of one type (100,000 with --quick) loaded into a fresh
// redis-server and a fresh tokserver, the growth divided by the keys, measured two ways on both:
// resident set size (what the machine pays) and INFO used_memory (what each server counts; Redis's
// allocator figure, tokserver's V8 heap plus external buffers). Types: a 16-byte string, a hash /
// set / list / sorted set of 5 small elements, a stream of 10 entries. A type the server answers
// with an error is reported "unsupported". Target: tokserver at most 1.5x Redis.

import { type BenchContext, type BenchRow, ratio, runAlone } from "./_lib.ts";
import { type BenchServer, rss, startRedis, startTokserver, usedMemory } from "./_servers.ts";
import { type Client, connect } from "../src/client/client.ts";
import { which } from "../tests/_util.ts";

/** A key type and the commands that build key number `i`. */
interface KeyType {
  name: string;
  /** How many keys to load (streams are 10 commands a key). */
  share?: number;
  commands(i: number): string[][];
}

const VALUE16 = "v".repeat(12);

const TYPES: KeyType[] = [
  { name: "string (16 bytes)", commands: (i) => [["SET", `s:${i}`, `${VALUE16}${i % 10000}`]] },
  {
    name: "hash (5 fields)",
    commands: (
      i,
    ) => [["HSET", `h:${i}`, "f1", "v1", "f2", "v2", "f3", "v3", "f4", "v4", "f5", `${i}`]],
  },
  {
    name: "set (5 members)",
    commands: (i) => [["SADD", `t:${i}`, "m1", "m2", "m3", "m4", `m${i}`]],
  },
  {
    name: "list (5 elements)",
    commands: (i) => [["RPUSH", `l:${i}`, "e1", "e2", "e3", "e4", `${i}`]],
  },
  {
    name: "sorted set (5 members)",
    commands: (i) => [["ZADD", `z:${i}`, "1", "m1", "2", "m2", "3", "m3", "4", "m4", "5", `${i}`]],
  },
  {
    name: "stream (10 entries)",
    commands: (i) =>
      Array.from({ length: 10 }, (_, j) => ["XADD", `x:${i}`, `1-${j + 1}`, "f", "v"]),
  },
];

/** What one server holds before or after a load. */
interface Sample {
  rss: number;
  used: number;
}

/**
 * RSS once no client has been connected for 1.5 s (tokserver collects its garbage after a second
 * without clients, so a past burst's garbage is not counted), then used_memory.
 */
async function sample(s: BenchServer): Promise<Sample> {
  await new Promise((r) => setTimeout(r, 1500));
  const resident = rss(s.pid);
  return { rss: resident, used: await usedMemory(s.port) };
}

/** Sends every key's commands, 2,000 in flight; false if the server answers with an error. */
async function fill(c: Client, type: KeyType, n: number): Promise<boolean> {
  try {
    await c.send(...(type.commands(n)[0]! as [string, ...string[]]));
  } catch {
    return false;
  }
  await c.send("DEL", type.commands(n)[0]![1]!);
  for (let i = 0; i < n; i += 2000) {
    const calls: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + 2000); j++) {
      for (const cmd of type.commands(j)) calls.push(c.send(...(cmd as [string, ...string[]])));
    }
    await Promise.all(calls);
  }
  return true;
}

/** Bytes per key (RSS, used_memory) on a fresh server, or undefined when unsupported. */
async function perKey(
  start: () => Promise<BenchServer>,
  type: KeyType,
  n: number,
): Promise<Sample | undefined> {
  const s = await start();
  try {
    const before = await sample(s);
    const c = await connect({ port: s.port });
    const ok = await fill(c, type, n).finally(() => c.close());
    if (!ok) return undefined;
    const after = await sample(s);
    return { rss: (after.rss - before.rss) / n, used: (after.used - before.used) / n };
  } finally {
    await s.stop();
  }
}

/** The benchmark module: bytes per key of each type, RSS and used_memory, beside redis-server. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!which("redis-server")) return [];
  const n = ctx.quick ? 100_000 : 1_000_000;
  const rows: BenchRow[] = [];
  // BENCH_TYPES=hash,list narrows the run (the first word of each type's name).
  const only = Deno.env.get("BENCH_TYPES")?.split(",");
  for (const type of TYPES) {
    if (only !== undefined && !only.includes(type.name.split(" ")[0]!)) continue;
    ctx.progress(`memory for ${n.toLocaleString("en-US")} keys: ${type.name}`);
    const r = await perKey(async () => (await startRedis())!, type, n);
    const t = await perKey(() => startTokserver(["redis"]), type, n);
    for (const how of ["rss", "used"] as const) {
      const measure = `memory per key, ${type.name}, ${how === "rss" ? "RSS" : "used_memory"}`;
      const rv = r?.[how] ?? null, tv = t?.[how] ?? null;
      rows.push({
        measure,
        unit: "bytes/key",
        redis: rv,
        tokserver: tv,
        ratio: ratio(tv, rv),
        target: t === undefined ? undefined : 1.5,
        lowerIsBetter: true,
        note: t === undefined ? "unsupported" : `${n.toLocaleString("en-US")} keys`,
      });
    }
  }
  return rows;
}

if (import.meta.main) await runAlone(bench);
