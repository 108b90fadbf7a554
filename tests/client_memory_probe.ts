// Run by client_memory.test.ts in its own process (with --v8-flags=--expose-gc): 100 concurrent
// GETs of a 5 MB value over one client whose callers keep only the length, then, with the client
// idle, a full collection; prints what the process holds before and after as one JSON line.

import { connect } from "../src/client/client.ts";

const port = Number(Deno.args[0]);
const calls = Number(Deno.args[1] ?? 100);
const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");

/** Collects garbage until the figures settle (ArrayBuffers are freed by a full collection). */
async function collect(): Promise<{ heapUsed: number; external: number; rss: number }> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = Deno.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, rss: m.rss };
}

const client = await connect({ port });
await client.ping();
const before = await collect();
const lengths = await Promise.all(
  Array.from({ length: calls }, () => client.get("big").then((v) => v?.length ?? -1)),
);
const peak = Deno.memoryUsage();
// The client is idle now: no command is sent until the figures are taken.
const after = await collect();
console.log(JSON.stringify({
  lengths: [...new Set(lengths)],
  before,
  peak: { heapUsed: peak.heapUsed, external: peak.external, rss: peak.rss },
  after,
  pending: client.pending,
}));
await client.close();
