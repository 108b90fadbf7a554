// Scripts and functions in the append-only file, as Redis 7 propagates them: a script's writes
// are logged as the commands it ran (effects replication), wrapped in MULTI ... EXEC when there is
// more than one, never as EVAL; redis.set_repl(REPL_NONE) leaves writes out; FUNCTION LOAD and
// DELETE are logged, and a rewrite keeps the libraries. tokserver and redis-server 7.0 both
// reload the file to the same data and functions.

import { connect } from "../src/client/client.ts";
import {
  assert,
  assertEquals,
  startRedisOnTokserverAof,
  startServer,
  waitUntil,
  which,
} from "./_util.ts";

const dec = new TextDecoder();
const text = (v: unknown) => v instanceof Uint8Array ? dec.decode(v) : String(v);

const LIB = "#!lua name=counters\n" +
  "redis.register_function('bump', function(keys, args) " +
  "redis.call('incrby', keys[1], args[1]) return redis.call('set', keys[2], 'bumped') end)";

async function state(port: number): Promise<string[]> {
  const c = await connect({ port });
  try {
    const out: string[] = [];
    for (const k of ["a", "b", "one", "quiet", "f", "g", "m"]) {
      out.push(text(await c.send("GET", k)));
    }
    out.push(text(await c.send("FCALL", "bump", "2", "f", "g", "1")));
    out.push(text(await c.send("GET", "f")));
    return out;
  } finally {
    await c.close();
  }
}

Deno.test("script writes reach the append-only file as their effects; both servers reload them", {
  ignore: which("redis-server") === undefined,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-scripting-" });
  try {
    const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", dir, "--appendfsync", "no"];
    {
      await using srv = await startServer(args);
      const c = await connect({ port: srv.port });
      await c.send(
        "EVAL",
        "redis.call('set', KEYS[1], ARGV[1]) redis.call('incr', KEYS[2])",
        "2",
        "a",
        "b",
        "x",
      );
      await c.send("EVAL", "return redis.call('set', KEYS[1], 'only')", "1", "one");
      await c.send("EVAL", "return redis.call('get', 'a')", "0");
      await c.send(
        "EVAL",
        "redis.set_repl(redis.REPL_NONE) redis.call('set', 'quiet', 'unlogged') " +
          "redis.set_repl(redis.REPL_ALL) return redis.call('set', 'm', 'logged')",
        "0",
      );
      await c.send("FUNCTION", "LOAD", LIB);
      await c.send("FCALL", "bump", "2", "f", "g", "5");
      await c.close();
    }
    const file = await Deno.readTextFile(`${dir}/tokserver.aof`);
    assert(!/EVAL|FCALL/.test(file), "scripts are logged as their effects");
    assert(
      file.includes(
        "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\nx\r\n*2\r\n$4\r\nincr\r\n$1\r\nb\r\n*1\r\n$4\r\nEXEC\r\n",
      ),
      file,
    );
    assert(file.includes("*3\r\n$3\r\nset\r\n$3\r\none\r\n$4\r\nonly\r\n"), "one write alone");
    assert(!file.includes("unlogged"), "REPL_NONE leaves the write out");
    assert(file.includes("$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n"), "FUNCTION LOAD is logged");
    const want = ["x", "1", "only", "unlogged", "5", "bumped", "logged", "OK", "6"];
    {
      await using again = await startServer(args);
      const got = await state(again.port);
      // The unlogged write did not survive the restart.
      assertEquals(got, want.map((v, i) => i === 3 ? "null" : v));
      // A rewrite keeps the library.
      const c = await connect({ port: again.port });
      await c.send("BGREWRITEAOF");
      await waitUntil(async () => /aof_rewrites:1/.test(await c.info("persistence")), 30_000);
      await waitUntil(async () => /aof_rewrite_in_progress:0/.test(await c.info("persistence")));
      await c.close();
    }
    const rewritten = await Deno.readTextFile(`${dir}/tokserver.aof`);
    assert(rewritten.includes("$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$7\r\nREPLACE\r\n"), rewritten);
    await using redis = await startRedisOnTokserverAof(dir);
    const fromRedis = await state(redis.port);
    assertEquals(fromRedis, ["x", "1", "only", "null", "6", "bumped", "logged", "OK", "7"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
