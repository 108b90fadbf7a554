// Expiry and the append-only file, against redis-server 7 with the same bytes: keys whose TTL
// was removed, extended, or carried by RENAME / APPEND / INCR must come back after a restart
// (the file is replayed with expiry suspended, as Redis loads it); expiry times at 2^53 - 1,
// 2^53, 2^53 + 1 and 2^63 - 1 are kept exactly through the reply, the file, a rewrite and a
// restart; the overflow errors are Redis's. Also: stale temporary rewrite files go at start,
// and the DELs of keys found expired after a load are logged then.

import { connect } from "../src/client/client.ts";
import { AOF_ALWAYS, AofPair, bulksOf, diffDumps, intOf } from "./_aof_pair.ts";
import { diffTest, script } from "./_diff.ts";
import { assert, assertEquals, assertMatch, startServer, waitUntil, which } from "./_util.ts";

const noRedis = which("redis-server") === undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Cmd = string[];

/** The writes of the issue's report (TTLs shortened), for keys under `p`. */
function issueWrites(p: string): Cmd[] {
  const w = (s: string): Cmd => s.replaceAll("%", p).split(" ");
  return [
    "SET %c 5 PX 300",
    "INCR %c",
    "PERSIST %c",
    "SET %k1 v PX 300",
    "PERSIST %k1",
    "SET %k2 v PX 300",
    "EXPIRE %k2 1000",
    "SET %k3 v PX 300",
    "GETEX %k3 PERSIST",
    "SET %k4 v PX 300",
    "RENAME %k4 %k5",
    "PERSIST %k5",
    "SET %k6 abc PX 300",
    "APPEND %k6 def",
    "PERSIST %k6",
    "SET %k7 v PX 300",
    "RENAME %k7 %k8",
    "SET %k9 v PX 300",
    "APPEND %k9 x",
    "SET %k10 1 PX 300",
    "PEXPIRE %k10 100000",
    "INCRBY %k10 5",
    "MULTI",
    "SET %m 1 PX 300",
    "INCR %m",
    "PERSIST %m",
    "EXEC",
    "SET %g v PX 300",
    "GETEX %g EX 1000",
  ].map(w);
}

function issueReads(p: string): Cmd[] {
  const keys = ["c", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "m", "g"];
  return [["MGET", ...keys.map((k) => p + k)], ...keys.map((k) => ["EXISTS", p + k])];
}

Deno.test({
  name:
    "keys whose TTL was removed, extended, renamed or appended to survive SHUTDOWN, SIGTERM and SIGKILL",
  ignore: noRedis,
  async fn() {
    await using pair = await AofPair.start();
    assert(pair);
    const prefixes: string[] = [];
    for (const signal of ["SHUTDOWN", "SIGTERM", "SIGKILL"] as const) {
      const p = `${signal}:`;
      prefixes.push(p);
      await pair.same(issueWrites(p), `${signal} writes: `);
      await sleep(500);
      await pair.same([[`INCR`, `${p}c`], ...issueReads(p)], `${signal} before: `);
      const [before] = await pair.dump();
      await pair.restart(signal);
      for (const q of prefixes) await pair.same(issueReads(q), `after ${signal}: `);
      const [redis, tok] = await pair.dump();
      assertEquals(diffDumps(redis, tok, 300), []);
      // The values the clients were told are the ones that came back.
      assertEquals(bulksOf((await pair.send([["MGET", `${p}c`, `${p}k6`]]))[1][0]!), [
        "7",
        "abcdef",
      ]);
      assertEquals(diffDumps(before, redis, 5000, ["before", "after"]), []);
    }
  },
});

const P53 = 9007199254740992n;
const LLONG_MAX = 9223372036854775807n;
/** Expiry times (ms) where a double would round. */
const BIG_TIMES = [P53 - 1n, P53, P53 + 1n, LLONG_MAX - 1n, LLONG_MAX];

