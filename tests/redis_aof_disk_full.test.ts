// A full disk under the append-only file, as Redis 7 handles it: the write that fails is kept and
// retried every second; meanwhile writes and PING are refused with MISCONF (reads still work, and a
// transaction with a write fails at EXEC); once space is back, writes are accepted again and
// nothing acknowledged is lost. Both servers get their own small tmpfs and the same commands, and
// their replies are compared byte for byte. Mounting needs root: elsewhere the test is ignored.

import { RawConn, show } from "./_diff.ts";
import { assert, assertEquals, startRedisServer, startServer, waitUntil, which } from "./_util.ts";

/** Whether this process may mount a tmpfs (root, and a kernel that lets it). */
function canMount(): boolean {
  if (Deno.build.os !== "linux" || !which("mount") || !which("redis-server")) return false;
  const dir = Deno.makeTempDirSync({ prefix: "tokserver-mount-probe-" });
  try {
    const m = new Deno.Command("mount", { args: ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir] })
      .outputSync();
    if (!m.success) return false;
    new Deno.Command("umount", { args: [dir] }).outputSync();
    return true;
  } catch {
    return false;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** A 256 KiB tmpfs, unmounted and removed on dispose. */
async function smallDisk(): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-full-disk-" });
  const m = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=256k", "tmpfs", dir],
  }).output();
  assert(m.success, `mount failed: ${new TextDecoder().decode(m.stderr)}`);
  return {
    dir,
    async [Symbol.asyncDispose]() {
      await new Deno.Command("umount", { args: ["-l", dir] }).output();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

const VALUE = "x".repeat(20_000);

/**
 * Fills the disk but for about 70 KB, then drives the server through the failure and the
 * recovery; returns every reply in order (INFO reduced to its aof_last_write_status line).
 */
async function scenario(port: number, dir: string): Promise<string[]> {
  const out: string[] = [];
  const c = await RawConn.connect(port);
  try {
    const free = () => {
      const df = new Deno.Command("df", { args: ["-k", "--output=avail", dir] }).outputSync();
      return Number(new TextDecoder().decode(df.stdout).trim().split("\n").pop()) * 1024;
    };
    await Deno.writeFile(`${dir}/filler`, new Uint8Array(Math.max(0, free() - 70_000)));
    const call = async (...args: string[]) => out.push(show(await c.call(args)));
    const status = async () => {
      const info = new TextDecoder().decode(await c.call(["INFO", "persistence"]));
      out.push(info.match(/aof_last_write_status:\w+/)?.[0] ?? "no status");
    };
    // Three values fit; the fourth is acknowledged (everysec) but its write fails.
    for (let i = 1; i <= 4; i++) await call("SET", `k${i}`, VALUE);
    await call("SET", "small", "v");
    await call("PING");
    await call("GET", "k1");
    await call("INCR", "n");
    await status();
    await call("MULTI");
    await call("SET", "t", "1");
    await call("EXEC");
    await call("MULTI");
    await call("GET", "k2");
    await call("EXEC");
    // Space comes back: within about a second the retry succeeds and writes are accepted.
    await Deno.remove(`${dir}/filler`);
    await waitUntil(
      async () => {
        const pong = new TextDecoder().decode(await c.call(["PING"]));
        return pong === "+PONG\r\n";
      },
      5000,
      "writes to be accepted again",
    );
    await status();
    await call("SET", "after", "yes");
    await call("DBSIZE");
    await call("STRLEN", "k4");
    return out;
  } finally {
    c.close();
  }
}

Deno.test({
  name: "a full disk: MISCONF for writes and PING, reads served, the same replies as Redis 7",
  ignore: !canMount(),
  async fn() {
    const aofFlags = (
      dir: string,
    ) => ["--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir];
    const replies: Record<string, string[]> = {};
    {
      await using disk = await smallDisk();
      await using redis = await startRedisServer(aofFlags(disk.dir));
      replies.redis = await scenario(redis!.port, disk.dir);
    }
    let aof = new Uint8Array(0);
    {
      await using disk = await smallDisk();
      await using tok = await startServer(["redis", ...aofFlags(disk.dir)]);
      replies.tokserver = await scenario(tok.port, disk.dir);
      const log = tok.stderr.text;
      assert(log.includes("append-only file: writes succeed again"), log);
      await tok.stop("SIGTERM");
      aof = await Deno.readFile(`${disk.dir}/tokserver.aof`);
    }
    console.log(replies.tokserver.join("\n"));
    assertEquals(replies.tokserver, replies.redis);
    assert(replies.redis.some((r) => r.includes("MISCONF")), "the disk did fill up");
    // Every acknowledged write is in the file once (the fourth value too: its failed write was
    // retried), and nothing refused is.
    const text = new TextDecoder().decode(aof);
    const times = (key: string) => text.split(`\r\n$${key.length}\r\n${key}\r\n`).length - 1;
    for (const key of ["k1", "k2", "k3", "k4", "after"]) assertEquals(times(key), 1, key);
    for (const key of ["small", "n", "t"]) assertEquals(times(key), 0, key);
  },
});
