// Each tutorial stage seen from real telnet-like clients on loopback: who gets which line, the
// one-at-a-time stages (basics, buf-reader) and basics' operator on stdin.

import { assertEquals, startServer, TcpClient } from "./_util.ts";

/** Connects `n` clients and waits until the server has logged all of them. */
async function connectAll(
  srv: { port: number; stderr: { waitFor(s: string): Promise<unknown> } },
  n: number,
): Promise<TcpClient[]> {
  const clients: TcpClient[] = [];
  for (let i = 0; i < n; i++) clients.push(await TcpClient.connect(srv.port));
  await srv.stderr.waitFor(`(${n} connected)`);
  return clients;
}

function closeAll(clients: TcpClient[]): void {
  for (const c of clients) c.close();
}

Deno.test("basics: client lines print on stdout, operator lines go to the client", async () => {
  await using srv = await startServer(["chat", "--mode", "basics"], { stdin: true });
  const a = await TcpClient.connect(srv.port);
  try {
    await a.write("hello server\r\n");
    await srv.stdout.waitFor("hello server\n");
    await srv.writeStdin("hello client\n");
    assertEquals(await a.readLine(), "hello client\r");
    await a.write("second line\n");
    await srv.stdout.waitFor("hello server\nsecond line\n");
  } finally {
    a.close();
  }
});

Deno.test("basics: one client at a time; the next waits unanswered, then is served", async () => {
  await using srv = await startServer(["chat", "--mode", "basics"], { stdin: true });
  const a = await TcpClient.connect(srv.port);
  const b = await TcpClient.connect(srv.port); // connected, but not yet served
  try {
    await a.write("from a\n");
    await srv.stdout.waitFor("from a\n");
    await b.write("from b\n");
    await srv.writeStdin("for the current client\n");
    assertEquals(await a.readLine(), "for the current client\r");
    assertEquals(await b.quietFor(300), "", "b gets nothing while a is served");
    assertEquals(srv.stdout.text.includes("from b"), false, "b's line is not read yet");
    a.close();
    await srv.stdout.waitFor("from b\n");
    await srv.writeStdin("now for b\n");
    assertEquals(await b.readLine(), "now for b\r");
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("basics: stdin closing is logged and client lines are still printed", async () => {
  await using srv = await startServer(["chat", "--mode", "basics"], { stdin: true });
  await srv.writeStdin("nobody here\n");
  await srv.stderr.waitFor("no client connected; line not sent");
  await srv.closeStdin();
  await srv.stderr.waitFor("stdin closed");
  const a = await TcpClient.connect(srv.port);
  try {
    await a.write("still printed\n");
    await srv.stdout.waitFor("still printed\n");
  } finally {
    a.close();
  }
  const b = await TcpClient.connect(srv.port);
  try {
    await b.write("next client too\n");
    await srv.stdout.waitFor("next client too\n");
  } finally {
    b.close();
  }
});

Deno.test("buf-reader: each line comes back to its sender with CRLF", async () => {
  await using srv = await startServer(["chat", "--mode", "buf-reader"]);
  const a = await TcpClient.connect(srv.port);
  try {
    await a.write("one\ntwo\r\nthree\n");
    assertEquals(await a.readLine(), "one\r");
    assertEquals(await a.readLine(), "two\r");
    assertEquals(await a.readLine(), "three\r");
  } finally {
    a.close();
  }
});

Deno.test("buf-reader: a second client waits, connected and unanswered, until the first leaves", async () => {
  await using srv = await startServer(["chat", "--mode", "buf-reader"]);
  const a = await TcpClient.connect(srv.port);
  const b = await TcpClient.connect(srv.port);
  try {
    await a.write("a1\n");
    assertEquals(await a.readLine(), "a1\r");
    await b.write("b1\n");
    assertEquals(await b.quietFor(400), "", "b is not answered while a is served");
    await a.write("a2\n");
    assertEquals(await a.readLine(), "a2\r", "a is still served");
    a.close();
    assertEquals(await b.readLine(), "b1\r", "b's waiting line is answered once a leaves");
    await b.write("b2\n");
    assertEquals(await b.readLine(), "b2\r");
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("spawn: every client is echoed at once, each only its own lines", async () => {
  await using srv = await startServer(["chat", "--mode", "spawn"]);
  const clients = await connectAll(srv, 3);
  try {
    for (const [i, c] of clients.entries()) await c.write(`from ${i}\n`);
    for (const [i, c] of clients.entries()) assertEquals(await c.readLine(), `from ${i}\r`);
    for (const c of clients) assertEquals(await c.quietFor(200), "");
  } finally {
    closeAll(clients);
  }
});

Deno.test("channel: every line goes to every client, the sender included", async () => {
  await using srv = await startServer(["chat", "--mode", "channel"]);
  const clients = await connectAll(srv, 3);
  try {
    await clients[0]!.write("hi all\n");
    for (const c of clients) assertEquals(await c.readLine(), "hi all\r");
    await clients[2]!.write("back\n");
    for (const c of clients) assertEquals(await c.readLine(), "back\r");
  } finally {
    closeAll(clients);
  }
});

for (const mode of ["socket-addr", "complete"]) {
  Deno.test(`${mode}: every line goes to every other client, never back to its sender`, async () => {
    await using srv = await startServer(["chat", "--mode", mode]);
    const [a, b, c] = await connectAll(srv, 3) as [TcpClient, TcpClient, TcpClient];
    try {
      await a.write("from a\n");
      assertEquals(await b.readLine(), "from a\r");
      assertEquals(await c.readLine(), "from a\r");
      await b.write("from b\n");
      assertEquals(await a.readLine(), "from b\r");
      assertEquals(await c.readLine(), "from b\r");
      assertEquals(await a.quietFor(200), "", "a never gets its own line");
      assertEquals(await b.quietFor(50), "", "b never gets its own line");
    } finally {
      closeAll([a, b, c]);
    }
  });

  Deno.test(`${mode}: lines from one sender arrive in order, after a client left`, async () => {
    await using srv = await startServer(["chat", "--mode", mode]);
    const [a, b, gone] = await connectAll(srv, 3) as [TcpClient, TcpClient, TcpClient];
    try {
      gone.close();
      await srv.stderr.waitFor("disconnected (2 connected)");
      const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`);
      await a.write(lines.join("\n") + "\n");
      for (const l of lines) assertEquals(await b.readLine(), `${l}\r`);
    } finally {
      closeAll([a, b, gone]);
    }
  });
}
