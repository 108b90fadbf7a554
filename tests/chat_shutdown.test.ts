// Leaving well: SIGINT/SIGTERM tell every client `*** server shutting down` (after what was already
// queued for it) and exit 0 within 2 s even with a client that never reads; idle clients are closed
// by --timeout, and clients over --maxclients are told the server is full.

import { assert, assertEquals, assertLess, startServer, TcpClient, waitUntil } from "./_util.ts";

const MODES = ["basics", "buf-reader", "spawn", "channel", "socket-addr", "complete"] as const;

for (const [i, mode] of MODES.entries()) {
  const signal = i % 2 === 0 ? "SIGTERM" : "SIGINT";
  Deno.test(`${mode}: ${signal} says goodbye to the client(s) and exits 0 within 2 s`, async () => {
    await using srv = await startServer(["chat", "--mode", mode], { stdin: mode === "basics" });
    const sequential = mode === "basics" || mode === "buf-reader";
    const n = sequential ? 1 : 3;
    const clients: TcpClient[] = [];
    try {
      for (let k = 0; k < n; k++) clients.push(await TcpClient.connect(srv.port));
      await srv.stderr.waitFor(`(${n} connected)`);
      const t0 = performance.now();
      const status = await srv.stop(signal);
      const ms = performance.now() - t0;
      assertEquals(status.code, 0, srv.stderr.text);
      assertLess(ms, 2000, `exit took ${ms.toFixed(0)} ms`);
      for (const c of clients) {
        assertEquals(await c.readLine(), "*** server shutting down\r");
        assert(await c.closedWithin(2000), "closed after the goodbye");
      }
    } finally {
      for (const c of clients) c.close();
    }
  });
}

Deno.test("lines already queued for a client are sent before the goodbye", async () => {
  await using srv = await startServer(["chat", "--mode", "complete"]);
  const a = await TcpClient.connect(srv.port);
  const b = await TcpClient.connect(srv.port);
  try {
    await srv.stderr.waitFor("(2 connected)");
    await a.write(Array.from({ length: 100 }, (_, i) => `queued ${i}\n`).join(""));
    assertEquals(await b.readLine(), "queued 0\r");
    const status = await srv.stop("SIGTERM");
    assertEquals(status.code, 0);
    for (let i = 1; i < 100; i++) assertEquals(await b.readLine(), `queued ${i}\r`);
    assertEquals(await b.readLine(), "*** server shutting down\r");
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("a stalled client does not hold up shutdown or the others' goodbye", async () => {
  await using srv = await startServer(["chat", "--mode", "complete", "--queue", "128"]);
  const talker = await TcpClient.connect(srv.port);
  const reader = await TcpClient.connect(srv.port);
  const stalled = await TcpClient.connect(srv.port);
  try {
    await srv.stderr.waitFor("(3 connected)");
    // 20 MB: more than the stalled client's socket buffers hold; the reader keeps up (a burst
    // of 50 lines stays within its queue of 128).
    const batch = ("s".repeat(1000) + "\n").repeat(50);
    for (let i = 0; i < 400; i++) {
      await talker.write(batch);
      await reader.readBytes(50 * 1002, 10000);
    }
    const t0 = performance.now();
    const status = await srv.stop("SIGTERM");
    const ms = performance.now() - t0;
    assertEquals(status.code, 0);
    assertLess(ms, 2000, `exit took ${ms.toFixed(0)} ms`);
    const rest = await reader.readUntil("*** server shutting down\r\n", 10000);
    assert(rest.endsWith("*** server shutting down\r\n"));
  } finally {
    talker.close();
    reader.close();
    stalled.close();
  }
});

Deno.test("--timeout closes an idle client with a notice; an active one stays", async () => {
  await using srv = await startServer(["chat", "--mode", "complete", "--timeout", "1"]);
  const idle = await TcpClient.connect(srv.port);
  const active = await TcpClient.connect(srv.port);
  try {
    await srv.stderr.waitFor("(2 connected)");
    const t0 = Date.now();
    let closed = false;
    const idleGone = (async () => {
      const got = await idle.readUntil("\r\n*** idle timeout\r\n", 5000);
      assert(got.startsWith("still here\r\n"), got);
      closed = await idle.closedWithin(2000);
    })();
    while (!closed && Date.now() - t0 < 4000) {
      await active.write("still here\n");
      await new Promise((r) => setTimeout(r, 200));
    }
    await idleGone;
    assert(closed, "the idle client is closed");
    await active.write("and still here\n");
    await waitUntil(() => srv.stderr.text.includes("idle for 1 s"), 2000, "the idle log line");
    assertEquals(srv.stderr.text.match(/idle for 1 s/g)?.length, 1, "only the idle one");
  } finally {
    idle.close();
    active.close();
  }
});

Deno.test("--maxclients: one more client is told the server is full", async () => {
  await using srv = await startServer(["chat", "--mode", "complete", "--maxclients", "2"]);
  const a = await TcpClient.connect(srv.port);
  const b = await TcpClient.connect(srv.port);
  try {
    await srv.stderr.waitFor("(2 connected)");
    const c = await TcpClient.connect(srv.port);
    try {
      assertEquals(await c.readLine(), "*** server full\r");
      assert(await c.closedWithin(2000));
    } finally {
      c.close();
    }
    await a.write("the two still chat\n");
    assertEquals(await b.readLine(), "the two still chat\r");
  } finally {
    a.close();
    b.close();
  }
});
