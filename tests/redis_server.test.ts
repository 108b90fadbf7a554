// Behaviour of `tokserver redis` as a process, driven by Redis's own tools and raw sockets:
// redis-cli one-shot commands, a telnet-style inline session, redis-benchmark to the end (and a
// command the server lacks), one shared store across connections, protocol errors that close only
// the offender, the active expiry sweep, --verbose frames, client limits, idle timeouts, and a
// subscriber that stops reading being dropped without slowing the publisher or other subscribers.

import {
  assert,
  assertEquals,
  assertStringIncludes,
  run,
  startServer,
  TcpClient,
  waitUntil,
  which,
} from "./_util.ts";

const noCli = which("redis-cli") === undefined;
const noBench = which("redis-benchmark") === undefined;

/** Sends one command as RESP and reads one reply line (enough for simple replies). */
async function call(c: TcpClient, ...args: string[]): Promise<string> {
  await c.write(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`);
  return await c.readLine();
}

/** INFO field `name` as a number, read over a fresh connection. */
async function infoField(port: number, name: string): Promise<number> {
  using c = await TcpClient.connect(port);
  await c.write("INFO\r\n");
  const header = await c.readLine();
  const len = Number(header.slice(1));
  const body = new TextDecoder().decode(await c.readBytes(len + 2));
  const m = body.match(new RegExp(`^${name}:(\\d+)`, "m"));
  if (!m) throw new Error(`no ${name} in INFO`);
  return Number(m[1]);
}

Deno.test({
  name: "redis-cli one-shot commands work against the server",
  ignore: noCli,
  async fn() {
    await using srv = await startServer(["redis", "--quiet"]);
    const cli = (...args: string[]) => run("redis-cli", ["-p", String(srv.port), ...args]);
    assertEquals((await cli("PING")).stdout, "PONG\n");
    assertEquals((await cli("SET", "greeting", "hello world")).stdout, "OK\n");
    assertEquals((await cli("GET", "greeting")).stdout, "hello world\n");
    assertEquals((await cli("EXISTS", "greeting", "nope")).stdout, "1\n");
    assertEquals((await cli("DBSIZE")).stdout, "1\n");
    assertStringIncludes(
      (await cli("NOSUCH", "a")).stdout,
      "ERR unknown command 'NOSUCH', with args beginning with: 'a' \n",
    );
    assertStringIncludes((await cli("INFO", "server")).stdout, "redis_version:");
    // Interactive mode reads commands from stdin, one a line.
    const session = await run("redis-cli", ["-p", String(srv.port)], {
      stdin: "SET k 42\nGET k\nDEL k\nGET k\n",
    });
    assertEquals(session.stdout, "OK\n42\n1\n\n");
  },
});

Deno.test("an inline telnet session: quoting, replies, QUIT closes", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  using c = await TcpClient.connect(srv.port);
  await c.write('SET a "hello world"\r\n');
  assertEquals(await c.readLine(), "+OK\r");
  await c.write("GET a\n");
  assertEquals(await c.readLine(), "$11\r");
  assertEquals(await c.readLine(), "hello world\r");
  await c.write("\r\n   \r\nECHO 'it\\'s'\r\n");
  assertEquals(await c.readLine(), "$4\r");
  assertEquals(await c.readLine(), "it's\r");
  await c.write('ECHO "tab\\there"\r\n');
  assertEquals(await c.readLine(), "$8\r");
  assertEquals(await c.readLine(), "tab\there\r");
  await c.write("QUIT\r\n");
  assertEquals(await c.readLine(), "+OK\r");
  assert(await c.closedWithin(5000), "QUIT did not close the connection");
});

Deno.test({
  name: "redis-benchmark runs to the end with and without pipelining; a missing command errs",
  ignore: noBench,
  async fn() {
    await using srv = await startServer(["redis", "--quiet"]);
    for (const pipeline of ["1", "16"]) {
      const out = await run("redis-benchmark", [
        "-p",
        String(srv.port),
        "-t",
        "ping,set,get",
        "-n",
        "20000",
        "-P",
        pipeline,
        "-q",
      ], { timeoutMs: 120_000 });
      const text = (out.stdout + out.stderr).replaceAll("\r", "\n");
      assertEquals(out.code, 0, text);
      const lines = text.split("\n").filter((l) => / requests per second/.test(l));
      assertEquals(lines.length, 4, text); // PING_INLINE, PING_MBULK, SET, GET
      assert(!/error/i.test(text), text);
    }
    // A command nobody has: redis-benchmark reports Redis's text and goes on.
    const out = await run("redis-benchmark", [
      "-p",
      String(srv.port),
      "-n",
      "100",
      "-q",
      "nosuchcmd",
      "mykey",
      "*",
      "f",
      "v",
    ], { timeoutMs: 60_000 });
    assertStringIncludes(
      out.stdout + out.stderr,
      "ERR unknown command 'nosuchcmd', with args beginning with: 'mykey' '*' 'f' 'v'",
    );
  },
});

Deno.test("every connection shares one store, and pipelined replies come back in order", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  using a = await TcpClient.connect(srv.port);
  using b = await TcpClient.connect(srv.port);
  assertEquals(await call(a, "SET", "shared", "from-a"), "+OK\r");
  assertEquals(await call(b, "GET", "shared"), "$6\r");
  assertEquals(await b.readLine(), "from-a\r");
  // 1000 commands in one write: 1000 replies, in order.
  let batch = "";
  for (let i = 0; i < 1000; i++) batch += `*2\r\n$4\r\nECHO\r\n$${String(i).length}\r\n${i}\r\n`;
  await a.write(batch);
  for (let i = 0; i < 1000; i++) {
    assertEquals(await a.readLine(), `$${String(i).length}\r`);
    assertEquals(await a.readLine(), `${i}\r`);
  }
});

Deno.test("a protocol error closes only that connection; the server keeps serving", async () => {
  await using srv = await startServer(["redis"]);
  using good = await TcpClient.connect(srv.port);
  using bad = await TcpClient.connect(srv.port);
  await bad.write("PING\r\n*1\r\n$-5\r\n");
  assertEquals(await bad.readLine(), "+PONG\r");
  assertEquals(await bad.readLine(), "-ERR Protocol error: invalid bulk length\r");
  assert(await bad.closedWithin(5000), "the offender was not disconnected");
  assertEquals(await call(good, "PING"), "+PONG\r");
  await srv.stderr.waitFor("Protocol error: invalid bulk length");
});

Deno.test("keys with a time to live leave memory without being touched (active sweep)", async () => {
  await using srv = await startServer(["redis", "--quiet"]);
  using c = await TcpClient.connect(srv.port);
  let batch = "";
  for (let i = 0; i < 2000; i++) batch += `SET short:${i} v PX 50\r\n`;
  batch += "SET long v EX 1000\r\nSET forever v\r\n";
  await c.write(batch);
  for (let i = 0; i < 2002; i++) assertEquals(await c.readLine(), "+OK\r");
  // DBSIZE counts expired keys not yet removed, as Redis does: it falls only through the sweep.
  await waitUntil(async () => (await call(c, "DBSIZE")) === ":2\r", 10_000, "the sweep");
  assertEquals(await infoField(srv.port, "expired_keys"), 2000);
});

Deno.test("--verbose logs every received frame as the tutorial does", async () => {
  await using srv = await startServer(["redis", "--verbose"]);
  using c = await TcpClient.connect(srv.port);
  assertEquals(await call(c, "set", "hello", "world"), "+OK\r");
  await srv.stderr.waitFor('GOT: Array([Bulk(b"set"), Bulk(b"hello"), Bulk(b"world")])');
  await c.write('ECHO "a\\"b\\x00"\r\n');
  await c.readLine();
  await srv.stderr.waitFor('GOT: Array([Bulk(b"ECHO"), Bulk(b"a\\"b\\0")])');
});

Deno.test("over --maxclients a client gets Redis's refusal; idle clients time out", async () => {
  await using srv = await startServer(["redis", "--quiet", "--maxclients", "1", "--timeout", "1"]);
  using first = await TcpClient.connect(srv.port);
  assertEquals(await call(first, "PING"), "+PONG\r");
  using second = await TcpClient.connect(srv.port);
  assertEquals(await second.readLine(), "-ERR max number of clients reached\r");
  assert(await second.closedWithin(5000));
  // --timeout 1: the idle first client is closed within a few seconds.
  assert(await first.closedWithin(6000), "idle client not closed");
  using third = await TcpClient.connect(srv.port);
  assertEquals(await call(third, "PING"), "+PONG\r");
});

Deno.test("a subscriber that stops reading is dropped; publisher and others are not slowed", async () => {
  await using srv = await startServer([
    "redis",
    "--client-output-buffer-limit",
    "pubsub 2mb 1mb 60",
  ]);
  const stalled = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
  try {
    await stalled.write(new TextEncoder().encode("SUBSCRIBE feed\r\n"));
    using reader = await TcpClient.connect(srv.port);
    await reader.write("SUBSCRIBE feed\r\n");
    await reader.readLine(); // *3 ... the confirmation, 6 lines in all
    for (let i = 0; i < 5; i++) await reader.readLine();
    using pub = await TcpClient.connect(srv.port);
    const message = "m".repeat(64 * 1024);
    const frame = `*3\r\n$7\r\nmessage\r\n$4\r\nfeed\r\n$${message.length}\r\n${message}\r\n`;
    // 40 MB in all: far beyond what the kernel buffers for the stalled subscriber.
    const total = 640;
    let received = 0;
    const reading = (async () => {
      for (let i = 0; i < total; i++) {
        const got = await reader.readBytes(frame.length, 20_000);
        if (got.length === frame.length) received++;
      }
    })();
    const started = Date.now();
    let receivers = 0;
    for (let i = 0; i < total; i++) {
      const reply = await call(pub, "PUBLISH", "feed", message);
      receivers += Number(reply.slice(1));
    }
    const elapsed = Date.now() - started;
    await reading;
    assertEquals(received, total);
    // Both subscribers at first; the stalled one is dropped once 2 MB pile up for it.
    assert(receivers < 2 * total && receivers > total, `receivers ${receivers}`);
    assert(elapsed < 60_000, `publishing took ${elapsed} ms`);
    await srv.stderr.waitFor("overcoming of output buffer limits");
    assertEquals(await infoField(srv.port, "pubsub_clients_dropped"), 1);
  } finally {
    stalled.close();
  }
});
