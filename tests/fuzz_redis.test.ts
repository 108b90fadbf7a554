// Seeded fuzzing of tokserver redis from outside: 100,000 random, mutated and hand-picked nasty
// RESP frames over 50 connections. Afterwards the server must answer a fresh client, have no
// connection left over, and hold its memory within 20 MB of where it started.

import { fuzzFrame, respCommand, Rng } from "./_fuzz.ts";
import { assertEquals, assertLess, rssOf, startServer, TcpClient, waitUntil } from "./_util.ts";

const FRAMES = 100_000;
const CONNECTIONS = 50;

/** One fuzzing connection: reconnects whenever the server hangs up on it. */
async function fuzzConnection(port: number, rng: Rng, frames: number): Promise<number> {
  let reconnects = 0;
  let sent = 0;
  const buf = new Uint8Array(64 * 1024);
  while (sent < frames) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    let open = true;
    const reading = (async () => {
      try {
        while ((await conn.read(buf)) !== null) { /* discard replies */ }
      } catch {
        // reset by the server after a protocol error
      }
      open = false;
    })();
    try {
      while (open && sent < frames) {
        const batch: Uint8Array[] = [];
        const n = Math.min(frames - sent, 1 + rng.int(20));
        for (let i = 0; i < n; i++) batch.push(fuzzFrame(rng));
        sent += n;
        const bytes = new Uint8Array(batch.reduce((a, b) => a + b.length, 0));
        let o = 0;
        for (const b of batch) bytes.set(b, o), o += b.length;
        for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
      }
    } catch {
      // the server closed on us mid-write
    }
    try {
      conn.close();
    } catch {
      // already closed
    }
    await reading;
    reconnects++;
  }
  return reconnects;
}

async function info(port: number, field: string): Promise<string> {
  using c = await TcpClient.connect(port);
  await c.write(respCommand(["INFO"]));
  const header = await c.readLine();
  const body = new TextDecoder().decode(await c.readBytes(Number(header.slice(1)) + 2));
  return body.match(new RegExp(`${field}:(\\S+)`))?.[1] ?? "";
}

Deno.test("redis survives 100,000 fuzzed frames on 50 connections with no leak", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  // Warm up so the baseline includes the code paths and allocator pools the fuzzing will use.
  await fuzzConnection(srv.port, new Rng(1), 2000);
  await waitUntil(async () => (await info(srv.port, "connected_clients")) === "1", 10000);
  const before = rssOf(srv.child.pid);

  const perConn = FRAMES / CONNECTIONS;
  const reconnects = await Promise.all(
    Array.from(
      { length: CONNECTIONS },
      (_, i) => fuzzConnection(srv.port, new Rng(1000 + i), perConn),
    ),
  );
  assertLess(0, reconnects.reduce((a, b) => a + b, 0), "the fuzzing really broke connections");

  // A fresh client is served.
  using fresh = await TcpClient.connect(srv.port);
  await fresh.write("*1\r\n$4\r\nPING\r\n");
  assertEquals(await fresh.readLine(), "+PONG\r");
  fresh.close();

  // Every fuzzing connection is gone (the INFO connection is the one left).
  await waitUntil(
    async () => (await info(srv.port, "connected_clients")) === "1",
    10000,
    "connected_clients to return to 1",
  );
  // Memory returns near the baseline (keys written by the fuzzing are few and small).
  let after = 0;
  await waitUntil(
    () => {
      after = rssOf(srv.child.pid);
      return after - before < 20 * 1024 * 1024;
    },
    10000,
    "RSS to settle",
  ).catch(() => {});
  assertLess(
    after - before,
    20 * 1024 * 1024,
    `RSS grew ${((after - before) / 2 ** 20).toFixed(1)} MB`,
  );
});
