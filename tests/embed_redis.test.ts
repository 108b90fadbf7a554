// The public test-dependency module (`@tokserver/tokserver/redis`), used as a user would: only
// through its exports and real clients (ioredis, node-redis, a raw socket). Expiry is driven by
// the clock, never by sleeping; faults are seen the way those clients see a failing server.

import { startRedis } from "@tokserver/tokserver/redis";
import { Redis as IORedis } from "ioredis";
import { createClient } from "redis";
import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";

const enc = new TextEncoder(), dec = new TextDecoder();

/** Sends raw RESP inline commands and reads one chunk of reply (small replies only). */
async function raw(port: number, line: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(enc.encode(line + "\r\n"));
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    return n === null ? "" : dec.decode(buf.subarray(0, n));
  } finally {
    conn.close();
  }
}

Deno.test("embed: 100 servers start and stop in one process, each on its own port", async () => {
  const started = performance.now();
  const ports = new Set<number>();
  for (let i = 0; i < 100; i++) {
    await using redis = await startRedis();
    ports.add(redis.port);
    redis.db(0).set("k", String(i));
    assertEquals(redis.db(0).get("k"), String(i));
  }
  assertEquals(ports.size > 1, true);
  // The figure for docs/testing.md; no assertion on time.
  console.log(`100 servers: ${(performance.now() - started).toFixed(0)} ms`);
});

Deno.test("embed: direct data access, flushAll and the commands received", async () => {
  await using redis = await startRedis({ databases: 4 });
  const client = new IORedis(redis.url, { maxRetriesPerRequest: 0, lazyConnect: true });
  await client.connect();
  try {
    redis.db(2).set("user:1", "ada", { ttlMs: 10_000 });
    await client.select(2);
    assertEquals(await client.get("user:1"), "ada");
    await client.set("user:2", "bob");
    const db = redis.db(2);
    assertEquals(db.keys("user:*").sort(), ["user:1", "user:2"]);
    assertEquals([db.type("user:2"), db.type("nope")], ["string", "none"]);
    assertEquals([db.ttl("user:1"), db.ttl("user:2"), db.ttl("nope")], [10, -1, -2]);
    assertEquals(db.size, 2);
    assert(db.del("user:2"));
    assertEquals(await client.exists("user:2"), 0);
    const sent = redis.commands.map((c) => c.args.join(" "));
    assert(sent.includes("select 2") && sent.includes("set user:2 bob"), sent.join("\n"));
    assertEquals(redis.commands.find((c) => c.args[0] === "set")?.db, 2);
    redis.clearCommands();
    redis.flushAll();
    assertEquals(await client.dbsize(), 0);
    assertEquals(redis.commands.map((c) => c.args[0]), ["dbsize"]);
    assertEquals(redis.clientCount, 1);
  } finally {
    client.disconnect();
  }
});

Deno.test("embed: advance() drives expiry, TTL, TIME, the sweep and `expired` events", async () => {
  await using redis = await startRedis({ notifyKeyspaceEvents: "Ex", frozenAt: 1_700_000_000_000 });
  const connect = () => createClient({ url: redis.url }).on("error", () => {}).connect();
  const client = await connect(), sub = await connect();
  try {
    const expired: string[] = [];
    let arrived: () => void = () => {};
    await sub.subscribe("__keyevent@0__:expired", (key) => {
      expired.push(key);
      if (expired.length === 3) arrived();
    });
    assertEquals(await client.sendCommand(["TIME"]), ["1700000000", "0"]);
    await client.set("a", "1", { PX: 1000 });
    await client.set("b", "1", { EX: 60 });
    await client.set("c", "1", { EX: 3600 });
    await client.set("d", "forever");
    redis.clock.advance(999);
    assertEquals(await client.pTTL("a"), 1);
    redis.clock.advance(1);
    // Gone at once, removed by the sweep the clock's jump runs (no client touched it).
    assertEquals(redis.db(0).size, 3);
    assertEquals(await client.exists("a"), 0);
    assertEquals(await client.ttl("b"), 59);
    const all = new Promise<void>((r) => arrived = r);
    redis.clock.set(new Date(1_700_000_000_000 + 3600_000));
    await all;
    assertEquals(expired, ["a", "b", "c"]);
    assertEquals(await client.keys("*"), ["d"]);
    const info = await client.info("stats");
    assertMatch(info, /expired_keys:3/);
    // From outside: TOKSERVER CLOCK.
    assertEquals(await client.sendCommand(["TOKSERVER", "CLOCK", "GET"]), 1_700_003_600_000);
    await client.sendCommand(["TOKSERVER", "CLOCK", "ADVANCE", "1000"]);
    assertEquals(redis.clock.now(), 1_700_003_601_000);
    await client.set("e", "1", { EX: 5 });
    await client.sendCommand(["TOKSERVER", "CLOCK", "SET", String(1_700_003_606_000)]);
    assertEquals(await client.exists("e"), 0);
  } finally {
    await Promise.allSettled([client.close(), sub.close()]);
  }
});

