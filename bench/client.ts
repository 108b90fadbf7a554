// The client's pipelining claim, measured: 100,000 GETs from 1,000 concurrent callers over ONE
// connection, this client against node-redis (npm `redis`, also one connection), both talking to
// the same local redis-server in the same run. Rounds alternate so drift hits both alike.

import { createClient } from "redis";
import { type BenchContext, type BenchRow, ratio } from "./_lib.ts";
import { startRedis } from "./_servers.ts";
import { connect } from "../src/client/client.ts";

const CALLERS = 1000;
const GETS = 100_000;
const KEY = "bench:client:key";
const VALUE = "0123456789abcdef0123456789abcdef";

/** GETs per second: `callers` tasks each awaiting `gets / callers` GETs one after another. */
async function measure(get: (key: string) => Promise<unknown>): Promise<number> {
  const each = GETS / CALLERS;
  let wrong = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CALLERS }, async () => {
    for (let i = 0; i < each; i++) {
      const v = await get(KEY);
      if (v === null || v === undefined) wrong++;
    }
  }));
  const ms = performance.now() - started;
  if (wrong > 0) throw new Error(`${wrong} GETs came back empty`);
  return GETS / ms * 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs the comparison against a fresh redis-server. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const srv = await startRedis();
  if (!srv) {
    return [{
      measure: `GET x${GETS}, ${CALLERS} callers, 1 conn`,
      unit: "GET/s",
      redis: null,
      tokserver: null,
      ratio: null,
      target: 1.2,
      note: "redis-server not installed",
    }];
  }
  const ours = await connect({ hostname: "127.0.0.1", port: srv.port });
  const theirs = createClient({ socket: { host: "127.0.0.1", port: srv.port } });
  try {
    await theirs.connect();
    await ours.set(KEY, VALUE);
    const rounds = ctx.quick ? 3 : 7;
    const oursRates: number[] = [], theirsRates: number[] = [];
    // Warm both up (JIT, buffers) before anything counts.
    await measure((k) => ours.get(k));
    await measure((k) => theirs.get(k));
    for (let r = 0; r < rounds; r++) {
      const first = r % 2 === 0;
      if (first) oursRates.push(await measure((k) => ours.get(k)));
      theirsRates.push(await measure((k) => theirs.get(k)));
      if (!first) oursRates.push(await measure((k) => ours.get(k)));
      ctx.progress(
        `round ${r + 1}/${rounds}: this client ${Math.round(oursRates.at(-1)!)} GET/s, ` +
          `node-redis ${Math.round(theirsRates.at(-1)!)} GET/s`,
      );
    }
    const a = median(oursRates), b = median(theirsRates);
    return [{
      measure: `GET x${GETS / 1000}k, ${CALLERS} callers, 1 conn`,
      unit: "GET/s",
      redis: b,
      tokserver: a,
      ratio: ratio(a, b),
      target: 1.2,
      note: `client vs node-redis (median of ${rounds}); "redis" column is node-redis`,
    }];
  } finally {
    await ours.close();
    await theirs.close().catch(() => {});
    await srv.stop();
  }
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const rows = await bench({ quick, progress: (m) => console.error(m) });
  for (const r of rows) {
    console.log(
      `${r.measure}: this client ${Math.round(r.tokserver ?? 0)} ${r.unit}, node-redis ` +
        `${Math.round(r.redis ?? 0)} ${r.unit}, ratio ${r.ratio?.toFixed(2) ?? "-"}x ` +
        `(goal >= ${r.target}x)`,
    );
  }
}
