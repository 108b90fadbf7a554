// Start-up: time from process start to the first PONG, for `deno task start redis` (and the
// compiled binary, when `deno compile` can find denort without a download) beside redis-server;
// and the time both take to load the same 1 GB append-only file (100 MB with --quick) of SETs of
// mixed sizes, generated once in a temporary folder and removed afterwards. A server that answers
// -LOADING while it loads is polled until it answers +PONG. Servers alternate; medians.

import { alternate, type BenchContext, type BenchRow, median, ratio, runAlone } from "./_lib.ts";
import { freePort, which } from "../tests/_util.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const enc = new TextEncoder();

/** How to start one server on `port`. */
type Launch = (port: number) => { cmd: string; args: string[]; cwd?: string };

/** Kills a process and the children it started (deno task runs the server as its child). */
function killTree(pid: number): void {
  let kids: number[] = [];
  try {
    kids = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/)
      .filter((s) => s !== "").map(Number);
  } catch {
    // gone, or no children
  }
  for (const k of kids) killTree(k);
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}

/** Milliseconds from spawning `launch` to the first +PONG on its port. */
async function firstPong(launch: Launch, timeoutMs = 600_000): Promise<number> {
  const port = freePort();
  const { cmd, args, cwd } = launch(port);
  const started = performance.now();
  const child = new Deno.Command(cmd, { args, cwd, stdin: "null", stdout: "null", stderr: "null" })
    .spawn();
  const buf = new Uint8Array(64);
  try {
    while (performance.now() - started < timeoutMs) {
      let conn: Deno.TcpConn | undefined;
      try {
        conn = await Deno.connect({ hostname: "127.0.0.1", port });
        await conn.write(enc.encode("PING\r\n"));
        const n = await conn.read(buf);
        if (n !== null && buf[0] === 43 /* + */) return performance.now() - started;
      } catch {
        // not listening yet
      } finally {
        conn?.close();
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(`${cmd} gave no PONG within ${timeoutMs} ms`);
  } finally {
    killTree(child.pid);
    await child.status;
  }
}

const redisLaunch = (extra: string[] = []): Launch => (port) => ({
  cmd: "redis-server",
  args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...extra],
});

/** The compiled binary's path, compiled into `dir`, or undefined when denort is not at hand. */
async function compiled(dir: string): Promise<string | undefined> {
  const out = `${dir}/tokserver`;
  const flags = Deno.readTextFileSync(`${ROOT}src/v8_flags.txt`).trim();
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["compile", "--quiet", `--v8-flags=${flags}`, "-A", "-o", out, `${ROOT}main.ts`],
    stdout: "null",
    stderr: "null",
    // No network: a machine without a cached denort skips the row instead of downloading it.
    env: { DENO_NO_UPDATE_CHECK: "1", HTTPS_PROXY: "http://127.0.0.1:9" },
  }).output().catch(() => undefined);
  return res?.code === 0 ? out : undefined;
}

/** Writes an append-only file of SETs (values of 16 B to 4 KiB, 100,000 keys) of about `bytes`. */
async function writeAof(path: string, bytes: number): Promise<void> {
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  const sizes = [16, 64, 256, 1024, 4096];
  const values = sizes.map((s) => "x".repeat(s));
  let written = 0, i = 0;
  try {
    while (written < bytes) {
      let chunk = "";
      for (let j = 0; j < 10_000; j++, i++) {
        const key = `key:${(i * 7919) % 100_000}`;
        const v = values[i % sizes.length]!;
        chunk += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${v.length}\r\n${v}\r\n`;
      }
      const b = enc.encode(chunk);
      for (let off = 0; off < b.length;) off += await f.write(b.subarray(off));
      written += b.length;
    }
  } finally {
    f.close();
  }
}

/** The first-PONG goal is absolute: 300 ms. */
function pongNote(ms: number): string {
  return `target <= 300 ms: ${ms <= 300 ? "met" : "MISSED"}`;
}

function row(measure: string, r: number[], t: number[] | undefined, target?: number): BenchRow {
  const rv = median(r), tv = t === undefined ? null : median(t);
  return {
    measure,
    unit: "ms",
    redis: rv,
    tokserver: tv,
    ratio: ratio(tv, rv),
    lowerIsBetter: true,
    target: tv === null ? undefined : target,
    note: tv === null ? "skipped: no denort (deno compile needs it)" : pongNote(tv),
  };
}

/** The benchmark module: first PONG of each way to start, and 1 GB append-only file load time. */
export async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!which("redis-server")) return [];
  const rounds = ctx.quick ? 3 : 5;
  const rows: BenchRow[] = [];
  const dir = await Deno.makeTempDir({ prefix: "tokserver-bench-startup-" });
  try {
    ctx.progress("first PONG: deno task start redis vs redis-server");
    const task: Launch = (port) => ({
      cmd: Deno.execPath(),
      args: ["task", "-q", "start", "redis", "--port", String(port), "--quiet"],
      cwd: ROOT,
    });
    const [r, t] = await alternate([redisLaunch(), task], rounds, (l) => firstPong(l));
    rows.push(row("first PONG after start: deno task start redis", r!, t!));
    const bin = await compiled(dir);
    let binTimes: number[] | undefined;
    if (bin !== undefined) {
      ctx.progress("first PONG: compiled binary");
      binTimes = (await alternate(
        [(port: number) => ({
          cmd: bin,
          args: ["redis", "--port", String(port), "--quiet"],
        })],
        rounds,
        (l) => firstPong(l),
      ))[0];
    }
    rows.push(row("first PONG after start: compiled binary", r!, binTimes));

    const size = ctx.quick ? 100 << 20 : 1 << 30;
    ctx.progress(`writing a ${size >> 20} MB append-only file`);
    const aof = `${dir}/tok/load.aof`;
    await Deno.mkdir(`${dir}/tok`);
    await writeAof(aof, size);
    // Redis 7 reads the same bytes as the base file of a multi-part AOF (a hard link, no copy).
    await Deno.mkdir(`${dir}/redis/appendonlydir`, { recursive: true });
    await Deno.link(aof, `${dir}/redis/appendonlydir/base.aof`);
    const manifest = `${dir}/redis/appendonlydir/appendonly.aof.manifest`;
    const actual = (await Deno.stat(aof)).size;
    ctx.progress(`loading ${actual >> 20} MB in both servers`);
    const launches: Launch[] = [
      (port) => {
        // Redis adds an incremental file and rewrites the manifest on each start.
        Deno.writeTextFileSync(manifest, "file base.aof seq 1 type b\n");
        for (const e of Deno.readDirSync(`${dir}/redis/appendonlydir`)) {
          if (e.name.includes(".incr.")) Deno.removeSync(`${dir}/redis/appendonlydir/${e.name}`);
        }
        return redisLaunch(["--appendonly", "yes", "--dir", `${dir}/redis`])(port);
      },
      (port) => ({
        cmd: Deno.execPath(),
        args: ["task", "-q", "start", "redis", "--port", String(port), "--quiet"].concat(
          ["--appendonly", "yes", "--dir", `${dir}/tok`, "--appendfilename", "load.aof"],
        ),
        cwd: ROOT,
      }),
    ];
    const [lr, lt] = await alternate(launches, ctx.quick ? 1 : 3, (l) => firstPong(l));
    const load = row(
      `load a ${actual >> 20} MB append-only file (start to first PONG)`,
      lr!,
      lt!,
      2,
    );
    load.note = "SETs of 16 B to 4 KiB over 100,000 keys";
    rows.push(load);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return rows;
}

if (import.meta.main) await runAlone(bench);
