// Chat fan-out against Redis pub/sub fan-out, measured by one tool: N raw TCP receivers count the
// bytes delivered to them (every message has the same size, so bytes / frame = messages) while one
// sender writes as fast as its socket takes bytes, with no window of in-flight messages: keeping
// up is the server's job (Redis buffers for its subscribers; the chat holds the sender's reads
// while a reader is behind). Both servers get the same load; the result is deliveries per second
// (messages x receivers / time until the last receiver has them all), and the messages the tool
// counts as dropped (a chat `*** lagged` notice, or a receiver short of what was sent). The
// `tokserver redis` PUBLISH rows are loaded the same way.
// `deno run -A bench/fanout.ts [--quick]` runs it alone.

import { type BenchContext, type BenchRow, ratio } from "./_lib.ts";
import { freePort, MAIN, serverFlags, TextSink, which } from "../tests/_util.ts";

const enc = new TextEncoder();

/** The message every sender publishes (32 bytes). */
const PAYLOAD = "fanout-0123456789abcdef-01234567";
const CHANNEL = "chat";
/** Messages per sender write. */
const BATCH = 64;
/**
 * An in-flight window for the PUBLISH rows (batches of 64 messages until the slowest receiver
 * has them), for experiments only: FANOUT_WINDOW=16 is how these rows were once measured. By
 * default there is none, as users load a server.
 */
const PUBLISH_WINDOW = Number(Deno.env.get("FANOUT_WINDOW") ?? Infinity);
/** How long receivers may go without a byte before what they lack counts as dropped. */
const SETTLE_MS = 5000;
/** What a Redis subscriber receives first: the reply to SUBSCRIBE chat. */
const SUBSCRIBED = `*3\r\n$9\r\nsubscribe\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n:1\r\n`;

/** How to talk to one kind of server. */
interface Protocol {
  /** Whether the server reports drops in band (chat: one `*** lagged: N ...` line). */
  notices?: boolean;
  /** Bytes one delivered message takes on a receiver's socket. */
  frame: number;
  /** One sender write: BATCH messages. */
  batch: Uint8Array;
  /** Sent by each receiver after connecting. */
  hello?: Uint8Array;
  /** The exact bytes a receiver gets before the first message. */
  preamble: Uint8Array;
}

const CHAT: Protocol = {
  notices: true,
  frame: PAYLOAD.length + 2,
  batch: enc.encode(`${PAYLOAD}\n`.repeat(BATCH)),
  preamble: new Uint8Array(0),
};

const RESP: Protocol = {
  frame: enc.encode(
    `*3\r\n$7\r\nmessage\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${PAYLOAD.length}\r\n${PAYLOAD}\r\n`,
  ).length,
  batch: enc.encode(
    `*3\r\n$7\r\nPUBLISH\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${PAYLOAD.length}\r\n${PAYLOAD}\r\n`
      .repeat(BATCH),
  ),
  hello: enc.encode(`*2\r\n$9\r\nSUBSCRIBE\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n`),
  preamble: enc.encode(SUBSCRIBED),
};

/** A server process under measurement. */
interface Served {
  port: number;
  pid: number;
  stderr: TextSink;
  stop(): Promise<void>;
}

function spawn(
  cmd: string,
  args: string[],
): { child: Deno.ChildProcess; out: TextSink; err: TextSink } {
  const child = new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  return { child, out: new TextSink(child.stdout), err: new TextSink(child.stderr) };
}