/** Commands setting each big time every way there is, and reading it back. */
function bigTimeCommands(): Cmd[] {
  const out: Cmd[] = [];
  BIG_TIMES.forEach((t, i) => {
    const s = `${t}`;
    const secs = `${t / 1000n}`;
    out.push(
      ["SET", `pa${i}`, "v"],
      ["PEXPIREAT", `pa${i}`, s],
      ["PEXPIRETIME", `pa${i}`],
      ["EXPIRETIME", `pa${i}`],
      ["PEXPIREAT", `pa${i}`, `${t - 1n}`, "GT"],
      ["PEXPIREAT", `pa${i}`, `${t - 1n}`, "LT"],
      ["PEXPIRETIME", `pa${i}`],
      ["PEXPIREAT", `pa${i}`, s, "GT"],
      ["PEXPIREAT", `pa${i}`, s, "LT"],
      ["PEXPIRETIME", `pa${i}`],
      ["SET", `sx${i}`, "v", "PXAT", s],
      ["PEXPIRETIME", `sx${i}`],
      ["SET", `se${i}`, "v", "EXAT", secs],
      ["PEXPIRETIME", `se${i}`],
      ["SET", `ge${i}`, "v"],
      ["GETEX", `ge${i}`, "PXAT", s],
      ["PEXPIRETIME", `ge${i}`],
      ["SET", `ea${i}`, "v"],
      ["EXPIREAT", `ea${i}`, secs],
      ["EXPIRETIME", `ea${i}`],
      ["PEXPIRETIME", `ea${i}`],
      ["SET", `rn${i}`, "v", "PXAT", s],
      ["RENAME", `rn${i}`, `rm${i}`],
      ["PEXPIRETIME", `rm${i}`],
      ["SET", `ap${i}`, "1", "PXAT", s],
      ["APPEND", `ap${i}`, "0"],
      ["INCR", `ap${i}`],
      ["PEXPIRETIME", `ap${i}`],
      ["SET", `kt${i}`, "v", "PXAT", s],
      ["SET", `kt${i}`, "w", "KEEPTTL"],
      ["PEXPIRETIME", `kt${i}`],
    );
  });
  return out;
}

/** Every overflow and range error of the expiry arguments. */
function overflowCommands(): Cmd[] {
  const out: Cmd[] = [["SET", "o", "v"]];
  const max = `${LLONG_MAX}`, over = `${LLONG_MAX + 1n}`, min = `${-LLONG_MAX - 1n}`;
  const maxS = `${LLONG_MAX / 1000n}`, overS = `${LLONG_MAX / 1000n + 1n}`;
  for (const opt of ["EX", "PX", "EXAT", "PXAT"]) {
    for (const v of [max, over, min, maxS, overS, "0", "-1", "1.5", "abc", "00"]) {
      out.push(["SET", "o2", "v", opt, v], ["GETEX", "o", opt, v]);
    }
  }
  for (const cmd of ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"]) {
    for (const v of [max, over, maxS, overS, `-${maxS}`, `-${overS}`, "1.5", "x"]) {
      out.push([cmd, "o", v], ["EXISTS", "o"]);
    }
    out.push(["SET", "o", "v"]);
  }
  for (const v of [max, over, maxS, overS, "0", "-5"]) {
    out.push(["SETEX", "o3", v, "v"], ["PSETEX", "o3", v, "v"]);
  }
  out.push(["PEXPIRE", "o", min], ["EXISTS", "o"], ["SET", "o", "v"], ["EXPIRE", "o", min]);
  out.push(["EXISTS", "o"], ["PEXPIREAT", "o", min], ["EXISTS", "o"]);
  return out;
}

/** Reading every key's absolute expiry back. */
function bigTimeReads(): Cmd[] {
  const out: Cmd[] = [];
  BIG_TIMES.forEach((_, i) => {
    for (const k of ["pa", "sx", "se", "ge", "ea", "rm", "ap", "kt"]) {
      out.push(["PEXPIRETIME", `${k}${i}`], ["EXPIRETIME", `${k}${i}`], ["GET", `${k}${i}`]);
    }
  });
  return out;
}

