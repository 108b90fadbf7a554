// WebSocket fan-out of `tokserver chat --web`: 1,000 WebSocket receivers (what browsers on the
// chat page are) against 1,000 telnet receivers of the same server, one telnet sender writing
// as fast as its socket takes bytes (no window of messages in flight). Each receiver counts the
// bytes delivered to it; the result is deliveries per second (messages x receivers / time until
// the last receiver has them all) and what was dropped (`*** lagged` notices and shortfalls).
// `deno run -A bench/ws_fanout.ts [--quick]` runs it alone.

import type { BenchContext, BenchRow } from "./_lib.ts";
import { MAIN, serverFlags, TextSink } from "../tests/_util.ts";

const enc = new TextEncoder();
const PAYLOAD = "fanout-0123456789abcdef-01234567";
/** Bytes one message takes on a receiver's side (text and CRLF). */
const FRAME = PAYLOAD.length + 2;
const BATCH = enc.encode(`${PAYLOAD}\n`.repeat(64));
const PER_BATCH = 64;
/** How long receivers may go without a byte before what they lack counts as dropped. */
const SETTLE_MS = 5000;
const RECEIVERS = 1000;

/** Counts message bytes in one received chunk, taking out a leading lag notice. */
class Count {
  bytes = 0;
  dropped = 0;
  add(chunk: Uint8Array): void {
    let from = 0;
    if (chunk[0] === 42 /* * */) {
      const lf = chunk.indexOf(10);
      const m = new TextDecoder().decode(chunk.subarray(0, lf)).match(/lagged: (\d+)/);
      if (m) this.dropped += Number(m[1]);
      from = lf + 1;
    }
    this.bytes += chunk.length - from;
  }
}

async function connectWs(port: number, count: Count): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (e) => count.add(new Uint8Array(e.data as ArrayBuffer));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("WebSocket failed"));
  });
  return ws;
}

async function connectTcp(port: number, count: Count): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  (async () => {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        count.add(buf.subarray(0, n));
      }
    } catch {
      // closed at the end
    }
  })();
  return conn;
}

/** Resolves once `done()` holds, or false once no receiver got a byte for SETTLE_MS. */
async function settle(counts: Count[], done: () => boolean): Promise<boolean> {
  let last = -1, lastChange = performance.now();
  while (!done()) {
    const now = counts.reduce((n, c) => n + c.bytes, 0);
    if (now !== last) {
      last = now;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > SETTLE_MS) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

interface Rate {
  perSecond: number;
  dropped: number;
}

async function measure(kind: "ws" | "tcp", seconds: number): Promise<Rate | string> {
  const [run, ...flags] = serverFlags();
  const child = new Deno.Command(Deno.execPath(), {
    args: [run!, ...flags, MAIN, "chat", "--mode", "complete", "--port", "0", "--web", "0"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const err = new TextSink(child.stderr);
  const socks: Array<WebSocket | Deno.TcpConn> = [];
  try {
    const m = await err.waitFor(/listening on .*:(\d+)[\s\S]*web page on http:\/\/[^ ]*:(\d+)\//);
    const port = Number(m[1]), web = Number(m[2]);
    const counts = Array.from({ length: RECEIVERS }, () => new Count());
    for (let i = 0; i < RECEIVERS; i += 50) {
      socks.push(
        ...await Promise.all(
          counts.slice(i, i + 50).map((c) =>
            kind === "ws" ? connectWs(web, c) : connectTcp(port, c)
          ),
        ),
      );
    }
    const sender = await Deno.connect({ hostname: "127.0.0.1", port });
    socks.push(sender);
    // Warm-up: one batch that every receiver gets, so every one is in the hub.
    await err.waitFor(new RegExp(`\\(${RECEIVERS + 1} connected\\)`), 30000);
    await sender.write(BATCH);
    if (!await settle(counts, () => counts.every((c) => c.bytes >= PER_BATCH * FRAME))) {
      return "warm-up lines did not arrive";
    }
    for (const c of counts) c.bytes = c.dropped = 0;
    const started = performance.now(), until = started + seconds * 1000;
    let batches = 0;
    while (performance.now() < until) {
      let off = 0;
      while (off < BATCH.length) off += await sender.write(BATCH.subarray(off));
      batches++;
    }
    const want = batches * PER_BATCH * FRAME;
    const whole = await settle(
      counts,
      () => counts.every((c) => c.bytes + c.dropped * FRAME >= want),
    );
    const ms = performance.now() - started - (whole ? 0 : SETTLE_MS);
    const got = counts.reduce((n, c) => n + c.bytes / FRAME, 0);
    return { perSecond: got / (ms / 1000), dropped: batches * PER_BATCH * RECEIVERS - got };
  } finally {
    for (const s of socks) {
      try {
        s.close();
      } catch {
        // gone
      }
    }
    try {
      child.kill("SIGTERM");
    } catch {
      // gone
    }
    await child.status;
    await err.done;
  }
}

/** The rows: deliveries/s to 1,000 WebSocket receivers, beside 1,000 telnet ones. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const seconds = ctx.quick ? 2 : 5;
  const rows: BenchRow[] = [];
  const rates: Record<string, Rate | string> = {};
  for (const kind of ["tcp", "ws"] as const) {
    ctx.progress(`${RECEIVERS} ${kind === "ws" ? "WebSocket" : "telnet"} receivers, ${seconds} s`);
    rates[kind] = await measure(kind, seconds);
  }
  const tcp = rates.tcp!, ws = rates.ws!;
  const fig = (r: Rate | string) => typeof r === "string" ? null : Math.round(r.perSecond);
  const note = (r: Rate | string) =>
    typeof r === "string" ? `failed: ${r}` : `${r.dropped.toLocaleString("en-US")} dropped`;
  rows.push({
    measure: `chat fan-out to ${RECEIVERS} telnet receivers`,
    unit: "deliveries/s",
    redis: null,
    tokserver: fig(tcp),
    ratio: null,
    note: note(tcp),
  });
  const t = fig(tcp), w = fig(ws);
  rows.push({
    measure: `chat fan-out to ${RECEIVERS} WebSocket receivers`,
    unit: "deliveries/s",
    redis: null,
    tokserver: w,
    ratio: null,
    note: `${note(ws)}${t && w ? `; ${(w / t).toFixed(2)}x the telnet figure` : ""}`,
  });
  return rows;
}

if (import.meta.main) {
  const { table } = await import("./_lib.ts");
  const rows = await bench({
    quick: Deno.args.includes("--quick"),
    progress: (m) => console.error(m),
  });
  console.log(table(rows));
}