function stopper(p: ReturnType<typeof spawn>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () =>
    done ??= (async () => {
      try {
        p.child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const t = setTimeout(() => {
        try {
          p.child.kill("SIGKILL");
        } catch {
          // gone
        }
      }, 5000);
      await p.child.status;
      clearTimeout(t);
      await Promise.all([p.out.done, p.err.done]);
    })();
}

/** `tokserver <args> --port 0`, not quiet: the bench waits for its per-client log lines. */
async function startTokserver(args: string[]): Promise<Served | string> {
  // FANOUT_DENO_FLAGS adds flags for the servers, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extra = Deno.env.get("FANOUT_DENO_FLAGS")?.split(" ").filter(Boolean) ?? [];
  const [run, ...flags] = serverFlags();
  const p = spawn(Deno.execPath(), [run!, ...extra, ...flags, MAIN, ...args, "--port", "0"]);
  const stop = stopper(p);
  try {
    const m = await Promise.race([
      p.err.waitFor(/listening on .*:(\d+)/, 15000),
      p.child.status.then(() => null),
    ]);
    if (!m) {
      await stop();
      return p.err.text.trim().split("\n").pop() ?? "exited";
    }
    return { port: Number(m[1]), pid: p.child.pid, stderr: p.err, stop };
  } catch (err) {
    await stop();
    return err instanceof Error ? err.message.split("\n")[0]! : String(err);
  }
}

async function startRedisServer(): Promise<Served | string> {
  const bin = which("redis-server");
  if (!bin) return "redis-server not installed";
  const port = freePort();
  const p = spawn(bin, [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--maxclients",
    "20000",
  ]);
  const stop = stopper(p);
  try {
    await p.out.waitFor(/Ready to accept connections/, 10000);
  } catch {
    await stop();
    return "redis-server did not start";
  }
  return { port, pid: p.child.pid, stderr: p.err, stop };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/** The shared counters of one measurement phase. */
class Phase {
  /** reached[k]: receivers that have all of batch k. */
  readonly reached: Int32Array;
  waitingFor = -1;
  wake?: () => void;
  lastDelivery = 0;
  constructor(readonly receivers: number, maxBatches: number) {
    this.reached = new Int32Array(maxBatches);
  }
}

/** One receiver: counts the bytes after its preamble (lag notices apart). */
class Receiver {
  /** Message bytes received (lag notices not counted). */
  bytes = 0;
  batches = 0;
  /** Lag notices received, and the messages they say were dropped. */
  notices = 0;
  noticed = 0;
  /** The start of a notice cut by the end of a read. */
  #notice = "";
  phase?: Phase;
  readonly ready: Promise<void>;
  readonly done: Promise<void>;
  #ready!: () => void;
  #readyFail!: (e: Error) => void;

  constructor(readonly conn: Deno.TcpConn, readonly proto: Protocol) {
    this.ready = new Promise((res, rej) => {
      this.#ready = res;
      this.#readyFail = rej;
    });
    this.ready.catch(() => {});
    this.done = this.#loop();
  }

  async #loop(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    const pre = this.proto.preamble;
    let preGot = 0;
    if (pre.length === 0) this.#ready();
    try {
      while (true) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        let from = 0;
        if (preGot < pre.length) {
          const take = Math.min(n, pre.length - preGot);
          for (let i = 0; i < take; i++) {
            if (buf[i] !== pre[preGot + i]) {
              const got = new TextDecoder().decode(buf.subarray(0, Math.min(n, 80)));
              throw new Error(`unexpected reply ${JSON.stringify(got)}`);
            }
          }
          preGot += take;
          from = take;
          if (preGot === pre.length) this.#ready();
        }
        this.#count(this.proto.notices ? this.#notices(buf, from, n) : n - from);
      }
      this.#readyFail(new Error("connection closed"));
    } catch (err) {
      this.#readyFail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Takes the lag notices out of `buf[from, to)`; returns how many message bytes are left. */
  #notices(buf: Uint8Array, from: number, to: number): number {
    let bytes = to - from, i = from;
    if (this.#notice !== "") {
      const lf = buf.indexOf(10, i);
      const end = lf === -1 || lf >= to ? to : lf + 1;
      this.#notice += new TextDecoder().decode(buf.subarray(i, end));
      bytes -= end - i;
      i = end;
      if (this.#notice.endsWith("\n")) this.#noticeDone();
    }
    for (let star = buf.indexOf(42, i); star !== -1 && star < to; star = buf.indexOf(42, i)) {
      const lf = buf.indexOf(10, star);
      const end = lf === -1 || lf >= to ? to : lf + 1;
      this.#notice = new TextDecoder().decode(buf.subarray(star, end));
      bytes -= end - star;
      i = end;
      if (this.#notice.endsWith("\n")) this.#noticeDone();
    }
    return bytes;
  }

  #noticeDone(): void {
    const m = this.#notice.match(/^\*\*\* lagged: (\d+) messages dropped/);
    this.notices++;
    if (m) this.noticed += Number(m[1]);
    this.#notice = "";
  }

  #count(n: number): void {
    if (n === 0) return;
    this.bytes += n;
    const phase = this.phase;
    if (!phase) return;
    const batches = Math.floor(this.bytes / this.proto.frame / BATCH);
    const reached = phase.reached;
    while (this.batches < batches) {
      const k = this.batches++;
      if (++reached[k]! === phase.receivers && k >= phase.waitingFor) {
        phase.lastDelivery = performance.now();
        phase.wake?.();
      }
    }
  }
}

/**
 * Waits until every receiver has batch `k`, or until no receiver has had a byte for `ms`
 * (then what they lack was dropped); returns whether they all have it.
 */
async function allHave(phase: Phase, k: number, receivers: Receiver[], ms: number) {
  let total = -1;
  while (phase.reached[k]! < phase.receivers) {
    const now = receivers.reduce((n, r) => n + r.bytes + r.notices, 0);
    if (now === total) return false;
    total = now;
    phase.waitingFor = k;
    let t: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((r) => {
      phase.wake = r;
      t = setTimeout(r, ms);
    });
    clearTimeout(t);
    phase.wake = undefined;
  }
  return true;
}

/** CPU seconds (user + system) a process has used so far (Linux /proc), or NaN. */
function cpuSeconds(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/** What one phase measured. */
interface Rate {
  perSecond: number;
  /** Messages some receiver did not get (counted by the tool), and lag notices received. */
  dropped: number;
  notices: number;
  /** CPU use of the server and of this measuring process during the phase (1 = one core). */
  serverCpu: number;
  toolCpu: number;
}

/**
 * Sends for `seconds` as fast as the sender's socket takes the bytes (or, with a `window` of
 * batches, no further ahead of the slowest receiver), then waits for the receivers to have
 * everything; returns deliveries per second and what was dropped.
 */
async function runPhase(
  sender: Deno.TcpConn,
  receivers: Receiver[],
  proto: Protocol,
  seconds: number,
  pid: number,
  window: number,
): Promise<Rate> {
  const cpu0 = cpuSeconds(pid), tool0 = cpuSeconds("self");
  const phase = new Phase(receivers.length, 1 << 22);
  for (const r of receivers) {
    r.bytes = 0;
    r.batches = 0;
    r.notices = 0;
    r.noticed = 0;
    r.phase = phase;
  }
  const started = performance.now();
  const until = started + seconds * 1000;
  let b = 0;
  while (performance.now() < until) {
    if (b >= window && !await allHave(phase, b - window, receivers, SETTLE_MS)) break;
    await writeAll(sender, proto.batch);
    b++;
  }
  const whole = await allHave(phase, b - 1, receivers, SETTLE_MS);
  const ms = (whole ? phase.lastDelivery : performance.now() - SETTLE_MS) - started;
  const want = b * BATCH;
  let dropped = 0, notices = 0;
  for (const r of receivers) {
    r.phase = undefined;
    const got = r.bytes / proto.frame;
    if (!Number.isInteger(got) || got > want) {
      throw new Error(`a receiver got ${r.bytes} message bytes for ${want} messages`);
    }
    dropped += want - got;
    notices += r.notices;
  }
  const wall = (performance.now() - started) / 1000;
  return {
    perSecond: (want * receivers.length - dropped) / (ms / 1000),
    dropped,
    notices,
    serverCpu: (cpuSeconds(pid) - cpu0) / wall,
    toolCpu: (cpuSeconds("self") - tool0) / wall,
  };
}

/** Drains what a sender receives (PUBLISH replies), so its socket never fills. */
async function discard(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    while (await conn.read(buf) !== null) {
      // replies are not checked; the receivers' byte counts are
    }
  } catch {
    // closed at the end
  }
}

/**
 * Connects `n` receivers and a sender to `srv`, warms up, then measures `seconds` of fan-out
 * (`window`: batches in flight at most; Infinity for none). `registered(n)` resolves when the
 * server has all `n` connections in place.
 */
async function measure(
  srv: Served,
  proto: Protocol,
  n: number,
  seconds: number,
  registered: (n: number) => Promise<void>,
  window: number,
): Promise<Rate> {
  const receivers: Receiver[] = [];
  let sender: Deno.TcpConn | undefined;
  try {
    for (let i = 0; i < n; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
      receivers.push(new Receiver(conn, proto));
      if (proto.hello) await writeAll(conn, proto.hello);
    }
    await Promise.all(receivers.map((r) => r.ready));
    sender = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
    sender.setNoDelay(true);
    await registered(n + 1);
    const draining = discard(sender);
    const warmUp = Math.min(1, seconds / 2);
    await runPhase(sender, receivers, proto, warmUp, srv.pid, window);
    const rate = await runPhase(sender, receivers, proto, seconds, srv.pid, window);
    sender.close();
    sender = undefined;
    await draining;
    return rate;
  } finally {
    sender?.close();
    for (const r of receivers) {
      try {
        r.conn.close();
      } catch {
        // closed
      }
    }
    await Promise.all(receivers.map((r) => r.done));
  }
}

const none = () => Promise.resolve();

/**
 * FANOUT_ONLY=chat or =redis measures one side of the chat rows only (for profiling);
 * FANOUT_ONLY=publish runs the `tokserver redis` PUBLISH rows alone.
 */
const ONLY = Deno.env.get("FANOUT_ONLY");
/** FANOUT_ROUNDS=n overrides the rounds per row (1 with --quick, else 3). */
const ROUNDS = Number(Deno.env.get("FANOUT_ROUNDS") ?? 0);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median rate of several rounds, and the CPU figures of the median round. */
function summary(rates: Rate[]): Rate | null {
  if (rates.length === 0) return null;
  const m = median(rates.map((r) => r.perSecond));
  return rates.reduce((a, b) => Math.abs(b.perSecond - m) < Math.abs(a.perSecond - m) ? b : a);
}

function cpuNote(name: string, r: Rate | null): string {
  return r ? `${name} cpu ${r.serverCpu.toFixed(2)}/tool ${r.toolCpu.toFixed(2)}` : "";
}

/** What every round of a side dropped, as counted by the tool. */
function dropNote(name: string, rates: Rate[]): string {
  if (rates.length === 0) return "";
  const dropped = rates.reduce((n, r) => n + r.dropped, 0);
  const notices = rates.reduce((n, r) => n + r.notices, 0);
  return `${name} dropped ${dropped}` + (notices > 0 ? ` (${notices} lag notices)` : "");
}

/**
 * The fan-out rows: chat `complete` vs Redis pub/sub with 100 and 1000 receivers, then
 * `tokserver redis` PUBLISH vs redis-server (skipped while `tokserver redis` cannot serve it).
 * Rounds alternate between the servers so that drift on a shared machine hits both alike.
 */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const seconds = ctx.quick ? 1.5 : 4;
  const rounds = ROUNDS > 0 ? ROUNDS : ctx.quick ? 1 : 3;
  const sizes = [100, 1000];
  const rows: BenchRow[] = [];
  const redis = await startRedisServer();
  const chat = ONLY === "publish"
    ? "skipped (FANOUT_ONLY=publish)"
    : await startTokserver(["chat", "--mode", "complete", "--maxclients", "20000"]);
  const chatReady = (k: number) =>
    typeof chat === "string" ? none() : chat.stderr.waitFor(`(${k} connected)`, 30000).then(none);
  try {
    for (const n of ONLY === "publish" ? [] : sizes) {
      const redisRates: Rate[] = [], chatRates: Rate[] = [];
      for (let round = 0; round < rounds; round++) {
        if (typeof redis !== "string" && ONLY !== "chat") {
          ctx.progress(`redis-server PUBLISH to ${n} subscribers`);
          redisRates.push(await measure(redis, RESP, n, seconds, none, Infinity));
        }
        if (typeof chat !== "string" && ONLY !== "redis") {
          ctx.progress(`tokserver chat --mode complete, 1 sender to ${n} clients`);
          chatRates.push(await measure(chat, CHAT, n, seconds, chatReady, Infinity));
          // Wait until the server has seen every client of this round leave.
          await chat.stderr.waitFor(/\(0 connected\)\n(?![^]*\(\d+ connected)/, 30000);
        }
      }
      const r = summary(redisRates), c = summary(chatRates);
      const notes = [
        typeof redis === "string" ? redis : cpuNote("redis", r),
        typeof chat === "string" ? `chat: ${chat}` : cpuNote("chat", c),
        dropNote("redis", redisRates),
        dropNote("chat", chatRates),
      ];
      rows.push({
        measure: `chat fan-out, 1 sender -> ${n} clients (redis: PUBLISH -> ${n} subscribers)`,
        unit: "deliveries/s",
        redis: r?.perSecond ?? null,
        tokserver: c?.perSecond ?? null,
        ratio: ratio(c?.perSecond ?? null, r?.perSecond ?? null),
        target: 2,
        note: notes.filter(Boolean).join("; "),
      });
    }
  } finally {
    if (typeof chat !== "string") await chat.stop();
  }
  try {
    if (ONLY !== undefined && ONLY !== "publish") return rows;
    const tok = await startTokserver(["redis", "--maxclients", "20000"]);
    try {
      for (const n of sizes) {
        const tokRates: Rate[] = [], redisRates: Rate[] = [];
        let note: string | undefined;
        for (let round = 0; round < rounds && note === undefined; round++) {
          if (typeof tok === "string") {
            note = `tokserver redis: ${tok}`;
            break;
          }
          ctx.progress(`tokserver redis PUBLISH to ${n} subscribers`);
          try {
            tokRates.push(await measure(tok, RESP, n, seconds, none, PUBLISH_WINDOW));
          } catch (err) {
            note = `tokserver redis: ${err instanceof Error ? err.message : err}`.slice(0, 100);
            break;
          }
          if (typeof redis !== "string") {
            ctx.progress(`redis-server PUBLISH to ${n} subscribers`);
            redisRates.push(await measure(redis, RESP, n, seconds, none, PUBLISH_WINDOW));
          }
        }
        const t = summary(tokRates), r = summary(redisRates);
        rows.push({
          measure: `PUBLISH fan-out, 1 publisher -> ${n} subscribers`,
          unit: "deliveries/s",
          redis: r?.perSecond ?? null,
          tokserver: t?.perSecond ?? null,
          ratio: ratio(t?.perSecond ?? null, r?.perSecond ?? null),
          note: note ?? [
            cpuNote("redis", r),
            cpuNote("tokserver", t),
            dropNote("redis", redisRates),
            dropNote("tokserver", tokRates),
          ].filter(Boolean).join("; "),
        });
      }
    } finally {
      if (typeof tok !== "string") await tok.stop();
    }
  } finally {
    if (typeof redis !== "string") await redis.stop();
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
    console.log(
      `${r.measure}: redis ${f(r.redis)}, tokserver ${f(r.tokserver)} ${r.unit}` +
        (r.ratio === null ? "" : `, ratio ${r.ratio.toFixed(2)}x`) +
        (r.target ? ` (goal >= ${r.target}x)` : "") + (r.note ? ` [${r.note}]` : ""),
    );
  }
}
