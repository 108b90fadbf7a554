// Shared pieces of `deno task bench`: what a benchmark module receives and returns, and how the
// servers under test are started. Each bench/<area>.ts exports `bench(ctx)`; bench/main.ts runs
// them all against one redis-server and one tokserver and prints the table.

/** What each benchmark module gets. */
export interface BenchContext {
  /** A short run (CI smoke, about a minute in all). */
  quick: boolean;
  /** Prints one progress line on stderr. */
  progress(msg: string): void;
}

/** One row of the results table. */
export interface BenchRow {
  /** What was measured, e.g. `SET -c 50 -P 1`. */
  measure: string;
  /** Unit of the figures, e.g. `req/s`, `deliveries/s`, `bytes/conn`, `ms p99`. */
  unit: string;
  redis: number | null;
  tokserver: number | null;
  /** tokserver / redis, or redis / tokserver where lower is better (see `lowerIsBetter`). */
  ratio: number | null;
  /** The goal for the ratio, e.g. 1.0, when the issue sets one. */
  target?: number;
  lowerIsBetter?: boolean;
  note?: string;
}

/** Ratio where higher tokserver figures are better. */
export function ratio(tok: number | null, redis: number | null): number | null {
  return tok === null || redis === null || redis === 0 ? null : tok / redis;
}
function fmt(n: number | null): string {
  if (n === null) return "-";
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  return String(Math.round(n * 1000) / 1000);
}

function verdict(r: BenchRow): string {
  if (r.ratio === null || r.target === undefined) return "";
  const ok = r.lowerIsBetter ? r.ratio <= r.target : r.ratio >= r.target;
  return `${ok ? "met" : "MISSED"} (${r.lowerIsBetter ? "<=" : ">="} ${r.target})`;
}

/** Prints the results as an aligned table. */
export function table(rows: BenchRow[]): string {
  const head = ["measure", "unit", "redis", "tokserver", "ratio", "target", "note"];
  const body = rows.map((r) => [
    r.measure,
    r.unit,
    fmt(r.redis),
    fmt(r.tokserver),
    r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`,
    verdict(r),
    r.note ?? "",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** The median of some figures (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Runs `fn` on each server `rounds` times, the servers alternating within each round so drift in
 * background load hits them alike; returns every server's figures in order.
 */
export async function alternate<S, T>(
  servers: S[],
  rounds: number,
  fn: (s: S) => Promise<T>,
): Promise<T[][]> {
  const results: T[][] = servers.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of servers.entries()) results[i]!.push(await fn(s));
  }
  return results;
}

const dec = new TextDecoder();

/** Runs a command to completion (killed after `timeoutMs`) and returns stdout then stderr. */
export async function output(cmd: string, args: string[], timeoutMs = 300_000): Promise<string> {
  const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .spawn();
  const t = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }, timeoutMs);
  const out = await child.output();
  clearTimeout(t);
  return dec.decode(out.stdout) + dec.decode(out.stderr);
}

/** Runs a module's bench() alone (`deno run -A bench/<name>.ts [--quick]`) and prints its table. */
export async function runAlone(bench: (ctx: BenchContext) => Promise<BenchRow[]>): Promise<void> {
  const started = performance.now();
  const rows = await bench({
    quick: Deno.args.includes("--quick"),
    progress: (m) =>
      console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${m}`),
  });
  console.log(table(rows));
}

/** The row a module returns when a tool it needs (redis-benchmark, ...) is not installed. */
export function notInstalled(measure: string, tool: string): BenchRow[] {
  return [{
    measure,
    unit: "req/s",
    redis: null,
    tokserver: null,
    ratio: null,
    note: `${tool} not installed`,
  }];
}

/** Requests per second by test name, from `redis-benchmark --csv` output. */
export function parseCsv(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = line.match(/^"([^"]+)","([\d.]+)"/);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}
