// The append-only file as a file: replay at start, a tail cut at every byte of the last command
// (dropped with one warning, the file cut back to the last whole command), corruption anywhere
// else (the start stops with the byte offset, the file untouched), MULTI/EXEC blocks, and the
// format against Redis 7: redis-server loads a file tokserver wrote, both as an old-style single
// file (which Redis 7 migrates into its appendonlydir) and as the base named by a manifest,
// redis-check-aof accepts it, and tokserver loads the file redis-server wrote for the same
// commands, with the same dataset and expiry times.

import { parseFlags } from "../src/flags/flags.ts";
import { connect } from "../src/client/client.ts";
import { REDIS_FLAGS, redisOptions } from "../src/redis/options.ts";
import { RedisServer } from "../src/redis/server/server.ts";
import { replay } from "../src/redis/aof/load.ts";
import { encodeCommand } from "./_diff.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  run,
  runTokserver,
  startRedisServer,
  startServer,
  which,
} from "./_util.ts";

const dec = new TextDecoder();

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function file(...commands: string[][]): Uint8Array {
  return concat(...commands.map((c) => encodeCommand(c)));
}

/** A server in this process (not listening) whose log lines are collected. */
function inProcess(dir: string): { server: RedisServer; lines: string[] } {
  const flags = parseFlags(["--appendonly", "yes", "--dir", dir, "--quiet"], REDIS_FLAGS).flags;
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), client: () => {} };
  const server = new RedisServer(redisOptions(flags), { hard: 0, soft: 0, seconds: 0 }, log);
  return { server, lines };
}

/** The live dataset: key to [value, absolute expiry in ms or -1]. */
async function dump(port: number): Promise<Record<string, [string, number]>> {
  const client = await connect({ port });
  try {
    const keys = (await client.keys("*")).map((k) => dec.decode(k)).sort();
    const out: Record<string, [string, number]> = {};
    await Promise.all(keys.map(async (k) => {
      const [v, at] = await Promise.all([client.get(k), client.send("PEXPIRETIME", k)]);
      out[k] = [v === null ? "(nil)" : JSON.stringify(dec.decode(v)), at as number];
    }));
    return out;
  } finally {
    await client.close();
  }
}

const PREFIX = file(
  ["SELECT", "0"],
  ["SET", "a", "1"],
  ["SET", "b", "two", "PXAT", "9999999999999"],
  ["INCR", "n"],
);

/** Last commands to cut: a plain one, one with an absolute expiry, a MULTI/EXEC block. */
const LAST: Array<[string, Uint8Array]> = [
  ["SET", file(["SET", "last", "value-of-the-last-command"])],
  ["SET PXAT", file(["SET", "last", "v", "PXAT", "9999999999999"])],
  ["MULTI/EXEC", file(["MULTI"], ["INCR", "last"], ["SET", "last2", "x"], ["EXEC"])],
];