Deno.test({
  name:
    "expiry times at 2^53 - 1, 2^53, 2^53 + 1 and 2^63 - 1 and the overflow errors match Redis, across a rewrite and restarts",
  ignore: noRedis,
  async fn() {
    await using pair = await AofPair.start();
    assert(pair);
    await pair.same(bigTimeCommands(), "set: ");
    await pair.same(overflowCommands(), "overflow: ");
    // PTTL and TTL of a far-future key: exact integers, near enough to each other.
    const [r, t] = await pair.send([["PTTL", "pa4"], ["TTL", "pa4"]]);
    assert(intOf(r[0]!) - intOf(t[0]!) < 1000n && intOf(t[0]!) - intOf(r[0]!) < 1000n);
    assert(intOf(r[1]!) - intOf(t[1]!) <= 1n && intOf(t[1]!) - intOf(r[1]!) <= 1n);
    await pair.restart("SIGKILL");
    await pair.same(bigTimeReads(), "after SIGKILL: ");
    await pair.rewrite();
    const text = await Deno.readTextFile(pair.tokFile);
    assert(text.includes(`\r\n${LLONG_MAX}\r\n`), "the rewritten file holds 2^63 - 1 exactly");
    assert(text.includes(`\r\n${P53 + 1n}\r\n`), "the rewritten file holds 2^53 + 1 exactly");
    await pair.same(bigTimeReads(), "after the rewrite: ");
    await pair.restart("SIGTERM");
    await pair.same(bigTimeReads(), "after the rewrite and SIGTERM: ");
    await pair.same(bigTimeCommands(), "again: ");
    await pair.restart("SIGKILL");
    await pair.same(bigTimeReads(), "after a second SIGKILL: ");
  },
});

Deno.test("temporary rewrite files left by a killed process are removed at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-temp-" });
  try {
    const args = ["redis", ...AOF_ALWAYS, "--dir", dir];
    // One left by a server killed during a rewrite (its pid is free now), one hand-made.
    {
      await using srv = await startServer([...args, "--quiet"]);
      await Deno.writeTextFile(
        `${dir}/temp-rewriteaof-bg-${srv.child.pid}.aof`,
        "*1\r\n$4\r\nPING",
      );
      await srv.stop("SIGKILL");
    }
    await Deno.writeTextFile(`${dir}/temp-rewriteaof-bg-1.aof`, "");
    const kept = ["temp-rewriteaof-bg-notes.txt", "temp-rewriteaof-bg-x.aof", "tokserver.aof"];
    for (const f of kept.slice(0, 2)) await Deno.writeTextFile(`${dir}/${f}`, "");
    await using srv = await startServer(args);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assertEquals(names.sort(), kept.sort());
    assertMatch(srv.stderr.text, /removed temp-rewriteaof-bg-\d+\.aof, left by a rewrite/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keys found expired after a load are removed then, their DELs logged after the load", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-expired-" });
  try {
    const args = ["redis", "--quiet", ...AOF_ALWAYS, "--dir", dir];
    const file = `${dir}/tokserver.aof`;
    const now = Date.now();
    // Written by hand: a key set with a time already past, then renamed and appended to.
    const lines = [
      ["SELECT", "0"],
      ["SET", "old", "a", "PXAT", `${now - 60000}`],
      ["APPEND", "old", "b"],
      ["RENAME", "old", "moved"],
      ["SET", "kept", "x", "PXAT", `${now - 60000}`],
      ["PERSIST", "kept"],
      ["SET", "c", "1", "PXAT", `${now - 60000}`],
      ["INCR", "c"],
      ["PEXPIREAT", "c", `${now + 600000}`],
    ];
    const enc = (a: string[]) =>
      `*${a.length}\r\n${a.map((s) => `$${s.length}\r\n${s}\r\n`).join("")}`;
    const body = lines.map(enc).join("");
    await Deno.writeTextFile(file, body);
    await using srv = await startServer(args);
    const c = await connect({ port: srv.port });
    try {
      assertEquals(await c.get("moved"), null);
      assertEquals(new TextDecoder().decode((await c.get("kept"))!), "x");
      assertEquals(new TextDecoder().decode((await c.get("c"))!), "2");
      const ttl = await c.send("PTTL", "c") as number;
      assert(ttl > 500000 && ttl <= 600000, `PTTL c ${ttl}`);
      // The load wrote nothing: the one DEL (lazy or from the sweep) comes after the body.
      await waitUntil(async () => (await Deno.readTextFile(file)).length > body.length);
      assertEquals(
        await Deno.readTextFile(file),
        body + enc(["SELECT", "0"]) + enc(["DEL", "moved"]),
      );
    } finally {
      await c.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

diffTest("PUBSUB CHANNELS with too many arguments: Redis's error", {
  errors: script`
    PUBSUB CHANNELS * x
    pubsub channels a b c
    PUBSUB ChAnNeLs * x
    PUBSUB CHANNELS
    PUBSUB CHANNELS *
  `,
});
