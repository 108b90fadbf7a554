// Chat fan-out through the backplane: two `chat --mode complete` instances joined by Redis, 100
// raw TCP clients on each; one client on the first instance sends as fast as its socket takes the
// bytes, with no window of in-flight lines (the instances hold the sender's reads while readers or
// Redis are behind), and the other 199 count what they receive, every line or the run fails (99
// through the local hub, 100 through Redis and the second instance's hub). The result is
// deliveries per second; Redis has no equivalent, so the row compares with one instance serving
// all 200 clients, and is measured through redis-server and through `tokserver redis`.
// `deno run -A bench/backplane.ts [--quick]` runs it alone; BACKPLANE_WINDOW sets the window.

import type { BenchContext, BenchRow } from "./_lib.ts";
import { type BenchServer, startRedis, startTokserver } from "./_servers.ts";

const enc = new TextEncoder();

/** The line every sender write repeats (32 bytes; 34 with CRLF at the receivers). */
const PAYLOAD = "backplane-0123456789abcdef-01234";
const FRAME = PAYLOAD.length + 2;
/** Lines per sender write. */
const BATCH = 64;
/** Lines in flight at most: none by default (BACKPLANE_WINDOW sets one, e.g. for profiling). */
const WINDOW = Number(Deno.env.get("BACKPLANE_WINDOW") ?? Infinity);
/** Clients per instance (the sender among the first instance's). */
const PER_INSTANCE = 100;
const BATCH_BYTES = enc.encode(`${PAYLOAD}\n`.repeat(BATCH));

/** One receiving client: counts whole lines. */
class Receiver {
  bytes = 0;
  readonly done: Promise<void>;
  constructor(readonly conn: Deno.TcpConn, readonly onData: () => void) {
    this.done = this.#loop();
  }

  get lines(): number {
    return Math.floor(this.bytes / FRAME);
  }

  async #loop(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await this.conn.read(buf);
        if (n === null) return;
        this.bytes += n;
        this.onData();
      }
    } catch {
      // closed at the end
    }
  }
}

/** Receivers on some servers and a sender on the first; measures deliveries per second. */
export class FanOut {
  readonly receivers: Receiver[] = [];
  sender?: Deno.TcpConn;
  #wake?: () => void;
  readonly #onData = () => {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  };

  async connect(ports: number[], perServer: number): Promise<void> {
    for (const [i, port] of ports.entries()) {
      const n = i === 0 ? perServer - 1 : perServer;
      for (let k = 0; k < n; k++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        this.receivers.push(new Receiver(conn, this.#onData));
      }
    }
    this.sender = await Deno.connect({ hostname: "127.0.0.1", port: ports[0]! });
    this.sender.setNoDelay(true);
    this.#discard(this.sender);
  }

  async #discard(conn: Deno.Conn): Promise<void> {
    const buf = new Uint8Array(16 * 1024);
    try {
      while (await conn.read(buf) !== null) {
        // the sender receives nothing in complete mode
      }
    } catch {
      // closed
    }
  }

  #min(): number {
    let min = Infinity;
    for (const r of this.receivers) if (r.lines < min) min = r.lines;
    return min;
  }

