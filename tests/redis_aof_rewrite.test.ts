// Rewriting the append-only file and stopping the server: BGREWRITEAOF while writers keep
// writing (the dataset, TTLs included, is the same before and after a restart from the new
// file), the automatic rewrite once the file has doubled past 64 MB, SHUTDOWN (flush, fsync,
// clients closed, exit 0) and its errors, SIGTERM, and the INFO persistence fields against
// redis-server's.

import { type Client, connect } from "../src/client/client.ts";
import { encodeCommand, RawConn } from "./_diff.ts";
import {
  assert,
  assertEquals,
  assertGreater,
  assertLess,
  assertMatch,
  startRedisServer,
  startServer,
  waitUntil,
  which,
} from "./_util.ts";

const dec = new TextDecoder();

/** The live dataset: key to [value, absolute expiry in ms or -1]. */
async function dump(port: number): Promise<Map<string, [string, number]>> {
  const client = await connect({ port });
  try {
    const keys = (await client.keys("*")).map((k) => dec.decode(k));
    const out = new Map<string, [string, number]>();
    await Promise.all(keys.map(async (k) => {
      const [v, at] = await Promise.all([client.get(k), client.send("PEXPIRETIME", k)]);
      out.set(k, [v === null ? "(nil)" : dec.decode(v), at as number]);
    }));
    return out;
  } finally {
    await client.close();
  }
}

function assertSameDataset(
  got: Map<string, [string, number]>,
  want: Map<string, [string, number]>,
): void {
  assertEquals(got.size, want.size, "number of keys");
  for (const [k, v] of want) assertEquals(got.get(k), v, `key ${k}`);
}

