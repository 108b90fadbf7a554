// Per-client limits of tokserver redis, seen from outside: announced sizes are never allocated
// before their bytes arrive, the query buffer limit closes a client that sends an endless
// command, and proto-max-bulk-len refuses long bulks, while everyone else is served.

import { assert, assertEquals, assertLess, rssOf, startServer, TcpClient } from "./_util.ts";

const MB = 1024 * 1024;

async function ping(port: number): Promise<void> {
  using c = await TcpClient.connect(port);
  await c.write("*1\r\n$4\r\nPING\r\n");
  assertEquals(await c.readLine(), "+PONG\r");
}

Deno.test("huge announced counts and lengths followed by nothing allocate nothing", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  await ping(srv.port);
  const before = rssOf(srv.child.pid);
  const clients: TcpClient[] = [];
  try {
    for (let i = 0; i < 50; i++) {
      const c = await TcpClient.connect(srv.port);
      clients.push(c);
      // a million arguments announced; a 512 MB bulk announced
      await c.write(i % 2 === 0 ? "*1000000\r\n" : "*1\r\n$536870912\r\n");
    }
    await ping(srv.port); // everything above has been read by now
    await new Promise((r) => setTimeout(r, 300));
    const after = rssOf(srv.child.pid);
    assertLess(after - before, 10 * MB, `RSS grew ${((after - before) / MB).toFixed(1)} MB`);
  } finally {
    for (const c of clients) c.close();
  }
});

Deno.test("a client whose unfinished command passes the query buffer limit is closed", async () => {
  await using srv = await startServer(["redis", "--client-query-buffer-limit", String(MB)]);
  using bad = await TcpClient.connect(srv.port);
  using good = await TcpClient.connect(srv.port);
  // One 8 MB bulk announced, then its bytes arrive: past 1 MB unparsed, the client is cut off.
  await bad.write("*2\r\n$3\r\nSET\r\n$8388608\r\n");
  const chunk = new Uint8Array(64 * 1024).fill(120);
  try {
    for (let sent = 0; sent < 4 * MB; sent += chunk.length) await bad.write(chunk);
  } catch {
    // closed under us: expected
  }
  assert(await bad.closedWithin(5000), "the client over the limit is disconnected");
  await good.write("*1\r\n$4\r\nPING\r\n");
  assertEquals(await good.readLine(), "+PONG\r");
});

Deno.test("--proto-max-bulk-len refuses a longer bulk with Redis's protocol error", async () => {
  await using srv = await startServer(["redis", "--proto-max-bulk-len", "1024"]);
  using c = await TcpClient.connect(srv.port);
  await c.write("*2\r\n$4\r\nECHO\r\n$2000\r\n");
  assertEquals(await c.readLine(), "-ERR Protocol error: invalid bulk length\r");
  assert(await c.closedWithin(5000));
  await ping(srv.port);
});
