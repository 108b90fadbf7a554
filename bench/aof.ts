// What durability costs: SET throughput (redis-benchmark, 50 clients, random keys) with no
// append-only file, and with one fsynced everysec, always and never (the OS decides), for
// tokserver and redis-server with the same settings in the same run, as ratios. Each server
// writes its file into a fresh temporary folder.

import { type BenchContext, type BenchRow, notInstalled, ratio } from "./_lib.ts";
import { type BenchServer, startRedis, startTokserver } from "./_servers.ts";
import { which } from "../tests/_util.ts";

interface Setting {
  label: string;
  /** Flags for both servers (the same spelling works for redis-server and tokserver). */
  flags: string[];
}

const SETTINGS: Setting[] = [
  { label: "appendonly no", flags: ["--appendonly", "no"] },
  { label: "appendfsync everysec", flags: ["--appendonly", "yes", "--appendfsync", "everysec"] },
  { label: "appendfsync always", flags: ["--appendonly", "yes", "--appendfsync", "always"] },
  { label: "appendfsync no", flags: ["--appendonly", "yes", "--appendfsync", "no"] },
];

/** SET requests per second measured by redis-benchmark, or null when it fails. */
async function setRps(port: number, n: number, clients: number): Promise<number | null> {
  const out = await new Deno.Command("redis-benchmark", {
    args: [
      "-p",
      String(port),
      "-t",
      "set",
      "-n",
      String(n),
      "-c",
      String(clients),
      "-r",
      "100000",
      "--csv",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const m = text.match(/^"SET","([\d.]+)"/m);
  return out.code === 0 && m ? Number(m[1]) : null;
}

async function measure(
  start: () => Promise<BenchServer | undefined>,
  n: number,
): Promise<number | null> {
  const srv = await start();
  if (srv === undefined) return null;
  try {
    // A short warm-up, so the JIT and the file are not measured cold.
    await setRps(srv.port, Math.min(5000, n), 50);
    return await setRps(srv.port, n, 50);
  } finally {
    await srv.stop();
  }
}

/** SET throughput per persistence setting, tokserver vs redis-server. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  if (which("redis-benchmark") === undefined) {
    return notInstalled("SET with an append-only file", "redis-benchmark");
  }
  const n = ctx.quick ? 20_000 : 200_000;
  const settings = ctx.quick ? SETTINGS.slice(0, 3) : SETTINGS;
  const rows: BenchRow[] = [];
  let baseRedis: number | null = null, baseTok: number | null = null;
  for (const s of settings) {
    const dir = await Deno.makeTempDir({ prefix: "tokserver-bench-aof-" });
    try {
      ctx.progress(`SET -c 50, ${s.label}`);
      const redis = await measure(
        () => startRedis([...s.flags, "--dir", dir, "--aof-use-rdb-preamble", "no"]),
        n,
      );
      const tok = await measure(() => startTokserver(["redis", ...s.flags, "--dir", dir]), n);
      if (s.flags[1] === "no") {
        baseRedis = redis;
        baseTok = tok;
      }
      const own = (x: number | null, base: number | null) => {
        const r = ratio(x, base);
        return r === null ? "-" : `${r.toFixed(2)}x`;
      };
      rows.push({
        measure: `SET -c 50 -n ${n}, ${s.label}`,
        unit: "req/s",
        redis,
        tokserver: tok,
        ratio: ratio(tok, redis),
        note: s.flags[1] === "no"
          ? "no append-only file"
          : `vs no file: tokserver ${own(tok, baseTok)}, redis ${own(redis, baseRedis)}`,
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  return rows;
}
