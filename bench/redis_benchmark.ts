// redis-benchmark against tokserver redis and a local redis-server in the same run: PING, SET,
// GET, HSET, SADD, SPOP, LPUSH, RPUSH, LPOP, RPOP and LRANGE_100/300/600 with 50 clients, without
// pipelining and with -P 16, and PUBLISH fan-out to 100 and 1000 subscribers (deliveries per
// second until every subscriber has every message). Each figure is the better of the runs made (servers alternate, so background load hits both alike).
//
// `deno run -A bench/redis_benchmark.ts [--quick]` runs it alone. The same file, started with
// `--receivers N --port P --channel C --expect BYTES`, is the subscriber process of the fan-out.

import { type BenchContext, type BenchRow, ratio } from "./_lib.ts";
import { type BenchServer, startRedis, startTokserver } from "./_servers.ts";
import { which } from "../tests/_util.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Runs a command to completion and returns stdout (stderr appended). */
export async function output(cmd: string, args: string[], timeoutMs = 300_000): Promise<string> {
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).spawn();
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

/** Requests per second by test name, from `redis-benchmark --csv` output. */
export function parseCsv(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = line.match(/^"([^"]+)","([\d.]+)"/);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

async function redisBenchmark(
  port: number,
  pipeline: number,
  n: number,
): Promise<Map<string, number>> {
  const text = await output("redis-benchmark", [
    "-p",
    String(port),
    "-c",
    "50",
    "-t",
    "ping,set,get,hset,sadd,spop,zadd,zpopmin,lpush,rpush,lpop,rpop,lrange_100,lrange_300,lrange_600",
    "-n",
    String(n),
    "-P",
    String(pipeline),
    "--csv",
  ]);
  const rps = parseCsv(text);
  if (rps.size === 0) throw new Error(`redis-benchmark printed no results: ${text.slice(0, 200)}`);
  return rps;
}

const MESSAGE = "fanout-message-0123456789abcdef";
const CHANNEL = "bench";

/** Bytes one delivered message takes on a subscriber's socket. */
function frameLength(channel: string, message: string): number {
  const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
  return `*3\r\n${bulk("message")}${bulk(channel)}${bulk(message)}`.length;
}

/**
 * The fan-out subscriber process: N connections subscribe to the channel, "ready" is printed,
 * and once the subscribers together have received `expect` bytes of messages the elapsed time
 * since the first message byte is printed as `done MS`.
 */
async function receivers(n: number, port: number, channel: string, expect: number): Promise<void> {
  const confirm = `*3\r\n$9\r\nsubscribe\r\n$${channel.length}\r\n${channel}\r\n:1\r\n`.length;
  const conns: Deno.TcpConn[] = [];
  let total = 0;
  let first = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((r) => finished = r);
  const loops: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conns.push(conn);
    await conn.write(enc.encode(`SUBSCRIBE ${channel}\r\n`));
  }
  let confirmed = 0;
  let ready: () => void = () => {};
  const allReady = new Promise<void>((r) => ready = r);
  for (const conn of conns) {
    loops.push((async () => {
      const buf = new Uint8Array(64 * 1024);
      let skip = confirm;
      try {
        while (true) {
          const got = await conn.read(buf);
          if (got === null) break;
          let bytes = got;
          if (skip > 0) {
            const s = Math.min(skip, bytes);
            skip -= s;
            bytes -= s;
            if (skip === 0 && ++confirmed === n) ready();
          }
          if (bytes > 0) {
            if (first === 0) first = performance.now();
            total += bytes;
            if (total >= expect) finished();
          }
        }
      } catch {
        // closed at the end
      }
    })());
  }
  await allReady;
  console.log("ready");
  await done;
  console.log(`done ${(performance.now() - first).toFixed(1)}`);
  for (const c of conns) c.close();
  await Promise.all(loops);
}

/** Deliveries per second of `messages` PUBLISHes to `subs` subscribers on `server`. */
export async function fanout(server: BenchServer, subs: number, messages: number): Promise<number> {
  const expect = subs * messages * frameLength(CHANNEL, MESSAGE);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      new URL(import.meta.url).pathname,
      "--receivers",
      String(subs),
      "--port",
      String(server.port),
      "--channel",
      CHANNEL,
      "--expect",
      String(expect),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const waitFor = async (word: string) => {
    while (!text.includes(word)) {
      const r = await lines.read();
      if (r.done) throw new Error(`subscriber process ended before "${word}": ${text}`);
      text += r.value;
    }
  };
  const killer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }, 300_000);
  try {
    await waitFor("ready");
    const started = performance.now();
    const bench = output("redis-benchmark", [
      "-p",
      String(server.port),
      "-c",
      "4",
      "-P",
      "8",
      "-n",
      String(messages),
      "PUBLISH",
      CHANNEL,
      MESSAGE,
    ]);
    await waitFor("done");
    const elapsed = performance.now() - started;
    await bench;
    return subs * messages / (elapsed / 1000);
  } finally {
    clearTimeout(killer);
    await lines.cancel().catch(() => {});
    await child.status;
  }
}

