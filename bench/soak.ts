// `deno task soak [--seconds 600]`: a long mixed run against tokserver (not in CI). Redis clients
// do SET/GET/INCR, pub/sub subscribers come and go, chat clients connect, talk and drop (some
// abruptly, some mid-line). Every 10 s it prints RSS and live connection counts of both servers;
// at the end it says whether memory trended upward.

import { rss, startTokserver } from "./_servers.ts";

const enc = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function arg(name: string, def: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i === -1 ? def : Number(Deno.args[i + 1]);
}

function resp(...args: string[]): Uint8Array {
  return enc.encode(
    `*${args.length}\r\n${args.map((a) => `$${enc.encode(a).length}\r\n${a}\r\n`).join("")}`,
  );
}

/** Reads and discards everything until the connection ends; counts bytes. */
async function drain(c: Deno.TcpConn, counter: { bytes: number }): Promise<void> {
  const buf = new Uint8Array(16 * 1024);
  try {
    while (true) {
      const n = await c.read(buf);
      if (n === null) return;
      counter.bytes += n;
    }
  } catch {
    // reset: fine
  }
}

function close(c: Deno.TcpConn): void {
  try {
    c.close();
  } catch {
    // gone
  }
}

async function main(): Promise<void> {
  const seconds = arg("seconds", 600);
  const redis = await startTokserver(["redis"]);
  const chat = await startTokserver(["chat", "--mode", "complete"]);
  const stopAt = Date.now() + seconds * 1000;
  const counter = { bytes: 0, ops: 0, chatLines: 0, churn: 0 };
  let rng = 12345;
  const rand = (n: number) => {
    rng = (rng * 1103515245 + 12345) & 0x7fffffff;
    return rng % n;
  };

  const redisWorker = async (id: number) => {
    while (Date.now() < stopAt) {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: redis.port });
      const reading = drain(c, counter);
      for (let i = 0; i < 200 && Date.now() < stopAt; i++) {
        const key = `soak:${id}:${rand(1000)}`;
        const cmd = rand(3) === 0
          ? resp("SET", key, "x".repeat(rand(2000)), "PX", String(1000 + rand(5000)))
          : rand(2) === 0
          ? resp("GET", key)
          : resp("PUBLISH", `chan:${rand(4)}`, `m${i}`);
        await c.write(cmd);
        counter.ops++;
        if (i % 50 === 0) await sleep(5);
      }
      if (rand(2) === 0) close(c); // abrupt
      else await c.write(resp("QUIT")).catch(() => {});
      await reading;
      counter.churn++;
    }
  };

  const subscriber = async () => {
    while (Date.now() < stopAt) {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: redis.port });
      const reading = drain(c, counter);
      await c.write(resp("SUBSCRIBE", `chan:${rand(4)}`, `chan:${rand(4)}`));
      await c.write(resp("PSUBSCRIBE", "chan:*"));
      await sleep(2000 + rand(8000));
      close(c);
      await reading;
      counter.churn++;
    }
  };

  const chatter = async (id: number) => {
    while (Date.now() < stopAt) {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: chat.port });
      const reading = rand(5) === 0 ? Promise.resolve() : drain(c, counter); // some never read
      for (let i = 0; i < 50 && Date.now() < stopAt; i++) {
        await c.write(enc.encode(`chatter ${id} line ${i}\r\n`)).catch(() => {});
        counter.chatLines++;
        await sleep(20 + rand(100));
      }
      if (rand(3) === 0) await c.write(enc.encode("half a line")).catch(() => {});
      close(c);
      await reading;
      counter.churn++;
    }
  };

  const infoClients = async (): Promise<string> => {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: redis.port });
      await c.write(resp("INFO", "clients"));
      const buf = new Uint8Array(4096);
      const n = (await c.read(buf)) ?? 0;
      close(c);
      const m = new TextDecoder().decode(buf.subarray(0, n)).match(/connected_clients:(\d+)/);
      return m ? m[1]! : "?";
    } catch {
      return "?";
    }
  };

  const samples: Array<{ t: number; redisRss: number; chatRss: number }> = [];
  const sampler = (async () => {
    const t0 = Date.now();
    console.log("   t  redis RSS MB  chat RSS MB  redis clients  ops  chat lines  churn");
    while (Date.now() < stopAt) {
      await sleep(Math.min(10_000, Math.max(0, stopAt - Date.now())));
      const s = {
        t: Math.round((Date.now() - t0) / 1000),
        redisRss: rss(redis.pid) / 2 ** 20,
        chatRss: rss(chat.pid) / 2 ** 20,
      };
      samples.push(s);
      console.log(
        `${String(s.t).padStart(4)}  ${s.redisRss.toFixed(1).padStart(11)}  ${
          s.chatRss.toFixed(1).padStart(11)
        }  ${
          (await infoClients()).padStart(13)
        }  ${counter.ops}  ${counter.chatLines}  ${counter.churn}`,
      );
    }
  })();

  await Promise.all([
    ...Array.from({ length: 20 }, (_, i) => redisWorker(i)),
    ...Array.from({ length: 5 }, () => subscriber()),
    ...Array.from({ length: 30 }, (_, i) => chatter(i)),
    sampler,
  ]);
  await sleep(1000);
  console.log(`after the load: redis clients ${await infoClients()}`);
  await redis.stop();
  await chat.stop();

  // Trend: the last third of the samples against the middle third (the first is warm-up).
  const third = Math.max(1, Math.floor(samples.length / 3));
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  for (const key of ["redisRss", "chatRss"] as const) {
    const mid = avg(samples.slice(third, 2 * third).map((s) => s[key]));
    const last = avg(samples.slice(-third).map((s) => s[key]));
    const up = last > mid * 1.1 + 5;
    console.log(
      `${key === "redisRss" ? "redis" : "chat "}: ${mid.toFixed(1)} MB -> ${last.toFixed(1)} MB: ${
        up ? "UPWARD TREND" : "no upward trend"
      }`,
    );
  }
}

if (import.meta.main) await main();
