// SHUTDOWN and SIGTERM while clients are blocked in BLPOP/BRPOP/BLMOVE/BLMPOP, on redis-server
// and on tokserver alike: what each blocked connection receives before it closes (Redis sends
// nothing: the connection just ends), what the SHUTDOWN caller gets, and the exit status (0).

import { encodeCommand } from "./_diff.ts";
import {
  assertEquals,
  type Proc,
  startRedisServer,
  startServer,
  waitUntil,
  which,
} from "./_util.ts";

const dec = new TextDecoder();

/** Everything a connection receives until the server closes it (or "(still open)"). */
async function untilClosed(conn: Deno.TcpConn, ms = 10000): Promise<string> {
  const chunks: string[] = [];
  const buf = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), ms);
  try {
    while (true) {
      const n = await conn.read(buf).catch(() => "closed-by-us" as const);
      if (n === "closed-by-us") return chunks.join("") + "(still open)";
      if (n === null) break;
      chunks.push(dec.decode(buf.subarray(0, n)));
    }
  } finally {
    clearTimeout(timer);
  }
  try {
    conn.close();
  } catch {
    // closed by the timer
  }
  return chunks.join("");
}

async function connect(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encodeCommand(["PING"]));
  const buf = new Uint8Array(64);
  await conn.read(buf);
  return conn;
}

async function blockedClients(port: number): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(encodeCommand(["INFO", "clients"]));
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    return Number(/blocked_clients:(\d+)/.exec(dec.decode(buf.subarray(0, n ?? 0)))?.[1] ?? -1);
  } finally {
    conn.close();
  }
}

const BLOCKING = [
  ["BLPOP", "q", "0"],
  ["BRPOP", "q", "r", "0"],
  ["BLMOVE", "q", "d", "LEFT", "RIGHT", "0"],
  ["BLMPOP", "0", "1", "q", "LEFT"],
  ["BLPOP", "q", "100"],
];

/**
 * Blocks 25 clients on `srv`, stops it by `how`, and reports what every connection saw and how
 * the process ended.
 */
async function observe(srv: Proc & { port: number }, how: "SHUTDOWN" | "SIGTERM") {
  const conns: Deno.TcpConn[] = [];
  for (let i = 0; i < 25; i++) {
    const c = await connect(srv.port);
    await c.write(encodeCommand(BLOCKING[i % BLOCKING.length]!));
    conns.push(c);
  }
  await waitUntil(async () => await blockedClients(srv.port) === 25, 10000, "25 blocked");
  const reads = conns.map((c) => untilClosed(c));
  let caller = "";
  let status: Deno.CommandStatus;
  if (how === "SHUTDOWN") {
    const c = await connect(srv.port);
    await c.write(encodeCommand(["SHUTDOWN", "NOSAVE"]));
    caller = await untilClosed(c);
    status = await srv.child.status;
  } else {
    status = await srv.stop("SIGTERM");
  }
  const seen = await Promise.all(reads);
  return { blocked: [...new Set(seen)], caller, code: status.code, signal: status.signal };
}

for (const how of ["SHUTDOWN", "SIGTERM"] as const) {
  Deno.test({
    name: `blocked clients: ${how} closes every blocked connection cleanly, exit 0, as Redis`,
    ignore: which("redis-server") === undefined,
    async fn() {
      const redis = await startRedisServer();
      if (redis === undefined) throw new Error("redis-server not found");
      let expected;
      try {
        expected = await observe(redis, how);
      } finally {
        await redis.stop();
      }
      await using tok = await startServer(["redis", "--quiet"]);
      const got = await observe(tok, how);
      assertEquals(expected, { blocked: [""], caller: "", code: 0, signal: null });
      assertEquals(got, expected);
    },
  });
}
