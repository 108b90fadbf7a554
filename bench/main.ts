// `deno task bench`: measures tokserver against a local redis-server in the same run and prints
// one table of ratios (and writes bench/results.json). `--quick` is the short smoke run;
// `--only a,b` runs some modules. Each module lives in bench/<name>.ts and exports bench(ctx).

import { type BenchContext, type BenchRow, table } from "./_lib.ts";

/** The benchmark modules, in the order they run. */
const MODULES = [
  "redis_benchmark",
  "publish_fanout",
  "fanout",
  "client",
  "connections",
  "aof",
  "backplane",
  "ws_fanout",
  "zset_scale",
  "streams",
  "scripting",
  "blocking_pops",
  "startup",
  "key_memory",
  "bullmq",
];

interface BenchModule {
  bench(ctx: BenchContext): Promise<BenchRow[]>;
}

async function main(args: string[]): Promise<number> {
  const quick = args.includes("--quick");
  const onlyArg = args.find((a) => a.startsWith("--only="))?.slice(7) ??
    (args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined);
  const only = onlyArg?.split(",");
  const started = performance.now();
  const progress = (msg: string) => {
    const s = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
    console.error(`[${s}s] ${msg}`);
  };
  const rows: BenchRow[] = [];
  for (const name of MODULES) {
    if (only && !only.includes(name)) continue;
    const url = new URL(`./${name}.ts`, import.meta.url);
    try {
      Deno.statSync(url);
    } catch {
      continue; // not written yet
    }
    progress(`${name}${quick ? " (quick)" : ""}`);
    try {
      const mod = await import(url.href) as BenchModule;
      rows.push(...await mod.bench({ quick, progress: (m) => progress(`${name}: ${m}`) }));
    } catch (err) {
      rows.push({
        measure: name,
        unit: "",
        redis: null,
        tokserver: null,
        ratio: null,
        note: `failed: ${err instanceof Error ? err.message : err}`.slice(0, 120),
      });
    }
  }
  console.log(`\ntokserver vs redis-server, same machine, same run${quick ? " (quick)" : ""}\n`);
  console.log(table(rows));
  if (quick) {
    console.log(
      "\nquick run: smaller loads and fewer connections (1,000 idle, 2,000 held), where fixed costs" +
        "\nweigh more; the targets are judged on the full run.",
    );
  }
  const results = {
    date: new Date().toISOString(),
    quick,
    deno: Deno.version.deno,
    seconds: Math.round((performance.now() - started) / 1000),
    rows,
  };
  await Deno.writeTextFile(
    new URL("./results.json", import.meta.url),
    JSON.stringify(results, null, 2) + "\n",
  );
  console.log(`\n${results.seconds} s; results in bench/results.json`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
