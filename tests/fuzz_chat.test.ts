// Seeded fuzzing of the chat server from outside: hostile byte streams (control bytes, telnet
// negotiation, ANSI, invalid UTF-8, lines around the cap) from 50 connections that read, stall or
// vanish. Afterwards a fresh pair of clients can chat, no connection is left, and at rest (no
// client, after the idle collection) the heap is where it was and the RSS within 20 MB of it (a
// round over that bound gets up to two more: see assertRoundsAtRest).

import { chatChunk, Rng } from "./_fuzz.ts";
import {
  assertEquals,
  assertRoundsAtRest,
  idleMemory,
  startServer,
  TcpClient,
  waitUntil,
} from "./_util.ts";

const CHUNKS = 20_000;
const CONNECTIONS = 50;
const MAX_LINE = 4096;

async function fuzzChatter(port: number, rng: Rng, chunks: number): Promise<void> {
  let sent = 0;
  const buf = new Uint8Array(64 * 1024);
  while (sent < chunks) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    let open = true;
    const reads = rng.int(4) !== 0; // a quarter never read
    const reading = (async () => {
      try {
        if (reads) { while ((await conn.read(buf)) !== null) { /* discard */ } }
      } catch {
        // closed
      }
      if (reads) open = false;
    })();
    try {
      const burst = Math.min(chunks - sent, 50 + rng.int(200));
      for (let i = 0; i < burst && open; i++, sent++) {
        const b = chatChunk(rng, MAX_LINE);
        for (let off = 0; off < b.length;) off += await conn.write(b.subarray(off));
      }
    } catch {
      // the server hung up (line too long): reconnect
      sent++;
    }
    try {
      conn.close();
    } catch {
      // gone
    }
    await reading;
  }
}

function connectedCount(stderr: string): number | undefined {
  const all = [...stderr.matchAll(/\((\d+) connected\)/g)];
  const last = all[all.length - 1];
  return last ? Number(last[1]) : undefined;
}

Deno.test("chat survives hostile byte streams from 50 connections with no leak", async () => {
  await using srv = await startServer([
    "chat",
    "--mode",
    "complete",
    "--max-line",
    String(MAX_LINE),
  ]);
  // Warm up with the same shape of load (other seeds), so the baseline includes the heap and
  // allocator pools such a load grows; a leak shows as growth beyond that. Measured round by
  // round, RSS rises over the first two rounds and is flat after, so the warm-up is two rounds.
  for (const round of [1, 2]) {
    await Promise.all(
      Array.from(
        { length: CONNECTIONS },
        (_, i) => fuzzChatter(srv.port, new Rng(round * 100 + i), CHUNKS / CONNECTIONS),
      ),
    );
  }
  await waitUntil(() => connectedCount(srv.stderr.text) === 0, 10000, "warm-up clients to leave");
  const before = await idleMemory(srv);

  // A leak of anything per connection or per line shows in the heap; the RSS also holds what
  // the allocator keeps from a round's peak, hence its wider bound (assertRoundsAtRest).
  await assertRoundsAtRest(srv, before, { heap: 1024 * 1024, rss: 20 * 1024 * 1024 }, async (n) => {
    await Promise.all(
      Array.from(
        { length: CONNECTIONS },
        (_, i) => fuzzChatter(srv.port, new Rng(500 * (n + 1) + i), CHUNKS / CONNECTIONS),
      ),
    );
    await waitUntil(
      () => connectedCount(srv.stderr.text) === 0,
      10000,
      "every fuzzing connection to be gone",
    );
    {
      using a = await TcpClient.connect(srv.port);
      using b = await TcpClient.connect(srv.port);
      await waitUntil(() => connectedCount(srv.stderr.text) === 2, 5000, "two fresh clients");
      await a.write("still works\r\n");
      assertEquals(await b.readLine(), "still works\r");
    }
    await waitUntil(() => connectedCount(srv.stderr.text) === 0, 5000, "the fresh pair to leave");
  });
});