Deno.test("embed: TOKSERVER is refused unless test commands are enabled", async () => {
  await using off = await startRedis({ enableTestCommands: false });
  assertMatch(await raw(off.port, "TOKSERVER CLOCK FREEZE"), /^-ERR unknown command 'TOKSERVER'/);
  await using on = await startRedis();
  assertEquals(await raw(on.port, "TOKSERVER CLOCK FREEZE"), "+OK\r\n");
  assert(on.clock.frozen);
  assertEquals(
    await raw(on.port, "TOKSERVER CLOCK ADVANCE -1"),
    `-ERR value is not an integer or out of range\r\n`,
  );
  assertEquals(await raw(on.port, "TOKSERVER CLOCK JUMP"), "-ERR syntax error\r\n");
  assertMatch(await raw(on.port, "TOKSERVER HELP"), /^\*\d+\r\n\+TOKSERVER <subcommand>/);
});

Deno.test("embed: a seed makes RANDOMKEY repeat", async () => {
  const picks = async (seed: number) => {
    await using redis = await startRedis({ randomSeed: seed });
    for (let i = 0; i < 50; i++) redis.db(0).set(`k${i}`, "v");
    const client = new IORedis(redis.url);
    try {
      const out: (string | null)[] = [];
      for (let i = 0; i < 20; i++) out.push(await client.randomkey());
      return out.join(",");
    } finally {
      client.disconnect();
    }
  };
  const a = await picks(42);
  assertEquals(await picks(42), a);
  assert(a !== await picks(7), "another seed, other picks");
});

Deno.test("embed: a seed makes SPOP, SRANDMEMBER and HRANDFIELD repeat", async () => {
  const picks = async (seed: number) => {
    await using redis = await startRedis({ randomSeed: seed });
    const client = new IORedis(redis.url);
    try {
      const members = Array.from({ length: 40 }, (_, i) => `m${i}`);
      await client.sadd("s", ...members);
      await client.hset("h", Object.fromEntries(members.map((m) => [m, "v"])));
      const out: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        out.push(await client.srandmember("s"), await client.srandmember("s", 3));
        out.push(await client.srandmember("s", -3), await client.hrandfield("h", 2));
        out.push(await client.spop("s"));
      }
      out.push(await client.spop("s", 4));
      return JSON.stringify(out);
    } finally {
      client.disconnect();
    }
  };
  const a = await picks(42);
  assertEquals(await picks(42), a);
  assert(a !== await picks(7), "another seed, other picks");
});

Deno.test("embed faults: ioredis sees errors, timeouts and reconnects", async () => {
  await using redis = await startRedis();
  const client = new IORedis(redis.url, {
    commandTimeout: 200,
    retryStrategy: () => 10,
    maxRetriesPerRequest: 5,
  });
  const reconnects: number[] = [];
  client.on("reconnecting", () => reconnects.push(1));
  client.on("error", () => {});
  try {
    await client.set("k", "v");
    redis.faults.error("get", "ERR injected", { times: 1 });
    await assertRejects(() => client.get("k"), Error, "ERR injected");
    assertEquals(await client.get("k"), "v");

    // A late reply: ioredis gives up after its timeout; the reply, when it comes, is dropped.
    // What follows on that connection waits too (the server is slow, not one reply), so the
    // test starts a fresh connection.
    redis.faults.delay("get", 600, { times: 1 });
    await assertRejects(() => client.get("k"), Error, "Command timed out");
    redis.faults.disconnectAll();
    assertEquals(await client.get("k"), "v");
    // A lost reply: the connection is out of step afterwards, so the test closes it.
    redis.faults.drop("get", { times: 1 });
    await assertRejects(() => client.get("k"), Error, "Command timed out");
    redis.faults.disconnectAll();
    assertEquals(await client.get("k"), "v");

    // A connection closed after its next reply: the reply arrives, ioredis reconnects.
    await client.ping();
    redis.faults.closeAfterReplies(1);
    assertEquals(await client.set("x", "1"), "OK");
    // Refused connections: ioredis retries until one is served, the command then runs.
    redis.faults.refuseConnections(2);
    redis.faults.disconnectAll();
    assertEquals(await client.get("x"), "1");
    assert(reconnects.length >= 2, `reconnected ${reconnects.length} times`);
  } finally {
    client.disconnect();
  }
});

Deno.test("embed faults: node-redis sees errors, closed connections and reconnects", async () => {
  await using redis = await startRedis();
  const client = createClient({
    url: redis.url,
    socket: { reconnectStrategy: () => 10 },
  });
  const errors: string[] = [];
  client.on("error", (e: Error) => errors.push(e.message));
  let reconnects = 0;
  client.on("reconnecting", () => reconnects++);
  await client.connect();
  try {
    redis.faults.error("incr", "READONLY You can't write against a read only replica.");
    await assertRejects(() => client.incr("n"), Error, "READONLY");
    await assertRejects(() => client.incr("n"), Error, "READONLY");
    redis.faults.clear();
    assertEquals(await client.incr("n"), 1);

    // A dropped connection: node-redis reports it, reconnects, and the next command runs.
    let ready = new Promise<void>((r) => client.once("ready", r));
    redis.faults.disconnectAll();
    await ready;
    assertEquals(await client.incr("n"), 2);
    assertEquals(await client.incr("n"), 3);
    // Refused connections: node-redis retries until its handshake gets through ("ready").
    redis.faults.refuseConnections(2);
    ready = new Promise<void>((r) => client.once("ready", r));
    redis.faults.disconnectAll();
    await ready;
    assertEquals(await client.incr("n"), 4);
    assert(reconnects >= 3, `reconnected ${reconnects} times`);
    assert(errors.length >= 1, "node-redis reported the closed socket");
    assertEquals(redis.db(0).get("n"), "4");
  } finally {
    await client.close().catch(() => {});
  }
});
