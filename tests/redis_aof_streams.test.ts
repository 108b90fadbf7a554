// Streams in the append-only file: what the log holds (XADD with the generated id, XCLAIM and
// XGROUP SETID for group reads, exact trims for `~`) brings back the same stream, groups,
// consumers and pending entries after a SIGKILL and a restart, and so does a rewrite (XADD per
// entry, XSETID, XGROUP CREATE ... ENTRIESREAD, XCLAIM ... FORCE per pending entry). redis-server
// 7 loads both files to the same state.

import { connect } from "../src/client/client.ts";
import type { Client } from "../src/client/client.ts";
import {
  assert,
  assertEquals,
  startRedisOnTokserverAof,
  startServer,
  waitUntil,
  which,
} from "./_util.ts";

const dec = new TextDecoder();

/** A reply as plain JSON-able data, consumers' seen-time (a load-time clock) zeroed. */
function plain(v: unknown, masked = ["seen-time", "radix-tree-nodes"]): unknown {
  if (v instanceof Uint8Array) return dec.decode(v);
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x, masked)]));
  }
  if (!Array.isArray(v)) return v;
  const out = v.map((x) => plain(x, masked));
  for (let i = 0; i + 1 < out.length; i++) {
    if (masked.includes(out[i] as string)) out[i + 1] = 0;
  }
  return out;
}

/**
 * `snap` without the groups' entries-read: Redis logs a group read as XCLAIM ... LASTID, which
 * moves the group's last id but not its entries-read counter, so a replayed log may show it
 * unknown (null) where the live server counted it (redis-server does the same).
 */
function withoutEntriesRead(snap: unknown): unknown {
  return plain(snap, ["entries-read"]);
}

/** Everything a client can see of the streams. */
async function snapshot(port: number): Promise<unknown> {
  const c = await connect({ port });
  try {
    const out: Record<string, unknown> = {};
    for (const key of ["s", "empty", "t"]) {
      out[key] = {
        range: plain(await c.send("XRANGE", key, "-", "+")),
        full: plain(await c.send("XINFO", "STREAM", key, "FULL", "COUNT", "0")),
        groups: plain(await c.send("XINFO", "GROUPS", key)),
      };
    }
    return out;
  } finally {
    await c.close();
  }
}

/** Builds streams with groups, consumers, pending entries, deletions and trims. */
async function build(c: Client): Promise<void> {
  for (let i = 1; i <= 150; i++) await c.send("XADD", "s", `${i}-1`, "f", `v${i}`, "g", "\x00\r\n");
  await c.send("XADD", "s", "*", "auto", "1");
  await c.send("XADD", "s", "MAXLEN", "~", "120", "*", "auto", "2");
  await c.send("XDEL", "s", "120-1", "121-1");
  await c.send("XGROUP", "CREATE", "s", "g1", "0");
  await c.send("XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "7");
  await c.send("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "s", ">");
  await c.send("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s", ">");
  await c.send("XREADGROUP", "GROUP", "g1", "carol", "COUNT", "2", "NOACK", "STREAMS", "s", ">");
  await c.send("XGROUP", "CREATECONSUMER", "s", "g1", "idle");
  const firsts = (await c.send("XRANGE", "s", "-", "+", "COUNT", "3")) as [Uint8Array][];
  await c.send("XACK", "s", "g1", dec.decode(firsts[1]![0]));
  await c.send("XCLAIM", "s", "g1", "bob", "0", dec.decode(firsts[2]![0]), "RETRYCOUNT", "9");
  await c.send("XAUTOCLAIM", "s", "g1", "dave", "0", "0", "COUNT", "1");
  await c.send("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM");
  await c.send("XADD", "t", "5-5", "a", "b");
  await c.send("XSETID", "t", "9-9", "ENTRIESADDED", "20", "MAXDELETEDID", "1-0");
  // A blocked group read served by an XADD is logged as the XCLAIM it did.
  await c.send("XGROUP", "CREATE", "t", "g", "$");
  const read = c.blocking("XREADGROUP", "GROUP", "g", "waiter", "BLOCK", "0", "STREAMS", "t", ">");
  await waitUntil(async () => /blocked_clients:1/.test(await c.info("clients")));
  await c.send("XADD", "t", "10-0", "c", "d");
  assert(Array.isArray(await read));
}

Deno.test("streams come back after SIGKILL, after a rewrite, and in redis-server 7", {
  ignore: which("redis-server") === undefined,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-streams-" });
  const copy = await Deno.makeTempDir({ prefix: "tokserver-aof-streams-log-" });
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
    let want: unknown;
    {
      const srv = await startServer(args);
      try {
        const c = await connect({ port: srv.port });
        await build(c);
        want = await snapshot(srv.port);
        await c.close();
      } finally {
        await srv.stop("SIGKILL");
      }
    }
    const log = await Deno.readTextFile(`${dir}/tokserver.aof`);
    assert(log.includes("$6\r\nXCLAIM\r\n"), "group reads are logged as XCLAIM");
    assert(log.includes("$6\r\nXGROUP\r\n$5\r\nSETID\r\n"), "a NOACK read is logged as SETID");
    assert(!log.includes("XREADGROUP"), "XREADGROUP itself is not logged");
    await Deno.copyFile(`${dir}/tokserver.aof`, `${copy}/tokserver.aof`);
    {
      const srv = await startServer(args);
      try {
        const got = await snapshot(srv.port);
        assertEquals(
          withoutEntriesRead(got),
          withoutEntriesRead(want),
          "after SIGKILL and a restart",
        );
        want = got;
        const c = await connect({ port: srv.port });
        await c.send("BGREWRITEAOF");
        await waitUntil(async () => /aof_rewrites:1/.test(await c.info("persistence")), 30_000);
        await waitUntil(async () => /aof_rewrite_in_progress:0/.test(await c.info("persistence")));
        await c.close();
      } finally {
        await srv.stop("SIGKILL");
      }
    }
    const rewritten = await Deno.readTextFile(`${dir}/tokserver.aof`);
    assert(rewritten.includes("$12\r\nENTRIESADDED\r\n"), "XSETID ... ENTRIESADDED");
    assert(rewritten.includes("$5\r\nFORCE\r\n"), "pending entries as XCLAIM ... FORCE");
    {
      await using srv = await startServer(args);
      assertEquals(await snapshot(srv.port), want, "after a rewrite");
    }
    {
      await using redis = await startRedisOnTokserverAof(dir);
      assertEquals(await snapshot(redis.port), want, "redis-server on the rewritten file");
    }
    {
      await using redis = await startRedisOnTokserverAof(copy);
      assertEquals(await snapshot(redis.port), want, "redis-server on the log");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(copy, { recursive: true });
  }
});
