// PUBLISH fan-out against tokserver redis and a local redis-server in the same run: deliveries
// per second to 100 and 1000 subscribers until every subscriber has every message (one publisher,
// redis-benchmark -c 4 -P 8). Servers alternate round by round; each figure is the median.
//
// `deno run -A bench/publish_fanout.ts [--quick]` runs it alone. The same file, started with
// `--receivers N --port P --channel C --expect BYTES`, is the subscriber process of the fan-out.

import {
  alternate,
  type BenchContext,
  type BenchRow,
  median,
  output,
  ratio,
  runAlone,
} from "./_lib.ts";
import { type BenchServer, startRedis, startTokserver } from "./_servers.ts";
import { which } from "../tests/_util.ts";

const enc = new TextEncoder();

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

/** The benchmark module: PUBLISH fan-out to 100 and 1000 subscribers, median of the rounds. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!which("redis-benchmark") || !which("redis-server")) return [];
  const redis = await startRedis();
  const tok = await startTokserver(["redis"]);
  const servers = [redis!, tok];
  const rows: BenchRow[] = [];
  const rounds = ctx.quick ? 1 : 3;
  try {
    for (const subs of [100, 1000]) {
      const messages = (ctx.quick ? 2_000 : 10_000) * (subs === 100 ? 10 : 1);
      ctx.progress(`PUBLISH fan-out to ${subs} subscribers, ${messages} messages`);
      const [r, t] = (await alternate(servers, rounds, (s) => fanout(s, subs, messages))).map(
        median,
      );
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
    await runAlone(bench);
  }
}
