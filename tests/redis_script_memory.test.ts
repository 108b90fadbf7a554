// A script cannot take the server down by memory: runaway scripts (a string doubled forty times,
// a table of big strings, string.rep of 2^30, cjson.encode, table.concat and cmsgpack.pack of a
// table holding one string many times, a table of 10^8 numbers) answer Lua's "not enough memory"
// instead of growing the process until the kernel kills it, the server answers PING afterwards
// with a bounded RSS, writes made before the error are kept and logged, and ordinary scripts that
// make a lot of garbage still run (src/redis/scripting/script_memory.ts).

import { assert, assertEquals, assertMatch } from "@std/assert";
import { encodeCommand } from "./_diff.ts";
import { rssOf, startServer, TcpClient } from "./_util.ts";

const LIMIT_RSS = 1.5 * 1024 * 1024 * 1024;
const OOM = /^-ERR Error running script [0-9a-f]{40}, not enough memory$/;

/** Reads one line without its CRLF. */
async function line(c: TcpClient, ms = 5000): Promise<string> {
  return (await c.readLine(ms)).replace(/\r$/, "");
}

/** Sends one command and reads a one-line reply (a bulk reply's two lines joined by a space). */
async function send(c: TcpClient, ...args: string[]): Promise<string> {
  await c.write(encodeCommand(args));
  const first = await line(c, 60000);
  return first.startsWith("$") && first !== "$-1" ? `${first} ${await line(c)}` : first;
}

const RUNAWAY: Record<string, string> = {
  "a string doubled 40 times": "local s = 'x' for i = 1, 40 do s = s .. s end return #s",
  "a table of 16 MB strings":
    "local t = {} for i = 1, 100 do t[i] = string.rep('x', 16 * 1024 * 1024 + i) end return #t",
  "string.rep of 2^30": "return #string.rep('x', 2^30)",
  "cjson.encode of a huge table": "local s = string.rep('x', 2^20) local t = {} " +
    "for i = 1, 3000 do t[i] = s end return #cjson.encode(t)",
  "table.concat of a huge table": "local s = string.rep('x', 2^20) local t = {} " +
    "for i = 1, 3000 do t[i] = s end return #table.concat(t)",
  "cmsgpack.pack of a huge table": "local s = string.rep('x', 2^20) local t = {} " +
    "for i = 1, 1000 do t[i] = s end return #cmsgpack.pack(t)",
  "a table of 10^8 numbers": "local t = {} for i = 1, 1e8 do t[i] = i end return #t",
};

