// `deno task compile` builds a self-contained binary: it runs from another folder (nothing read
// from the source tree), with its permissions baked in. Building needs Deno's runtime (denort),
// which `deno compile` downloads once; where it cannot be had, this test is reported as ignored.

import { assertEquals, freePort, run, TcpClient, TextSink } from "./_util.ts";
import denoJson from "../deno.json" with { type: "json" };

const ROOT = new URL("..", import.meta.url).pathname;

/** Where `deno compile` looks for the runtime: $DENORT_BIN, or Deno's download cache. */
function runtimeAvailable(): boolean {
  const explicit = Deno.env.get("DENORT_BIN");
  const home = Deno.env.get("HOME") ?? "";
  const denoDir = Deno.env.get("DENO_DIR") ?? `${home}/.cache/deno`;
  const target = `${Deno.build.arch}-unknown-linux-gnu`;
  const candidates = [
    explicit,
    `${denoDir}/dl/release/v${Deno.version.deno}/denort-${target}.zip`,
  ];
  return candidates.some((p) => {
    if (!p) return false;
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
}

Deno.test({
  name: "the compiled binary runs from another folder and serves both servers",
  ignore: Deno.build.os !== "linux" || !runtimeAvailable(),
  async fn() {
    const out = await Deno.makeTempDir();
    try {
      // The task's own command line, with the output moved to the temp folder.
      // The task's $(cat src/v8_flags.txt) is expanded here as deno task's shell expands it.
      const flags = (await Deno.readTextFile(`${ROOT}src/v8_flags.txt`)).trim();
      const task = denoJson.tasks.compile.replace("$(cat src/v8_flags.txt)", flags)
        .split(/\s+/).slice(1); // drop "deno"
      const oi = task.indexOf("-o");
      task[oi + 1] = `${out}/tokserver`;
      const build = await run(
        Deno.execPath(),
        task.map((a) => a === "main.ts" ? `${ROOT}main.ts` : a),
        {
          timeoutMs: 300_000,
        },
      );
      assertEquals(build.code, 0, build.stderr);
      const version = await run(`${out}/tokserver`, ["--version"]);
      assertEquals(version.stdout.trim(), `tokserver ${denoJson.version}`);
      for (const args of [["redis"], ["chat", "--mode", "spawn"]]) {
        const port = freePort();
        const child = new Deno.Command(`${out}/tokserver`, {
          args: [...args, "--port", String(port)],
          cwd: out,
          stdout: "null",
          stderr: "piped",
        }).spawn();
        const stderr = new TextSink(child.stderr);
        try {
          await stderr.waitFor("listening on");
          const c = await TcpClient.connect(port);
          try {
            await c.write(args[0] === "redis" ? "PING\r\n" : "hi\r\n");
            assertEquals(await c.readLine(), args[0] === "redis" ? "+PONG\r" : "hi\r");
          } finally {
            c.close();
          }
        } finally {
          child.kill("SIGTERM");
          assertEquals((await child.status).code, 0);
          await stderr.done;
        }
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
