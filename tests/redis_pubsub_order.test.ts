// Published messages reach every subscriber whole and in order, with a reply to the subscriber's
// own command after every message published before it: also when the shared frames of many
// publishes span several slabs, subscribers of different channels interleave (so some frames are
// shared and others copied), and a subscriber has not read for a while. Against tokserver and,
// where installed, redis-server.

import { type Reply, ReplyParser } from "../src/resp/reply_parser.ts";
import { assertEquals, startRedisServer, startServer, which } from "./_util.ts";
import { writeAll } from "../src/net/io.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function command(...args: string[]): Uint8Array {
  return enc.encode(
    `*${args.length}\r\n` + args.map((a) => `$${enc.encode(a).length}\r\n${a}\r\n`).join(""),
  );
}

/** A raw connection reading RESP replies. */
async function open(port: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const parser = new ReplyParser();
  const buf = new Uint8Array(1 << 16);
  return {
    conn,
    async next(): Promise<Reply> {
      while (true) {
        const r = parser.next();
        if (r !== undefined) return r;
        const n = await conn.read(buf);
        if (n === null) throw new Error("closed");
        parser.push(buf.subarray(0, n));
      }
    },
  };
}

/** A payload of `size` bytes naming message `i`. */
function payload(i: number, size: number): string {
  const head = `m${i}:`;
  return head + "x".repeat(Math.max(0, size - head.length));
}

async function scenario(port: number): Promise<void> {
  const both = await open(port), onlyB = await open(port), pub = await open(port);
  try {
    await both.conn.write(command("SUBSCRIBE", "a", "b"));
    await both.next();
    await both.next();
    await onlyB.conn.write(command("SUBSCRIBE", "b"));
    await onlyB.next();
    // 600 messages from 10 bytes to 120 KB: about 40 slabs of 256 KiB (more than the 32 stretches
    // a subscriber keeps pending), many shared stretches.
    const sent: [string, string][] = [];
    let batch = new Uint8Array(0);
    for (let i = 0; i < 600; i++) {
      const channel = i % 3 === 0 ? "b" : "a";
      const size = i % 7 === 0 ? 120_000 : 10 + (i * 37) % 2000;
      const p = payload(i, size);
      sent.push([channel, p]);
      const c = command("PUBLISH", channel, p);
      const next = new Uint8Array(batch.length + c.length);
      next.set(batch);
      next.set(c, batch.length);
      batch = next;
    }
    await writeAll(pub.conn, batch); // one write may take only part of 5 MB
    for (let i = 0; i < sent.length; i++) await pub.next();
    // Every publish has been answered: each subscriber's PONG comes after all its messages.
    await both.conn.write(command("PING"));
    await onlyB.conn.write(command("PING"));
    for (const [sub, want] of [[both, sent], [onlyB, sent.filter(([c]) => c === "b")]] as const) {
      const got: string[] = [];
      while (true) {
        const r = await sub.next();
        if (!Array.isArray(r)) throw new Error(`unexpected reply ${String(r)}`);
        const kind = dec.decode(r[0] as Uint8Array);
        if (kind === "pong") break;
        got.push(`${dec.decode(r[1] as Uint8Array)} ${dec.decode(r[2] as Uint8Array)}`);
      }
      assertEquals(got.length, want.length);
      for (let i = 0; i < want.length; i++) {
        if (got[i] !== `${want[i]![0]} ${want[i]![1]}`) {
          assertEquals(got[i]!.slice(0, 40), `${want[i]![0]} ${want[i]![1]}`.slice(0, 40));
        }
      }
    }
  } finally {
    for (const c of [both, onlyB, pub]) c.conn.close();
  }
}

Deno.test("tokserver redis: messages across slabs and channels arrive whole, in order, before the reply", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  await scenario(srv.port);
});

Deno.test({
  name: "redis-server: the same scenario (the test's own check)",
  ignore: which("redis-server") === undefined,
  async fn() {
    await using srv = await startRedisServer();
    if (!srv) throw new Error("redis-server not found");
    await scenario(srv.port);
  },
});
