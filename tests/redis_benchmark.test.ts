// redis-benchmark's standard commands against tokserver redis, with and without pipelining:
// every request must be answered without an error line, and the INCR counter must end at the
// number of INCRs sent (so pipelined replies were neither lost nor doubled).

import { assert, assertEquals, run, startServer, which } from "./_util.ts";

const N = 20000;

Deno.test({
  name: "redis-benchmark ping, set, get, incr and mset run without an error, pipelined or not",
  ignore: which("redis-benchmark") === undefined || which("redis-cli") === undefined,
  async fn() {
    await using srv = await startServer(["redis", "--quiet"]);
    for (const pipeline of ["1", "16"]) {
      const out = await run("redis-benchmark", [
        "-p",
        String(srv.port),
        "-t",
        "ping,set,get,incr,mset",
        "-n",
        String(N),
        "-c",
        "20",
        "-P",
        pipeline,
        "--csv",
      ], { timeoutMs: 120_000 });
      const text = out.stdout + out.stderr;
      assertEquals(out.code, 0, text);
      const errors = text.split("\n").filter((l) => /error|ERR/i.test(l));
      assertEquals(errors, [], `-P ${pipeline}`);
      for (const test of ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"]) {
        assert(text.includes(`"${test}"`), `-P ${pipeline}: no result for ${test}:\n${text}`);
      }
    }
    const counter = await run("redis-cli", ["-p", String(srv.port), "GET", "counter:__rand_int__"]);
    assertEquals(counter.stdout.trim(), String(2 * N));
  },
});
