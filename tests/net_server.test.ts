// The shared server plumbing seen from outside: start/stop and per-client log lines, graceful
// shutdown on SIGTERM and SIGINT even when a client never reads, and a bounded line cap.

import { assert, assertEquals, assertLess, rssOf, startServer, TcpClient } from "./_util.ts";

Deno.test("start, connect, disconnect and stop each log one line on stderr", async () => {
  const srv = await startServer(["chat", "--mode", "spawn"]);
  try {
    await srv.stderr.waitFor(`listening on 127.0.0.1:${srv.port} (chat, mode spawn)`);
    const c = await TcpClient.connect(srv.port);
    await srv.stderr.waitFor(/client 127\.0\.0\.1:\d+ connected/);
    await c.write("hi\n");
    assertEquals(await c.readLine(), "hi\r");
    c.close();
    await srv.stderr.waitFor(/client 127\.0\.0\.1:\d+ disconnected/);
  } finally {
    const status = await srv.stop("SIGTERM");
    assertEquals(status.code, 0);
  }
  assert(
    /stopped on SIGTERM: 1 client served, 1 line received/.test(srv.stderr.text),
    srv.stderr.text,
  );
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`${signal} with a client that never reads exits 0 within 2 s`, async () => {
    await using srv = await startServer(["chat", "--mode", "spawn"]);
    const c = await TcpClient.connect(srv.port);
    try {
      // Echoed lines pile up unread until the server's writes block on the full socket buffers.
      const block = new TextEncoder().encode("z".repeat(1000) + "\n").slice();
      const many = new Uint8Array(block.length * 1024);
      for (let i = 0; i < 1024; i++) many.set(block, i * block.length);
      const writes = (async () => {
        for (let i = 0; i < 16; i++) await c.write(many);
      })().catch(() => {}); // the server closes on us; the write fails, as expected
      await new Promise((r) => setTimeout(r, 500));
      const t0 = performance.now();
      const status = await srv.stop(signal);
      const ms = performance.now() - t0;
      assertEquals(status.code, 0, srv.stderr.text);
      assertLess(ms, 2000, `exit took ${ms.toFixed(0)} ms`);
      c.close();
      await writes;
    } finally {
      c.close();
    }
  });
}

Deno.test("a 4 MiB line without newline ends that client; server memory stays bounded", async () => {
  await using srv = await startServer(["chat", "--mode", "spawn"]);
  const before = rssOf(srv.child.pid);
  const bad = await TcpClient.connect(srv.port);
  const good = await TcpClient.connect(srv.port);
  try {
    const chunk = new Uint8Array(64 * 1024).fill(120);
    let sent = 0;
    try {
      for (; sent < 4 * 1024 * 1024; sent += chunk.length) await bad.write(chunk);
    } catch {
      // the server hung up mid-line: that is the point
    }
    assert(await bad.closedWithin(5000), "the over-long client is disconnected");
    const after = rssOf(srv.child.pid);
    assertLess(after - before, 32 * 1024 * 1024, `RSS grew ${(after - before) >> 20} MiB`);
    // Everyone else is still served.
    await good.write("still here\n");
    assertEquals(await good.readLine(), "still here\r");
  } finally {
    bad.close();
    good.close();
  }
});