/** Runs `fn` on both servers `rounds` times, alternating; keeps each server's best figure. */
async function best<T extends number | Map<string, number>>(
  servers: BenchServer[],
  rounds: number,
  fn: (s: BenchServer) => Promise<T>,
): Promise<T[]> {
  const results: T[][] = servers.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of servers.entries()) results[i]!.push(await fn(s));
  }
  return results.map((runs) => {
    if (typeof runs[0] === "number") return Math.max(...(runs as number[])) as T;
    const merged = new Map<string, number>();
    for (const m of runs as Map<string, number>[]) {
      for (const [k, v] of m) merged.set(k, Math.max(merged.get(k) ?? 0, v));
    }
    return merged as T;
  });
}

/** The rows of redis-benchmark's output reported (LRANGE_n's name goes on in parentheses). */
const TESTS = [
  "PING_MBULK",
  "SET",
  "GET",
  "HSET",
  "SADD",
  "SPOP",
  "ZADD",
  "ZPOPMIN",
  "LPUSH",
  "RPUSH",
  "LPOP",
  "RPOP",
  "LRANGE_100",
  "LRANGE_300",
  "LRANGE_600",
];

/** Requests per second of `test` in `rps`, matching "LRANGE_100 (first 100 elements)" too. */
function rpsOf(rps: Map<string, number>, test: string): number | null {
  const exact = rps.get(test);
  if (exact !== undefined) return exact;
  for (const [name, v] of rps) if (name.startsWith(test + " ")) return v;
  return null;
}

/** The benchmark module: PING/SET/GET/HSET/SADD/SPOP/ZADD/ZPOPMIN and the list tests at -P 1 and -P 16, and PUBLISH fan-out. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!which("redis-benchmark") || !which("redis-server")) {
    return [{
      measure: "redis-benchmark",
      unit: "req/s",
      redis: null,
      tokserver: null,
      ratio: null,
      note: "redis-server or redis-benchmark not installed",
    }];
  }
  const redis = await startRedis();
  const tok = await startTokserver(["redis"]);
  const servers = [redis!, tok];
  const rows: BenchRow[] = [];
  const rounds = ctx.quick ? 1 : 3;
  try {
    for (const pipeline of [1, 16]) {
      const n = (ctx.quick ? 20_000 : 100_000) * (pipeline === 1 ? 1 : 10);
      ctx.progress(`redis-benchmark -c 50 -P ${pipeline} -n ${n}`);
      const [r, t] = await best(servers, rounds, (s) => redisBenchmark(s.port, pipeline, n));
      for (const test of TESTS) {
        const rv = rpsOf(r!, test), tv = rpsOf(t!, test);
        rows.push({
          measure: `${test === "PING_MBULK" ? "PING" : test} -c 50 -P ${pipeline}`,
          unit: "req/s",
          redis: rv,
          tokserver: tv,
          ratio: ratio(tv, rv),
          target: pipeline === 1 ? 1.0 : 0.6,
        });
      }
    }
    for (const subs of [100, 1000]) {
      const messages = (ctx.quick ? 2_000 : 10_000) * (subs === 100 ? 10 : 1);
      ctx.progress(`PUBLISH fan-out to ${subs} subscribers, ${messages} messages`);
      const [r, t] = await best(servers, rounds, (s) => fanout(s, subs, messages));
      rows.push({
        measure: `PUBLISH fan-out to ${subs} subscribers`,
        unit: "deliveries/s",
        redis: r!,
        tokserver: t!,
        ratio: ratio(t!, r!),
        target: 1.0,
        note: "until every subscriber has every message",
      });
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  return rows;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
}

if (import.meta.main) {
  const args = Deno.args;
  const n = flag(args, "receivers");
  if (n !== undefined) {
    await receivers(
      Number(n),
      Number(flag(args, "port")),
      flag(args, "channel") ?? CHANNEL,
      Number(flag(args, "expect")),
    );
  } else {
    const quick = args.includes("--quick");
    const started = performance.now();
    const rows = await bench({
      quick,
      progress: (m) =>
        console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)}s] ${m}`),
    });
    for (const r of rows) {
      const fmt = (v: number | null) => v === null ? "-" : Math.round(v).toLocaleString("en-US");
      const verdict = r.ratio === null || r.target === undefined
        ? ""
        : r.ratio >= r.target
        ? `met (>= ${r.target})`
        : `MISSED (>= ${r.target})`;
      console.log(
        `${r.measure.padEnd(36)} ${fmt(r.redis).padStart(12)} ${fmt(r.tokserver).padStart(12)} ${
          r.ratio === null ? "-" : r.ratio.toFixed(2) + "x"
        }  ${verdict}${r.note ? `  ${r.note}` : ""}`,
      );
    }
  }
}