async function persistenceInfo(c: Client): Promise<Record<string, string>> {
  const text = await c.info("persistence");
  const out: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

Deno.test("BGREWRITEAOF under load: writes during the rewrite are kept, TTLs too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-rewrite-" });
  try {
    const args = [
      "redis",
      "--quiet",
      "--appendonly",
      "yes",
      "--dir",
      dir,
      "--appendfsync",
      "always",
    ];
    let before: Map<string, [string, number]>;
    let duringRewrite = 0;
    {
      await using srv = await startServer(args);
      const admin = await connect({ port: srv.port });
      // 60,000 keys, a sixth of them with a time to live.
      const load = await connect({ port: srv.port });
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 60_000; i++) {
        calls.push(load.send("SET", `p:${i}`, `value-${i}`));
        if (i % 6 === 0) calls.push(load.send("PEXPIRE", `p:${i}`, 3_600_000 + i));
      }
      await Promise.all(calls);
      await load.close();
      // Writers: counters, new keys, deletions, expiry changes, appends, until told to stop.
      let stop = false, rewriting = false;
      const writers = await Promise.all([0, 1, 2, 3].map(() => connect({ port: srv.port })));
      const work = writers.map(async (w, k) => {
        for (let round = 0; !stop; round++) {
          const r = Math.floor(Math.random() * 60_000);
          const batch = [
            w.send("INCR", `c:${k}`),
            w.send("SET", `w:${k}:${round}`, `${round}`, "EX", String(1000 + round)),
            w.send("DEL", `p:${r}`),
            w.send("PEXPIRE", `p:${(r + 1) % 60_000}`, 7_200_000),
            w.send("PERSIST", `p:${(r + 2) % 60_000}`),
            w.send("APPEND", `p:${(r + 3) % 60_000}`, "+"),
            w.send("INCRBYFLOAT", `f:${k}`, "0.5"),
            w.send("MULTI"),
            w.send("INCR", `m:${k}`),
            w.send("SET", `m2:${k}`, `${round}`),
            w.send("EXEC"),
          ];
          await Promise.all(batch);
          if (rewriting) duringRewrite += batch.length;
        }
      });
      await new Promise((r) => setTimeout(r, 200));
      assertEquals(
        await admin.send("BGREWRITEAOF"),
        "Background append only file rewriting started",
      );
      rewriting = true;
      await waitUntil(
        async () => (await persistenceInfo(admin)).aof_rewrites === "1",
        30_000,
        "the rewrite",
      );
      rewriting = false;
      await new Promise((r) => setTimeout(r, 200));
      stop = true;
      await Promise.all(work);
      await Promise.all(writers.map((w) => w.close()));
      const info = await persistenceInfo(admin);
      assertEquals(info.aof_rewrite_in_progress, "0");
      assertEquals(info.aof_last_bgrewrite_status, "ok");
      assertGreater(Number(info.aof_base_size), 0);
      await admin.close();
      before = await dump(srv.port);
      assertMatch(srv.stderr.text, /background append-only file rewrite finished/);
      // Kill it: the file alone must hold the dataset.
      srv.child.kill("SIGKILL");
      await srv.stop();
    }
    assertGreater(duringRewrite, 0, "no write was answered during the rewrite");
    assertGreater(before.size, 50_000);
    const withTtl = [...before.values()].filter(([, at]) => at !== -1).length;
    assertGreater(withTtl, 5_000);
    await using again = await startServer(args);
    assertSameDataset(await dump(again.port), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the file is rewritten on its own once it has doubled past 64 MB", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-auto-" });
  try {
    const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", dir, "--appendfsync", "no"];
    const big = new Uint8Array(1024 * 1024).fill(120);
    {
      await using srv = await startServer(args);
      const c = await connect({ port: srv.port });
      // 70 MB of log for 1 MB of data.
      for (let i = 0; i < 70; i++) {
        big[0] = 65 + (i % 26);
        await c.set("big", big);
      }
      await waitUntil(
        async () => (await persistenceInfo(c)).aof_rewrites === "1",
        30_000,
        "a rewrite",
      );
      await waitUntil(
        async () => (await persistenceInfo(c)).aof_rewrite_in_progress === "0",
        30_000,
        "the rewrite's end",
      );
      const info = await persistenceInfo(c);
      // The rewrite ran at 64 MB: the base holds the value (twice if it changed during the
      // rewrite: the walk wrote it, then the final step), and the last SETs came after it.
      assertLess(Number(info.aof_base_size), 4 * 1024 * 1024);
      assertLess(Number(info.aof_current_size), 10 * 1024 * 1024);
      await c.close();
    }
    assertLess((await Deno.stat(`${dir}/tokserver.aof`)).size, 10 * 1024 * 1024);
    await using again = await startServer(args);
    const c = await connect({ port: again.port });
    const v = await c.get("big");
    await c.close();
    assertEquals(v?.length, big.length);
    assertEquals(v?.[0], 65 + (69 % 26));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SHUTDOWN flushes the file, closes every client and exits 0", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-shutdown-" });
  try {
    const args = ["redis", "--appendonly", "yes", "--dir", dir, "--appendfsync", "no"];
    const variants = [[], ["NOSAVE"], ["SAVE", "NOW"]];
    for (const [i, variant] of variants.entries()) {
      await using srv = await startServer(args);
      const other = await RawConn.connect(srv.port);
      const c = await RawConn.connect(srv.port);
      assertEquals(dec.decode(await c.call(["INCR", "n"])), `:${i + 1}\r\n`);
      assertEquals(dec.decode(await c.call(["SHUTDOWN", "FOO"])), "-ERR syntax error\r\n");
      assertEquals(
        dec.decode(await c.call(["SHUTDOWN", "NOSAVE", "SAVE"])),
        "-ERR syntax error\r\n",
      );
      assertEquals(
        dec.decode(await c.call(["SHUTDOWN", "ABORT"])),
        "-ERR No shutdown in progress.\r\n",
      );
      // No reply: the connection just closes, and so does every other client's.
      await c.send(encodeCommand(["SHUTDOWN", ...variant]));
      let closed = false;
      try {
        await c.reply(5000);
      } catch (err) {
        closed = /closed/.test(String(err));
      }
      assert(closed, "SHUTDOWN closed the connection without a reply");
      let otherClosed = false;
      try {
        await other.reply(5000);
      } catch (err) {
        otherClosed = /closed/.test(String(err));
      }
      assert(otherClosed, "the other client was closed");
      c.close();
      other.close();
      const status = await srv.child.status;
      assertEquals(status.code, 0);
      await srv.stop();
      assertMatch(srv.stderr.text, /SHUTDOWN requested/);
      assertMatch(srv.stderr.text, /append-only file flushed and fsynced/);
    }
    await using again = await startServer(args);
    const c = await connect({ port: again.port });
    assertEquals(dec.decode((await c.get("n"))!), "3");
    await c.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGTERM and SIGINT flush the file and exit 0", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-signal-" });
  try {
    const args = [
      "redis",
      "--quiet",
      "--appendonly",
      "yes",
      "--dir",
      dir,
      "--appendfsync",
      "always",
    ];
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      await using srv = await startServer(args);
      const c = await connect({ port: srv.port });
      const writes = [];
      for (let i = 0; i < 1000; i++) writes.push(c.incr(`n:${signal}`));
      await Promise.all(writes);
      await c.close();
      const status = await srv.stop(signal);
      assertEquals(status.code, 0, srv.stderr.text);
      assertMatch(srv.stderr.text, /append-only file flushed and fsynced/);
    }
    await using again = await startServer(args);
    const c = await connect({ port: again.port });
    assertEquals((await c.mget("n:SIGTERM", "n:SIGINT")).map((v) => dec.decode(v!)), [
      "1000",
      "1000",
    ]);
    await c.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "INFO persistence has redis-server's fields, in its order; a second BGREWRITEAOF is refused",
  ignore: which("redis-server") === undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-info-" });
    try {
      for (const appendonly of ["yes", "no"]) {
        await using redis = await startRedisServer(["--appendonly", appendonly, "--dir", dir]);
        assert(redis !== undefined);
        const rc = await connect({ port: redis.port });
        const want = Object.keys(await persistenceInfo(rc));
        await rc.close();
        await using srv = await startServer([
          "redis",
          "--quiet",
          "--appendonly",
          appendonly,
          "--dir",
          dir,
        ]);
        const c = await connect({ port: srv.port });
        const info = await persistenceInfo(c);
        await c.close();
        assertEquals(Object.keys(info), want, `appendonly ${appendonly}`);
        assertEquals(info.aof_enabled, appendonly === "yes" ? "1" : "0");
        assertEquals(info.aof_last_write_status, "ok");
      }
      await using srv = await startServer([
        "redis",
        "--quiet",
        "--appendonly",
        "yes",
        "--dir",
        dir,
      ]);
      const raw = await RawConn.connect(srv.port);
      // Both in one read: the second arrives while the first is running.
      await raw.send(new TextEncoder().encode("BGREWRITEAOF\r\nBGREWRITEAOF\r\n"));
      assertEquals(
        dec.decode(await raw.reply()),
        "+Background append only file rewriting started\r\n",
      );
      assertEquals(
        dec.decode(await raw.reply()),
        "-ERR Background append only file rewriting already in progress\r\n",
      );
      raw.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
