// The append-only file with several databases: SELECT is logged when the database changes, the
// file survives SIGKILL and a restart, BGREWRITEAOF keeps every database, and the files are
// interchangeable with redis-server 7's: its multi-database file loads here, ours loads there,
// with the same data in each database.

import { connect } from "../src/client/client.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  startRedisOnTokserverAof,
  startRedisServer,
  startServer,
  waitUntil,
  which,
} from "./_util.ts";

const dec = new TextDecoder();

/** A reply as text (bulk strings come as bytes, simple strings as strings). */
function text(r: unknown): string {
  return r instanceof Uint8Array ? dec.decode(r) : String(r);
}

/** Writes to several databases, with moves, swaps, a flush, a transaction and expiries. */
const SCRIPT: string[][] = [
  ["SET", "a", "zero"],
  ["SET", "ttl0", "v", "EX", "5000"],
  ["SELECT", "1"],
  ["SET", "a", "one"],
  ["MSET", "b", "1", "c", "2"],
  ["INCRBY", "n", "41"],
  ["APPEND", "b", "23"],
  ["MOVE", "c", "2"],
  ["SELECT", "2"],
  ["SET", "gone", "v"],
  ["PEXPIRE", "c", "900000"],
  ["SELECT", "3"],
  ["SET", "x", "swapped from 3"],
  ["SWAPDB", "3", "4"],
  ["SELECT", "5"],
  ["SET", "flushed", "v"],
  ["FLUSHDB"],
  ["SET", "after", "flush"],
  ["MULTI"],
  ["SET", "in5", "tx"],
  ["SELECT", "15"],
  ["SET", "in15", "tx"],
  ["EXEC"],
  ["SELECT", "2"],
  ["DEL", "gone"],
  ["SET", "short", "v", "PX", "30"],
  ["SET", "bin", "\u0000\r\n*3"],
];

async function runScript(port: number): Promise<void> {
  const c = await connect({ port });
  try {
    for (const cmd of SCRIPT) await c.send(...cmd);
    // The short key expires and is noticed in database 2 (a DEL is logged there).
    await new Promise((r) => setTimeout(r, 60));
    await c.send("SELECT", "2");
    await c.send("GET", "short");
  } finally {
    c.close();
  }
}

/** Every key of databases 0..15: `db:key` -> [value, has a time to live]. */
async function dump(port: number): Promise<Record<string, [string, boolean]>> {
  const c = await connect({ port });
  const out: Record<string, [string, boolean]> = {};
  try {
    for (let db = 0; db < 16; db++) {
      await c.send("SELECT", String(db));
      const keys = await c.send("KEYS", "*") as Uint8Array[];
      for (const k of keys) {
        const v = await c.send("GET", k) as Uint8Array;
        const ttl = await c.send("PTTL", k) as number;
        out[`${db}:${dec.decode(k)}`] = [dec.decode(v), ttl > 0];
      }
    }
  } finally {
    c.close();
  }
  return out;
}

const EXPECTED: Record<string, [string, boolean]> = {
  "0:a": ["zero", false],
  "0:ttl0": ["v", true],
  "1:a": ["one", false],
  "1:b": ["123", false],
  "1:n": ["41", false],
  "2:c": ["2", true],
  "2:bin": ["\u0000\r\n*3", false],
  "4:x": ["swapped from 3", false],
  "5:after": ["flush", false],
  "5:in5": ["tx", false],
  "15:in15": ["tx", false],
};

/** The `SELECT n` commands in a file, in order. */
function selects(text: string): string[] {
  return [...text.matchAll(/\*2\r\n\$6\r\nSELECT\r\n\$\d+\r\n(\d+)\r\n/g)].map((m) => m[1]!);
}