  /** Waits until every receiver has `lines` lines, or throws after `ms` without progress. */
  async #allHave(lines: number, ms = 15000): Promise<void> {
    let last = this.#min();
    let since = performance.now();
    while (last < lines) {
      let t: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        this.#wake = r;
        t = setTimeout(r, 200);
      });
      clearTimeout(t);
      const now = this.#min();
      if (now > last) {
        last = now;
        since = performance.now();
      } else if (performance.now() - since > ms) {
        throw new Error(`stalled: the slowest receiver has ${last} of ${lines} lines`);
      }
    }
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.sender!.write(bytes.subarray(off));
  }

  /** Sends one batch at a time until every receiver has had one (all are subscribed). */
  async warmUp(): Promise<void> {
    for (let sent = BATCH;; sent += BATCH) {
      await this.#write(BATCH_BYTES);
      await new Promise((r) => setTimeout(r, 50));
      if (this.#min() > 0) break;
      if (sent > 200 * BATCH) throw new Error("receivers never got a line");
    }
    // Let the stragglers arrive, then count from here.
    let before = -1;
    while (before !== this.receivers.reduce((s, r) => s + r.bytes, 0)) {
      before = this.receivers.reduce((s, r) => s + r.bytes, 0);
      await new Promise((r) => setTimeout(r, 300));
    }
    for (const r of this.receivers) {
      if (r.bytes % FRAME !== 0) throw new Error("a receiver got a partial or foreign line");
      r.bytes = 0;
    }
  }

  /** Sends for `seconds` (within the window, if one is set); returns deliveries per second. */
  async measure(seconds: number): Promise<number> {
    for (const r of this.receivers) r.bytes = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    let sent = 0;
    while (performance.now() < until) {
      if (sent - this.#min() >= WINDOW) await this.#allHave(sent - WINDOW + BATCH);
      await this.#write(BATCH_BYTES);
      sent += BATCH;
    }
    await this.#allHave(sent);
    const elapsed = (performance.now() - started) / 1000;
    for (const r of this.receivers) {
      if (r.bytes !== sent * FRAME) {
        throw new Error(`a receiver got ${r.bytes} bytes, not ${sent * FRAME} (lines lost?)`);
      }
    }
    return sent * this.receivers.length / elapsed;
  }

  async close(): Promise<void> {
    try {
      this.sender?.close();
    } catch {
      // closed
    }
    for (const r of this.receivers) {
      try {
        r.conn.close();
      } catch {
        // closed
      }
    }
    await Promise.all(this.receivers.map((r) => r.done));
  }
}

/** CPU seconds (user + system) a process has used so far (Linux /proc), or NaN. */
function cpuSeconds(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** What `run` measured: deliveries per second and each process's CPU use (1 = one core). */
interface Result {
  rate: number;
  cpu: string;
}

/**
 * Median deliveries per second of `rounds` runs with clients spread over `servers`, and the CPU
 * use of the processes named in `pids` (and of this tool) over all rounds.
 */
async function run(
  servers: BenchServer[],
  pids: Array<[string, number]>,
  seconds: number,
  rounds: number,
): Promise<Result> {
  const rates: number[] = [];
  const f = new FanOut();
  const who: Array<[string, number | "self"]> = [...pids, ["tool", "self"]];
  let cpu = "";
  try {
    const ports = servers.map((s) => s.port);
    await f.connect(ports, ports.length === 1 ? 2 * PER_INSTANCE : PER_INSTANCE);
    await f.warmUp();
    const before = who.map(([, pid]) => cpuSeconds(pid));
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) rates.push(await f.measure(seconds));
    const wall = (performance.now() - t0) / 1000;
    cpu = who.map(([name, pid], i) =>
      `${name} ${((cpuSeconds(pid) - before[i]!) / wall).toFixed(2)}`
    )
      .join(", ");
  } finally {
    await f.close();
  }
  return { rate: median(rates), cpu };
}

const CHAT = ["chat", "--mode", "complete", "--maxclients", "20000"];

/** The rows: one instance with all 200 clients, then two joined by each Redis. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const seconds = ctx.quick ? 1.5 : 4;
  const rounds = ctx.quick ? 1 : 3;
  const rows: BenchRow[] = [];

  ctx.progress(`one instance, 1 sender -> ${2 * PER_INSTANCE - 1} clients`);
  const single = await startTokserver(CHAT);
  let alone: number | null = null;
  try {
    alone = (await run([single], [], seconds, rounds)).rate;
  } finally {
    await single.stop();
  }

  const backends: Array<[string, () => Promise<BenchServer | undefined>]> = [
    ["redis-server", () => startRedis()],
    ["tokserver redis", () => startTokserver(["redis", "--maxclients", "20000"])],
  ];
  for (const [name, start] of backends) {
    const measure = `chat fan-out through the backplane (${name}), 2 instances x ` +
      `${PER_INSTANCE} clients`;
    const redis = await start();
    if (!redis) {
      rows.push({ measure, unit: "deliveries/s", redis: null, tokserver: null, ratio: null });
      continue;
    }
    const servers: BenchServer[] = [];
    try {
      const bp = `redis://127.0.0.1:${redis.port}/bench`;
      for (let i = 0; i < 2; i++) servers.push(await startTokserver([...CHAT, "--backplane", bp]));
      ctx.progress(`2 instances over ${name}, 1 sender -> ${2 * PER_INSTANCE - 1} clients`);
      const pids: Array<[string, number]> = [
        ["A", servers[0]!.pid],
        ["B", servers[1]!.pid],
        [name === "redis-server" ? "redis" : "tok-redis", redis.pid],
      ];
      const { rate, cpu } = await run(servers, pids, seconds, rounds);
      rows.push({
        measure,
        unit: "deliveries/s",
        redis: null,
        tokserver: rate,
        ratio: null,
        note: `1 sender -> 99 local + 100 remote; one instance with all 200: ${
          alone === null ? "-" : Math.round(alone).toLocaleString("en-US")
        }/s (${alone ? (rate / alone).toFixed(2) : "-"}x); cpu ${cpu}`,
      });
    } catch (err) {
      rows.push({
        measure,
        unit: "deliveries/s",
        redis: null,
        tokserver: null,
        ratio: null,
        note: `failed: ${err instanceof Error ? err.message : err}`.slice(0, 120),
      });
    } finally {
      for (const s of servers) await s.stop();
      await redis.stop();
    }
  }
  return rows;
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const t0 = performance.now();
  const rows = await bench({
    quick,
    progress: (m) => console.error(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${m}`),
  });
  for (const r of rows) {
    const f = (x: number | null) => x === null ? "-" : Math.round(x).toLocaleString("en-US");
    console.log(`${r.measure}: ${f(r.tokserver)} ${r.unit}${r.note ? ` [${r.note}]` : ""}`);
  }
}
