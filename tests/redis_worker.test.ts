// `tokserver redis` serves from a worker thread (src/redis/server/worker_host.ts); the process
// still ends the way a server's should: with the server's exit code after a graceful stop, and at
// once with 1 on a second signal while the first one's shutdown waits for a client that does not
// read (the exit then comes from the worker's thread, src/net/exit.ts). Run without read access
// to its own source (`deno run --allow-net main.ts redis`), it serves from the main thread.

import { assert, assertEquals, killAfter, MAIN, startServer, TextSink } from "./_util.ts";

Deno.test("worker: SIGTERM stops the server gracefully, exit code 0", async () => {
  await using srv = await startServer(["redis"]);
  assertEquals(await ping(srv.port), "+PONG\r\n");
  const status = await srv.stop("SIGTERM");
  assertEquals(status.code, 0);
  assert(srv.stderr.text.includes("stopped on SIGTERM"), srv.stderr.text);
});

/** One PING over a fresh connection; the reply's text. */
async function ping(port: number): Promise<string> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await c.write(new TextEncoder().encode("PING\r\n"));
    const buf = new Uint8Array(16);
    return new TextDecoder().decode(buf.subarray(0, (await c.read(buf))!));
  } finally {
    c.close();
  }
}

Deno.test("worker: without read access to its source the server runs on the main thread", async () => {
  // `deno run --allow-net main.ts redis`: a worker could not load its module, so none is made.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-net", MAIN, "redis", "--port", "0"],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderr = new TextSink(child.stderr);
  const cancel = killAfter(child, 20000);
  try {
    const m = await stderr.waitFor(/listening on .*:(\d+)/, 15000);
    assertEquals(await ping(Number(m[1])), "+PONG\r\n");
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    cancel();
    await stderr.done;
    assertEquals(status.code, 0, stderr.text);
  }
});

Deno.test({
  name: "worker: a second signal during a slow shutdown exits at once with 1",
  ignore: Deno.build.os === "windows",
  async fn() {
    await using srv = await startServer(["redis"]);
    const c = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
    try {
      // 64 MiB of replies this client never reads: the shutdown's goodbye waits for them (up to
      // 500 ms), then the connection (up to a second).
      const value = "x".repeat(1 << 20);
      const set = `*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${value.length}\r\n${value}\r\n`;
      await c.write(new TextEncoder().encode(set + "GET big\r\n".repeat(64)));
      await new Promise((r) => setTimeout(r, 300));
      srv.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 50));
      srv.child.kill("SIGTERM");
      const status = await srv.child.status;
      // A graceful stop would have ended with 0 and its "stopped on SIGTERM" line.
      assertEquals(status.code, 1, srv.stderr.text);
      assert(!srv.stderr.text.includes("stopped on"), srv.stderr.text);
    } finally {
      c.close();
    }
  },
});