Deno.test("a tail cut at any byte of the last command is dropped with one warning", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-cut-" });
  try {
    const path = `${dir}/tokserver.aof`;
    for (const [what, last] of LAST) {
      for (let cut = 1; cut < last.length; cut++) {
        await Deno.writeFile(path, concat(PREFIX, last.subarray(0, cut)));
        const { server, lines } = inProcess(dir);
        const label = `${what} cut after ${cut} of ${last.length} bytes`;
        assert(server.persistence.load(), `${label}: ${lines.join("\n")}`);
        await server.persistence.close();
        const warnings = lines.filter((l) => l.startsWith("warning:"));
        assertEquals(warnings.length, 1, `${label}: ${lines.join("\n")}`);
        assertMatch(
          warnings[0]!,
          new RegExp(`truncated from ${PREFIX.length + cut} to ${PREFIX.length} bytes`),
        );
        assertEquals((await Deno.stat(path)).size, PREFIX.length, label);
        const db = server.dbs.get(0);
        assertEquals(db.size, 3, label);
        assertEquals(db.has("last") || db.has("last2"), false, label);
      }
      // The whole command is kept, with no warning.
      await Deno.writeFile(path, concat(PREFIX, last));
      const { server, lines } = inProcess(dir);
      assert(server.persistence.load());
      await server.persistence.close();
      assertEquals(lines.filter((l) => l.startsWith("warning:")), [], what);
      assert(server.dbs.get(0).has("last"), what);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("corruption before the end stops the load at its byte offset and leaves the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-bad-" });
  try {
    const path = `${dir}/tokserver.aof`;
    const good = concat(PREFIX, file(["SET", "z", "last"]));
    // Offsets inside the second command (`*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n`).
    const second = file(["SELECT", "0"]).length;
    const cases: Array<[string, number, number]> = [
      ["'*' replaced", second, 35], // '#'
      ["count digit", second + 1, 120], // 'x'
      ["'$' replaced", second + 4, 33], // '!'
      ["length digit", second + 5, 122], // 'z'
      ["CR after data", second + 11, 88], // 'X'
      ["LF after count", second + 3, 32], // ' '
    ];
    for (const [what, at, byte] of cases) {
      const bad = good.slice();
      bad[at] = byte;
      await Deno.writeFile(path, bad);
      const { server, lines } = inProcess(dir);
      assertEquals(server.persistence.load(), false, what);
      assertEquals(lines.length, 1, `${what}: ${lines.join("\n")}`);
      assertMatch(lines[0]!, new RegExp(`at byte ${at}\\b`), what);
      assertMatch(lines[0]!, /not starting \(the file is left as it is\)/);
      assertEquals(await Deno.readFile(path), bad, `${what}: the file was changed`);
    }
    // An unknown command is not replayed either.
    await Deno.writeFile(path, concat(PREFIX, file(["NOSUCH", "x"]), file(["SET", "z", "1"])));
    const { server, lines } = inProcess(dir);
    assertEquals(server.persistence.load(), false);
    assertMatch(lines[0]!, new RegExp(`unknown command 'nosuch' at byte ${PREFIX.length}`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the server replays its file at start, repairs a cut tail and refuses a corrupt file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-start-" });
  try {
    const path = `${dir}/tokserver.aof`;
    const args = ["redis", "--appendonly", "yes", "--dir", dir];
    {
      await using srv = await startServer(args);
      const c = await connect({ port: srv.port });
      await c.set("k", "v");
      await c.send("SET", "t", "x", "EX", "1000");
      await c.incr("n");
      await c.close();
    }
    const whole = await Deno.readFile(path);
    // Cut the last command (INCR n) short.
    await Deno.writeFile(path, whole.subarray(0, whole.length - 3));
    {
      await using srv = await startServer(args);
      const warnings = srv.stderr.text.split("\n").filter((l) => l.startsWith("warning:"));
      assertEquals(warnings.length, 1, srv.stderr.text);
      const before = srv.stderr.text.indexOf("warning:");
      assert(before < srv.stderr.text.indexOf("listening on"), "replayed before listening");
      const c = await connect({ port: srv.port });
      assertEquals(dec.decode((await c.get("k"))!), "v");
      assert(await c.ttl("t") > 990);
      assertEquals(await c.get("n"), null);
      await c.close();
    }
    const repaired = await Deno.readFile(path);
    assertEquals(repaired.length, whole.length - encodeCommand(["incr", "n"]).length);
    // A corrupt byte in the middle: exit 1 with the offset, nothing served, file untouched.
    const bad = repaired.slice();
    const at = bad.indexOf(36, 30); // a '$' in the second command
    bad[at] = 64;
    await Deno.writeFile(path, bad);
    const r = await runTokserver([...args, "--port", "0"], { timeoutMs: 20_000 });
    assertEquals(r.code, 1, r.stderr);
    assertMatch(r.stderr, new RegExp(`bad format in the append-only file .* at byte ${at}\\b`));
    assert(!r.stderr.includes("listening on"), r.stderr);
    assertEquals(await Deno.readFile(path), bad);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Commands whose effects both servers must log the same way. */
const SCRIPT: string[][] = [
  ["SET", "s1", "hello"],
  ["SET", "s2", "world", "EX", "1000"],
  ["SET", "s3", "x", "PX", "500000"],
  ["SETEX", "s4", "1000", "v"],
  ["PSETEX", "s5", "900000", "v"],
  ["INCR", "n1"],
  ["INCRBY", "n1", "41"],
  ["DECR", "n2"],
  ["INCRBYFLOAT", "f", "3.25"],
  ["INCRBYFLOAT", "f", "0.5"],
  ["APPEND", "s1", " there"],
  ["SETRANGE", "s6", "5", "abc"],
  ["MSET", "m1", "a", "m2", "b"],
  ["MSETNX", "m3", "c", "m4", "d"],
  ["GETSET", "s7", "new"],
  ["SET", "tmp", "1"],
  ["DEL", "tmp"],
  ["SET", "ren", "a"],
  ["RENAME", "ren", "ren2"],
  ["EXPIRE", "s1", "5000"],
  ["PEXPIRE", "m1", "999999"],
  ["PERSIST", "s2"],
  ["GETEX", "m2", "EX", "777"],
  ["GETDEL", "m3"],
  ["SET", "bin", "\u0000\u00ff\r\n*3"],
  ["EXPIREAT", "m4", "4102444800"],
  ["SET", "s8", "keep", "EX", "100"],
  ["SET", "s8", "kept", "KEEPTTL"],
  ["SET", "short", "v", "PX", "30"],
  ["SETNX", "s9", "first"],
  ["SETNX", "s9", "second"],
  ["UNLINK", "s5"],
];

async function runScript(port: number): Promise<void> {
  const c = await connect({ port });
  try {
    for (const cmd of SCRIPT) await c.send(...cmd);
    // Let the short key expire and be noticed (a DEL is logged).
    await new Promise((r) => setTimeout(r, 60));
    await c.get("short");
  } finally {
    await c.close();
  }
}

const redisTools = which("redis-server") !== undefined && which("redis-check-aof") !== undefined;

Deno.test({
  name: "redis-server 7 loads the file tokserver wrote, redis-check-aof accepts it",
  ignore: !redisTools,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-compat-" });
    try {
      const ours = `${dir}/ours`, theirs = `${dir}/theirs`;
      await Deno.mkdir(ours);
      await Deno.mkdir(theirs);
      const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", ours];
      {
        await using srv = await startServer(args);
        await runScript(srv.port);
      }
      const check = await run("redis-check-aof", [`${ours}/tokserver.aof`]);
      assertEquals(check.code, 0, check.stdout + check.stderr);
      assertMatch(check.stdout, /is valid/);
      // Redis 7 keeps a multi-part AOF in appenddirname; an old-style single file named
      // appendfilename in dir, with no such folder, is taken as the base and migrated.
      await Deno.copyFile(`${ours}/tokserver.aof`, `${theirs}/copy.aof`);
      let expected: Record<string, [string, number]>;
      {
        await using srv = await startServer(args);
        expected = await dump(srv.port);
      }
      assert(Object.keys(expected).length >= 15, JSON.stringify(expected));
      assertEquals(expected["short"], undefined);
      await using redis = await startRedisServer([
        "--appendonly",
        "yes",
        "--appendfilename",
        "copy.aof",
        "--dir",
        theirs,
        "--aof-use-rdb-preamble",
        "no",
      ]);
      assert(redis !== undefined);
      assertMatch(redis.stdout.text, /Successfully migrated an old-style AOF file \(copy\.aof\)/);
      assertEquals(await dump(redis.port), expected);
      // The other way in: the file as the base of a multi-part AOF, with a manifest naming it.
      const manifested = `${dir}/manifested`;
      await Deno.mkdir(`${manifested}/appendonlydir`, { recursive: true });
      await Deno.copyFile(`${ours}/tokserver.aof`, `${manifested}/appendonlydir/base.aof`);
      await Deno.writeTextFile(
        `${manifested}/appendonlydir/base.aof.manifest`,
        "file base.aof seq 1 type b\n",
      );
      const checkManifest = await run("redis-check-aof", [
        `${manifested}/appendonlydir/base.aof.manifest`,
      ]);
      assertMatch(checkManifest.stdout, /All AOF files and manifest are valid/);
      await using redis2 = await startRedisServer([
        "--appendonly",
        "yes",
        "--appendfilename",
        "base.aof",
        "--dir",
        manifested,
        "--aof-use-rdb-preamble",
        "no",
      ]);
      assert(redis2 !== undefined);
      assertEquals(await dump(redis2.port), expected);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "tokserver loads the append-only file redis-server 7 wrote for the same commands",
  ignore: !redisTools,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-compat-" });
    try {
      let expected: Record<string, [string, number]>;
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
        expected = await dump(redis.port);
      }
      // Redis 7: appendonlydir/appendonly.aof.1.incr.aof holds the commands (the base is empty).
      const incr = await Deno.readFile(`${dir}/appendonlydir/appendonly.aof.1.incr.aof`);
      assert(dec.decode(incr).includes("PXAT"), "Redis logs relative expiries as PXAT");
      await Deno.writeFile(`${dir}/tokserver.aof`, incr);
      await using srv = await startServer(["redis", "--appendonly", "yes", "--dir", dir]);
      assertEquals(await dump(srv.port), expected);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a MULTI/EXEC block is logged whole and replayed whole; a cut block is dropped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-multi-" });
  try {
    const path = `${dir}/tokserver.aof`;
    const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", dir];
    {
      await using srv = await startServer(args);
      const c = await connect({ port: srv.port });
      await c.set("before", "1");
      const replies = await Promise.all([
        c.send("MULTI"),
        c.send("INCR", "tx"),
        c.send("SET", "tx2", "y", "EX", "500"),
        c.send("GET", "tx"),
        c.send("EXEC"),
      ]);
      assertEquals(replies[4], [1, "OK", new TextEncoder().encode("1")]);
      await c.close();
    }
    const text = dec.decode(await Deno.readFile(path));
    const multi = text.indexOf("*1\r\n$5\r\nMULTI\r\n");
    const exec = text.indexOf("*1\r\n$4\r\nEXEC\r\n");
    assert(multi > 0 && exec > multi, JSON.stringify(text));
    const inside = text.slice(multi, exec);
    assert(inside.includes("INCR") && inside.includes("PXAT"), JSON.stringify(inside));
    assert(!inside.includes("GET"), "reads are not logged");
    {
      await using srv = await startServer(args);
      const c = await connect({ port: srv.port });
      assertEquals((await c.mget("before", "tx", "tx2")).map((v) => v && dec.decode(v)), [
        "1",
        "1",
        "y",
      ]);
      await c.close();
    }
    // Without its EXEC, the block is not applied and is cut off the file.
    await Deno.writeFile(path, new TextEncoder().encode(text.slice(0, exec + 5)));
    await using srv = await startServer(args);
    assertMatch(srv.stderr.text, /warning: .* incomplete MULTI\/EXEC block/);
    const c = await connect({ port: srv.port });
    assertEquals((await c.mget("before", "tx", "tx2")).map((v) => v && dec.decode(v)), [
      "1",
      null,
      null,
    ]);
    await c.close();
    assertEquals((await Deno.stat(path)).size, multi);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file of several MiB replays a chunk at a time: blocks and values across chunk edges, a cut tail, a corrupt byte far in", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-big-" });
  try {
    const path = `${dir}/tokserver.aof`;
    const args = ["redis", "--appendonly", "yes", "--dir", dir];
    // 2,000 SETs of about 500 bytes (odd lengths, so command edges fall everywhere), after every
    // 10th a MULTI block of 50 SETs (blocks are three quarters of the file, so reads end inside
    // them), and a 3 MiB value in the middle (longer than one read).
    const commands: string[][] = [];
    let blocks = 0;
    for (let i = 0; i < 2000; i++) {
      if (i % 10 === 5) {
        commands.push(["MULTI"]);
        for (let j = 0; j < 50; j++) commands.push(["SET", `b${blocks}:${j}`, "y".repeat(297)]);
        commands.push(["EXEC"]);
        blocks++;
      }
      if (i === 1000) commands.push(["SET", "big", "z".repeat(3 * 1024 * 1024)]);
      commands.push(["SET", `k${i}`, `${i}:`.padEnd(500 + (i % 7), "x")]);
    }
    const whole = file(...commands);
    const last = encodeCommand(["INCR", "n"]);
    await Deno.writeFile(path, concat(whole, last.subarray(0, last.length - 2)));
    {
      await using srv = await startServer(args);
      const warnings = srv.stderr.text.split("\n").filter((l) => l.startsWith("warning:"));
      assertEquals(warnings.length, 1, srv.stderr.text);
      const c = await connect({ port: srv.port });
      assertEquals(await c.send("DBSIZE"), 2000 + blocks * 50 + 1);
      assertEquals(await c.send("STRLEN", "big"), 3 * 1024 * 1024);
      assertEquals(dec.decode((await c.get("k1999"))!), "1999:".padEnd(500 + (1999 % 7), "x"));
      const blockValues = await Promise.all(
        Array.from({ length: blocks * 50 }, (_, i) => c.get(`b${Math.floor(i / 50)}:${i % 50}`)),
      );
      assert(blockValues.every((v) => v !== null && dec.decode(v) === "y".repeat(297)));
      assertEquals(await c.get("n"), null);
      await c.close();
    }
    assertEquals((await Deno.stat(path)).size, whole.length, "cut back to the last whole command");
    // A corrupt byte past the first reads: the offset is the file's, not the buffer's.
    const bad = whole.slice();
    const at = bad.indexOf(36, 2_500_000);
    bad[at] = 64;
    await Deno.writeFile(path, bad);
    const r = await runTokserver([...args, "--port", "0"], { timeoutMs: 20_000 });
    assertEquals(r.code, 1, r.stderr);
    assertMatch(r.stderr, new RegExp(`at byte ${at}\\b`));
    assertEquals(await Deno.readFile(path), bad);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay gives the same dataset whatever sizes the reads come in, MULTI blocks included", () => {
  const commands: string[][] = [];
  for (let i = 0; i < 400; i++) {
    if (i % 20 === 7) {
      commands.push(["MULTI"]);
      for (let j = 0; j < 12; j++) commands.push(["SET", `b${i}:${j}`, `${i}-${j}`.repeat(j + 1)]);
      commands.push(["INCR", "blocks"]);
      commands.push(["EXEC"]);
    }
    commands.push(["SET", `k${i}`, "v".repeat(i % 97)]);
    if (i % 9 === 0) commands.push(["DEL", `k${i - 9}`]);
  }
  const data = file(...commands);
  /** The dataset after replaying `data` in reads of the sizes `size()` picks. */
  const load = (size: () => number): Map<string, string> => {
    const { server } = inProcess("/nonexistent");
    let pos = 0;
    const r = replay(server, {
      readSync(p: Uint8Array): number | null {
        if (pos === data.length) return null;
        const n = Math.min(p.length, size(), data.length - pos);
        p.set(data.subarray(pos, pos + n));
        pos += n;
        return n;
      },
    });
    assert(r.ok && r.whole === data.length && r.size === data.length, JSON.stringify(r));
    const out = new Map<string, string>();
    for (const key of server.dbs.get(0).keys()) {
      out.set(key, dec.decode(server.dbs.get(0).peek(key) as Uint8Array));
    }
    return out;
  };
  const expected = load(() => data.length);
  assertEquals(expected.get("blocks"), "20");
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 300 + 1;
  for (const size of [() => 1, () => 2, () => 13, random]) assertEquals(load(size), expected);
});