Deno.test("runaway scripts answer 'not enough memory'; the server lives on with a bounded RSS", async (t) => {
  await using srv = await startServer(["redis", "--quiet"]);
  const c = await TcpClient.connect(srv.port);
  try {
    for (const [name, body] of Object.entries(RUNAWAY)) {
      await t.step(name, async () => {
        assertMatch(await send(c, "EVAL", body, "0"), OOM);
        assertEquals(await send(c, "PING"), "+PONG");
        const rss = rssOf(srv.child.pid);
        assert(rss < LIMIT_RSS, `RSS ${rss} after ${name}`);
      });
    }
    await t.step("inside MULTI (the run that cannot yield)", async () => {
      assertEquals(await send(c, "MULTI"), "+OK");
      assertEquals(await send(c, "EVAL", RUNAWAY["a string doubled 40 times"]!, "0"), "+QUEUED");
      assertEquals(await send(c, "PING"), "+QUEUED");
      assertEquals(await send(c, "EXEC"), "*2");
      assertMatch(await line(c), OOM);
      assertEquals(await line(c), "+PONG");
    });
    await t.step("a library's body: FUNCTION LOAD", async () => {
      const lib = "#!lua name=big\nlocal s = 'x' for i = 1, 40 do s = s .. s end";
      assertEquals(
        await send(c, "FUNCTION", "LOAD", lib),
        "-ERR Error registering functions: ERR not enough memory",
      );
      assertEquals(await send(c, "FUNCTION", "LIST"), "*0");
    });
    await t.step("pcall catches it, as Lua 5.1's pcall catches a failed allocation", async () => {
      const body = "local ok, e = pcall(function() local s = 'x' " +
        "for i = 1, 40 do s = s .. s end end) return {tostring(ok), e}";
      assertEquals(await send(c, "EVAL", body, "0"), "*2");
      assertEquals(await line(c), "$5");
      assertEquals(await line(c), "false");
      assertEquals(await line(c), "$17");
      assertEquals(await line(c), "not enough memory");
    });
    await t.step("a script holding a million-element reply as a table still runs", async () => {
      assertEquals(
        await send(
          c,
          "EVAL",
          "for i = 1, 1000000 do redis.call('rpush', 'L', 'member' .. i) end",
          "0",
        ),
        "$-1",
      );
      // The reply is converted to a table of a million strings (about 250 MB in fengari), twice.
      const body = "local n = 0 for j = 1, 2 do local t = redis.call('lrange', 'L', 0, -1) " +
        "n = n + #t end return n";
      assertEquals(await send(c, "EVAL", body, "0"), ":2000000");
    });
    await t.step("a reply too large to convert: the error alone is the reply", async () => {
      const body =
        "local t = {} for j = 1, 4 do t[j] = redis.call('lrange', 'L', 0, -1) end return #t";
      assertMatch(await send(c, "EVAL", body, "0"), OOM);
      assertEquals(await send(c, "DEL", "L"), ":1");
      assertEquals(await send(c, "PING"), "+PONG");
    });
    await t.step("scripts making much garbage, or a 64 MB string, still run", async () => {
      assertEquals(
        await send(c, "EVAL", "local s = '' for i = 1, 50000 do s = s .. 'x' end return #s", "0"),
        ":50000",
      );
      assertEquals(
        await send(
          c,
          "EVAL",
          "local s = string.rep('x', 2^20) for i = 1, 2000 do " +
            "local x = s .. i end return 1",
          "0",
        ),
        ":1",
      );
      assertEquals(
        await send(
          c,
          "EVAL",
          "return #table.concat({string.rep('ab', 2^24), string.rep('c', 2^25)})",
          "0",
        ),
        ":67108864",
      );
    });
    const rss = rssOf(srv.child.pid);
    assert(rss < LIMIT_RSS, `RSS ${rss} at the end`);
  } finally {
    c.conn.close();
  }
});

Deno.test("writes a script made before running out of memory are kept and logged", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-script-memory-" });
  try {
    const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", dir, "--appendfsync", "no"];
    {
      await using srv = await startServer(args);
      const c = await TcpClient.connect(srv.port);
      try {
        const body = "redis.call('set', KEYS[1], 'before') redis.call('incr', KEYS[2]) " +
          "local s = 'x' for i = 1, 40 do s = s .. s end return #s";
        assertMatch(await send(c, "EVAL", body, "2", "kept", "n"), OOM);
        assertEquals(await send(c, "GET", "kept"), "$6 before");
        assertEquals(await send(c, "GET", "n"), "$1 1");
      } finally {
        c.conn.close();
      }
    }
    const file = await Deno.readTextFile(`${dir}/tokserver.aof`);
    assert(
      file.includes("MULTI") && file.includes("EXEC"),
      `the two writes are wrapped in MULTI/EXEC: ${JSON.stringify(file)}`,
    );
    assert(/set\r\n\$4\r\nkept\r\n\$6\r\nbefore/i.test(file), JSON.stringify(file));
    {
      await using srv = await startServer(args);
      const c = await TcpClient.connect(srv.port);
      try {
        assertEquals(await send(c, "GET", "kept"), "$6 before");
        assertEquals(await send(c, "GET", "n"), "$1 1");
      } finally {
        c.conn.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
