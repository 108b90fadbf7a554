// maxclients against the open-file limit: fewer clients and one log line when the limit is short.

import { effectiveMaxClients, FD_MARGIN, openFileLimit } from "../src/net/fd_limit.ts";
import { assert, assertEquals, assertStringIncludes, MAIN, TextSink } from "./_util.ts";

Deno.test("maxclients is kept when the open-file limit allows it", () => {
  assertEquals(effectiveMaxClients(10000, 20000), { maxClients: 10000 });
  assertEquals(effectiveMaxClients(10000, undefined), { maxClients: 10000 });
});

Deno.test("maxclients is lowered to the limit minus the margin, with a warning", () => {
  const r = effectiveMaxClients(10000, 4096);
  assertEquals(r.maxClients, 4096 - FD_MARGIN);
  assertStringIncludes(r.warning!, "serving at most 4064 clients");
});

Deno.test("the open-file limit of this process is read from /proc", () => {
  if (Deno.build.os !== "linux") return;
  const n = openFileLimit();
  assert(n === undefined || n > 0);
});

Deno.test({
  name: "a server started under a low hard limit logs the lowered maxclients",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // Deno lets a process read its own /proc entries only with all permissions.
    const cmd = [Deno.execPath(), "run", "--quiet", "--allow-all", MAIN, "chat", "--port", "0"]
      .map((a) => `'${a}'`).join(" ");
    const child = new Deno.Command("bash", {
      args: ["-c", `ulimit -Sn 256 && ulimit -Hn 512 && exec ${cmd}`],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = new TextSink(child.stderr);
    try {
      await stderr.waitFor("listening on");
      assertStringIncludes(stderr.text, `serving at most ${512 - FD_MARGIN} clients`);
    } finally {
      child.kill("SIGTERM");
      assertEquals((await child.status).code, 0);
      await stderr.done;
    }
  },
});