Deno.test("several databases survive SIGKILL, a restart and a rewrite", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-dbs-" });
  try {
    const args = ["redis", "--quiet", "--appendonly", "yes", "--appendfsync", "always"];
    {
      await using srv = await startServer([...args, "--dir", dir]);
      await runScript(srv.port);
      assertEquals(await dump(srv.port), EXPECTED);
      // A key of database 3 expires (by the sweep) while the last write was in database 0: its
      // DEL is logged behind SELECT 3.
      const c = await connect({ port: srv.port });
      try {
        await c.send("SELECT", "3");
        await c.send("SET", "e", "v", "PX", "20");
        await c.send("SELECT", "0");
        await c.send("DEL", "nothing");
        await c.send("SET", "z", "1");
        await waitUntil(async () => (await c.send("DBSIZE")) === 3, 5000, "db 0 has z");
        await c.send("SELECT", "3");
        await waitUntil(async () => (await c.send("DBSIZE")) === 0, 5000, "the sweep removed e");
      } finally {
        c.close();
      }
      await srv.stop("SIGKILL");
    }
    const logged = await Deno.readTextFile(`${dir}/tokserver.aof`);
    // Database 0 first, then every change of database, the transaction's SELECT inside it.
    assertEquals(selects(logged), ["0", "1", "2", "3", "5", "15", "2", "3", "0", "3"]);
    assert(
      logged.endsWith("*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$3\r\nDEL\r\n$1\r\ne\r\n"),
      logged.slice(-80),
    );
    {
      await using srv = await startServer([...args, "--dir", dir]);
      assertEquals(await dump(srv.port), { ...EXPECTED, "0:z": ["1", false] });
      const c = await connect({ port: srv.port });
      try {
        assertEquals(
          text(await c.send("BGREWRITEAOF")),
          "Background append only file rewriting started",
        );
        await waitUntil(async () => {
          const info = text(await c.send("INFO", "persistence"));
          return info.includes("aof_rewrite_in_progress:0") &&
            info.includes("aof_last_bgrewrite_status:ok");
        }, 10000);
        // A write after the rewrite names its database again.
        await c.send("SELECT", "7");
        await c.send("SET", "late", "v");
      } finally {
        c.close();
      }
      await srv.stop("SIGKILL");
    }
    const rewritten = await Deno.readTextFile(`${dir}/tokserver.aof`);
    assertEquals(selects(rewritten), ["0", "1", "2", "4", "5", "15", "7"]);
    await using srv = await startServer([...args, "--dir", dir]);
    assertEquals(await dump(srv.port), {
      ...EXPECTED,
      "0:z": ["1", false],
      "7:late": ["v", false],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const redisTools = which("redis-server") !== undefined;

Deno.test({
  name: "redis-server 7 loads tokserver's multi-database file with the same data per database",
  ignore: !redisTools,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-dbs-" });
    try {
      {
        await using srv = await startServer([
          "redis",
          "--quiet",
          "--appendonly",
          "yes",
          "--dir",
          dir,
        ]);
        await runScript(srv.port);
      }
      await using redis = await startRedisOnTokserverAof(dir);
      assertMatch(redis.stdout.text, /Successfully migrated an old-style AOF file/);
      assertEquals(await dump(redis.port), EXPECTED);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "tokserver loads redis-server 7's multi-database file with the same data per database",
  ignore: !redisTools,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-dbs-" });
    try {
      {
        await using redis = await startRedisServer([
          "--appendonly",
          "yes",
          "--appendfsync",
          "always",
          "--dir",
          dir,
          "--aof-use-rdb-preamble",
          "no",
        ]);
        assert(redis !== undefined);
        await runScript(redis.port);
        assertEquals(await dump(redis.port), EXPECTED);
      }
      const incr = await Deno.readFile(`${dir}/appendonlydir/appendonly.aof.1.incr.aof`);
      assert(selects(dec.decode(incr)).length >= 5, "redis-server logged its SELECTs");
      await Deno.writeFile(`${dir}/tokserver.aof`, incr);
      await using srv = await startServer([
        "redis",
        "--quiet",
        "--appendonly",
        "yes",
        "--dir",
        dir,
      ]);
      assertEquals(await dump(srv.port), EXPECTED);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
