// Helpers for behaviour tests: start tokserver as a real process on port 0, talk to it over real
// loopback sockets, and always stop what was started.

export {
  assert,
  assertEquals,
  assertGreater,
  assertLess,
  assertMatch,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
  fail,
} from "../src/std/assert.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Path of main.ts, for spawning. */
export const MAIN = new URL("../main.ts", import.meta.url).pathname;

let runFlags: string[] | undefined;

/**
 * Flags the server runs with in tests (the same as `deno task start`). Read on first use, so a
 * process that imports these helpers without read access (a bench's child) can still load them.
 */
export function serverFlags(): string[] {
  return runFlags ??= [
    "run",
    "--quiet",
    // src/v8_flags.txt, which deno.json's start and compile tasks read too (docs/design.md says
    // why each flag is there).
    `--v8-flags=${Deno.readTextFileSync(new URL("../src/v8_flags.txt", import.meta.url)).trim()}`,
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-sys",
  ];
}

/** Collects a stream's text as it arrives, so a pipe never fills up and blocks the child. */
export class TextSink {
  text = "";
  #waiters: Array<() => void> = [];
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.text += chunk;
        for (const w of this.#waiters.splice(0)) w();
      }
      for (const w of this.#waiters.splice(0)) w();
    })().catch(() => {});
  }

  /** Waits until `re` matches the collected text (or the stream ends, or `ms` pass). */
  async waitFor(re: RegExp | string, ms = 5000): Promise<RegExpMatchArray> {
    const pattern = typeof re === "string" ? new RegExp(escapeRe(re)) : re;
    const deadline = Date.now() + ms;
    let ended = false;
    this.done.then(() => ended = true);
    while (true) {
      const m = this.text.match(pattern);
      if (m) return m;
      const left = deadline - Date.now();
      if (left <= 0 || ended) {
        throw new Error(`timed out waiting for ${pattern} in output:\n${this.text.slice(-2000)}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A tokserver process started by a test. */
export interface Proc {
  child: Deno.ChildProcess;
  stdout: TextSink;
  stderr: TextSink;
  /** Writes to the child's stdin (only with `stdin: true`). */
  writeStdin(text: string): Promise<void>;
  closeStdin(): Promise<void>;
  /** Sends a signal and waits for the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** SIGKILLs `child` once `ms` have passed, unless the returned function is called first. */
export function killAfter(child: Deno.ChildProcess, ms: number): () => void {
  const t = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }, ms);
  return () => clearTimeout(t);
}

/** Runs `tokserver ...args` as a child process with piped stdio. */
export function spawnTokserver(args: string[], opts: { stdin?: boolean } = {}): Proc {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...serverFlags(), MAIN, ...args],
    stdin: opts.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stdout = new TextSink(child.stdout);
  const stderr = new TextSink(child.stderr);
  let stdinWriter: WritableStreamDefaultWriter<Uint8Array> | undefined;
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const proc: Proc = {
    child,
    stdout,
    stderr,
    async writeStdin(text) {
      stdinWriter ??= child.stdin.getWriter();
      await stdinWriter.write(encoder.encode(text));
    },
    async closeStdin() {
      stdinWriter ??= child.stdin.getWriter();
      await stdinWriter.close().catch(() => {});
    },
    async stop(signal: Deno.Signal = "SIGTERM") {
      if (!exited) {
        try {
          child.kill(signal);
        } catch {
          // already gone
        }
      }
      const s = await status;
      if (opts.stdin) await proc.closeStdin();
      await Promise.all([stdout.done, stderr.done]);
      return s;
    },
    async [Symbol.asyncDispose]() {
      if (!exited) {
        const cancel = killAfter(child, 3000);
        await proc.stop();
        cancel();
      } else {
        await proc.stop();
      }
    },
  };
  return proc;
}

/** A running tokserver server and the port it listens on. */
export interface Server extends Proc {
  port: number;
}

/**
 * Starts `tokserver <args> --port 0` and waits for its `listening on HOST:PORT` line.
 * Use with `await using srv = await startServer([...])` so it is always stopped.
 */
export async function startServer(
  args: string[],
  opts: { stdin?: boolean } = {},
): Promise<Server> {
  const proc = spawnTokserver([...args, "--port", "0"], opts);
  try {
    const m = await proc.stderr.waitFor(/listening on .*:(\d+)/, 15000);
    return Object.assign(proc, { port: Number(m[1]) });
  } catch (err) {
    await proc[Symbol.asyncDispose]();
    throw err;
  }
}

/** A raw TCP test client with line-oriented helpers. */
export class TcpClient {
  readonly conn: Deno.TcpConn;
  #buf = new Uint8Array(0);
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #eof = false;
  #pendingRead?: Promise<ReadableStreamReadResult<Uint8Array>>;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.#reader = conn.readable.getReader();
  }

  /** Connects to 127.0.0.1:`port`. */
  static async connect(port: number): Promise<TcpClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new TcpClient(conn);
  }

  /** Writes text or bytes. */
  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
  }

  async #fill(ms: number): Promise<boolean> {
    if (this.#eof) return false;
    let t: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((r) => t = setTimeout(() => r("timeout"), ms));
    try {
      // A read still pending from a fill that timed out is reused, so its data is not lost.
      const read = this.#pendingRead ??= this.#reader.read();
      const r = await Promise.race([read, timeout]);
      if (r === "timeout") throw new Error(`timed out after ${ms} ms; buffered: ${this.text()}`);
      this.#pendingRead = undefined;
      if (r.done) {
        this.#eof = true;
        return false;
      }
      const next = new Uint8Array(this.#buf.length + r.value.length);
      next.set(this.#buf);
      next.set(r.value, this.#buf.length);
      this.#buf = next;
      return true;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("timed out")) throw err;
      this.#pendingRead = undefined;
      this.#eof = true; // reset by peer counts as the end
      return false;
    } finally {
      clearTimeout(t);
    }
  }

  /** What is buffered, as text. */
  text(): string {
    return decoder.decode(this.#buf);
  }

  /** Reads until `n` bytes are buffered, returns and consumes them. */
  async readBytes(n: number, ms = 5000): Promise<Uint8Array> {
    const deadline = Date.now() + ms;
    while (this.#buf.length < n) {
      if (!await this.#fill(Math.max(1, deadline - Date.now()))) {
        throw new Error(`connection ended after ${this.#buf.length} of ${n} bytes`);
      }
    }
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** Reads one line; returns it without its LF (a CR before it is kept). */
  async readLine(ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    while (true) {
      const i = this.#buf.indexOf(10);
      if (i !== -1) {
        const line = decoder.decode(this.#buf.subarray(0, i));
        this.#buf = this.#buf.slice(i + 1);
        return line;
      }
      if (!await this.#fill(Math.max(1, deadline - Date.now()))) {
        throw new Error(`connection ended before a line; buffered: ${JSON.stringify(this.text())}`);
      }
    }
  }

  /** Reads until the buffered text contains `s`; returns and consumes everything up to its end. */
  async readUntil(s: string, ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    while (true) {
      const text = this.text();
      const i = text.indexOf(s);
      if (i !== -1) {
        const upto = encoder.encode(text.slice(0, i + s.length)).length;
        const out = decoder.decode(this.#buf.subarray(0, upto));
        this.#buf = this.#buf.slice(upto);
        return out;
      }
      if (!await this.#fill(Math.max(1, deadline - Date.now()))) {
        throw new Error(
          `connection ended before ${JSON.stringify(s)}; got ${JSON.stringify(text)}`,
        );
      }
    }
  }

  /** Asserts nothing arrives for `ms` (returns what did arrive, normally ""). */
  async quietFor(ms: number): Promise<string> {
    try {
      await this.#fill(ms);
    } catch {
      // timed out: quiet, as hoped
    }
    const t = this.text();
    return t;
  }

  /** Resolves true when the server closes the connection within `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    try {
      while (await this.#fill(Math.max(1, deadline - Date.now()))) {
        // keep reading what is left
      }
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Resident set size of a process in bytes (Linux /proc). Throws where it cannot be read (Deno
 * reads /proc only with --allow-all), so a memory assertion can never pass by reading 0.
 */
export function rssOf(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const m = status.match(/VmRSS:\s+(\d+) kB/);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Memory of a server at rest: its heap after the idle collection, and its RSS just after. */
export interface IdleMemory {
  heap: number;
  rss: number;
}

/**
 * Waits for the idle collection that follows the server's last client leaving (its `idle: heap
 * ... after collection` line, logged after the last `(0 connected)`) and reads the RSS then.
 * The caller waits for the clients to be gone first. Comparing two of these compares like with
 * like: no client, nothing queued, garbage collected.
 */
export async function idleMemory(srv: Proc, ms = 15000): Promise<IdleMemory> {
  let heap: number | undefined;
  await waitUntil(
    () => {
      const text = srv.stderr.text;
      const after = text.slice(text.lastIndexOf("(0 connected)"));
      const m = after.match(/idle: heap ([\d.]+) MB after collection/);
      if (m) heap = Number(m[1]) * 2 ** 20;
      return m !== null;
    },
    ms,
    "the idle collection",
  );
  return { heap: heap!, rss: rssOf(srv.child.pid) };
}

/** Asserts that heap and RSS at rest grew less than the limits from `before` to `after`. */
export function assertIdleGrowth(
  before: IdleMemory,
  after: IdleMemory,
  limits: { heap: number; rss: number },
): void {
  const mb = (n: number) => (n / 2 ** 20).toFixed(2);
  console.log(
    `at rest: heap ${mb(before.heap)} MB -> ${mb(after.heap)} MB, ` +
      `RSS ${mb(before.rss)} MB -> ${mb(after.rss)} MB`,
  );
  if (after.heap - before.heap >= limits.heap) {
    throw new Error(`heap grew ${mb(after.heap - before.heap)} MB (limit ${mb(limits.heap)} MB)`);
  }
  if (after.rss - before.rss >= limits.rss) {
    throw new Error(`RSS grew ${mb(after.rss - before.rss)} MB (limit ${mb(limits.rss)} MB)`);
  }
}

/**
 * Runs `round(0)` (a load that ends with every client gone) and checks memory at rest against
 * `before`. The heap must hold its bound after every round. The RSS at rest moves between levels
 * from round to round, up or down by 10-30 MB with no leak (the runtime's socket pools and the
 * allocator), while a leak grows it every round: when a round ends over the RSS bound, up to
 * `extra` more rounds of the same load are run, and the bound must hold after one of them.
 */
export async function assertRoundsAtRest(
  srv: Proc,
  before: IdleMemory,
  limits: { heap: number; rss: number },
  round: (n: number) => Promise<void>,
  extra = 2,
): Promise<void> {
  for (let n = 0;; n++) {
    await round(n);
    const after = await idleMemory(srv);
    const rssOk = after.rss - before.rss < limits.rss;
    assertIdleGrowth(before, after, {
      heap: limits.heap,
      rss: rssOk || n === extra ? limits.rss : Infinity,
    });
    if (rssOk) return;
    console.log(`round ${n + 1}: RSS over its bound at rest; one more round of the same load`);
  }
}

/** Whether an executable is on PATH. */
export function which(cmd: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const p = `${dir}/${cmd}`;
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A free loopback port (bound, then released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Runs a command to completion and returns its status and output. */
export async function run(
  cmd: string,
  args: string[],
  opts: { stdin?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(encoder.encode(opts.stdin));
    await w.close();
  }
  const t = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }, opts.timeoutMs ?? 30000);
  const out = await child.output();
  clearTimeout(t);
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Runs `tokserver ...args` to completion (for CLI tests). */
export function runTokserver(
  args: string[],
  opts: { stdin?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(Deno.execPath(), [...serverFlags(), MAIN, ...args], opts);
}

/**
 * A redis-server 7 started on the append-only file a tokserver wrote in `dir` (renamed, so Redis
 * migrates it as an old-style file), to check that Redis loads our files.
 */
export async function startRedisOnTokserverAof(dir: string): Promise<Proc & { port: number }> {
  await Deno.rename(`${dir}/tokserver.aof`, `${dir}/ours.aof`);
  const redis = await startRedisServer([
    "--appendonly",
    "yes",
    "--appendfilename",
    "ours.aof",
    "--dir",
    dir,
    "--aof-use-rdb-preamble",
    "no",
  ]);
  if (redis === undefined) throw new Error("redis-server not found");
  return redis;
}

/**
 * Starts a real redis-server (Debian's) on a free port for differential tests; undefined when
 * redis-server is not installed. Stop it with `await using`.
 */
export async function startRedisServer(
  extra: string[] = [],
): Promise<(Proc & { port: number }) | undefined> {
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
      "--daemonize",
      "no",
      ...extra,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new TextSink(child.stdout);
  const stderr = new TextSink(child.stderr);
  await stdout.waitFor(/Ready to accept connections/, 10000);
  let exited = false;
  const status = child.status.then((s) => (exited = true, s));
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    if (!exited) {
      try {
        child.kill(signal);
      } catch {
        // gone
      }
    }
    const s = await status;
    await Promise.all([stdout.done, stderr.done]);
    return s;
  };
  return {
    child,
    stdout,
    stderr,
    port,
    writeStdin: () => Promise.resolve(),
    closeStdin: () => Promise.resolve(),
    stop,
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}

/** Waits until `cond()` is true, polling every 20 ms, for at most `ms`. */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  ms = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
