// The client holds no settled reply: 100 concurrent GETs of a 5 MB value whose callers keep only
// the length, then, with the client idle, a full collection brings the process's heap and
// external memory back to where they were before (measured in a child process that can
// collect, tests/client_memory_probe.ts).

import { assertEquals, assertLess } from "./_util.ts";
import { connect } from "../src/client/client.ts";
import { TARGETS } from "./client_targets.ts";

const PROBE = new URL("./client_memory_probe.ts", import.meta.url).pathname;
const MB = 1024 * 1024;

interface Figures {
  heapUsed: number;
  external: number;
  rss: number;
}

for (const target of TARGETS) {
  Deno.test({
    name: `${target.name}: 100 dropped 5 MB replies leave the idle client holding under 10 MB`,
    ignore: target.missing !== undefined,
    async fn() {
      await using srv = await target.start();
      {
        await using setter = await connect({ port: srv.port });
        await setter.set("big", new Uint8Array(5 * MB).fill(120));
      }
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-net", "--v8-flags=--expose-gc", PROBE, String(srv.port), "100"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 0, stderr);
      const r = JSON.parse(new TextDecoder().decode(out.stdout)) as {
        lengths: number[];
        before: Figures;
        peak: Figures;
        after: Figures;
        pending: number;
      };
      assertEquals(r.lengths, [5 * MB]);
      assertEquals(r.pending, 0);
      const held = r.after.heapUsed + r.after.external - r.before.heapUsed - r.before.external;
      const mb = (n: number) => (n / MB).toFixed(2);
      console.log(
        `  heap+external MB: before ${mb(r.before.heapUsed + r.before.external)}, ` +
          `peak ${mb(r.peak.heapUsed + r.peak.external)}, after ${
            mb(r.after.heapUsed + r.after.external)
          } (held ${mb(held)}); external after ${mb(r.after.external)}`,
      );
      assertLess(held, 10 * MB);
    },
  });
}
