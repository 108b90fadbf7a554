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
