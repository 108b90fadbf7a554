// Starting and stopping the servers a benchmark compares: a real redis-server from Debian's
// package and tokserver itself, each on a free loopback port, always stopped afterwards.

import { freePort, MAIN, RUN_FLAGS, TextSink, which } from "../tests/_util.ts";

/** A server process under measurement. */
export interface BenchServer {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Resident set size of a process in bytes (Linux /proc), or 0 if unknown. */
export function rss(pid: number): number {
  try {
    const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function stopper(child: Deno.ChildProcess, sinks: TextSink[]): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const t = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // gone
        }
      }, 5000);
      await child.status;
      clearTimeout(t);
      await Promise.all(sinks.map((s) => s.done));
    })();
}

/** Starts Debian's redis-server (no persistence) on a free port; undefined if not installed. */
export async function startRedis(extra: string[] = []): Promise<BenchServer | undefined> {
  const bin = which("redis-server");
  if (!bin) return undefined;
  const port = freePort();
  const child = new Deno.Command(bin, {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxclients",
      "20000",
      ...extra,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new TextSink(child.stdout), err = new TextSink(child.stderr);
  await out.waitFor(/Ready to accept connections/, 10000);
  return { name: "redis", port, pid: child.pid, stop: stopper(child, [out, err]) };
}

/** Starts `tokserver <args>` on port 0 (quiet) and waits for its listening line. */
export async function startTokserver(args: string[]): Promise<BenchServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...RUN_FLAGS, MAIN, ...args, "--port", "0", "--quiet"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new TextSink(child.stdout), err = new TextSink(child.stderr);
  const stop = stopper(child, [out, err]);
  try {
    const m = await err.waitFor(/listening on .*:(\d+)/, 15000);
    return { name: "tokserver", port: Number(m[1]), pid: child.pid, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
