// A tokserver and a redis-server, both with an append-only file (appendfsync always) in their own
// folders, driven with the same bytes and restarted on their files (SIGTERM or SIGKILL) as a
// pair: the helper of the tests that check what survives a restart, expiry times included.

import { encodeCommand, RawConn, runScript, show, showCommand, type Step } from "./_diff.ts";
import { type Proc, startRedisServer, startServer } from "./_util.ts";

const dec = new TextDecoder();

/** One key as a server holds it: its value (null when missing) and PTTL. */
export interface KeyState {
  value: string | null;
  pttl: bigint;
  pexpiretime: bigint;
}

/** Every live key of one server. */
export type Dump = Map<string, KeyState>;

/** The integer of a `:n\r\n` reply, exactly. */
export function intOf(reply: Uint8Array): bigint {
  const s = dec.decode(reply);
  if (s[0] !== ":") throw new Error(`not an integer reply: ${show(reply)}`);
  return BigInt(s.slice(1, -2));
}

/** The bulk strings of a bulk or an array-of-bulks reply (null for a null bulk). */
export function bulksOf(reply: Uint8Array): Array<string | null> {
  const s = dec.decode(reply);
  const out: Array<string | null> = [];
  let pos = 0;
  const line = (): string => {
    const end = s.indexOf("\r\n", pos);
    const l = s.slice(pos, end);
    pos = end + 2;
    return l;
  };
  const bulk = (): void => {
    const h = line();
    if (h[0] !== "$") throw new Error(`not a bulk: ${show(reply)}`);
    const n = Number(h.slice(1));
    if (n < 0) {
      out.push(null);
      return;
    }
    out.push(s.slice(pos, pos + n));
    pos += n + 2;
  };
  if (s[0] === "*") {
    const n = Number(line().slice(1));
    for (let i = 0; i < n; i++) bulk();
  } else {
    bulk();
  }
  return out;
}

type Started = Proc & { port: number };

/** The flags both servers run with: the append-only file, fsynced before each reply. */
export const AOF_ALWAYS: readonly string[] = ["--appendonly", "yes", "--appendfsync", "always"];

/** The two servers, their folders and one connection to each. */
export class AofPair {
  #tok!: Started;
  #redis!: Started;
  #conns: [RawConn, RawConn] | undefined;
  readonly tokDir: string;
  readonly redisDir: string;
  readonly #root: string;

  private constructor(root: string) {
    this.#root = root;
    this.tokDir = `${root}/tok`;
    this.redisDir = `${root}/redis`;
  }

  /** Starts both (undefined when redis-server is not installed). */
  static async start(): Promise<AofPair | undefined> {
    const root = await Deno.makeTempDir({ prefix: "tokserver-aof-pair-" });
    const pair = new AofPair(root);
    await Deno.mkdir(pair.tokDir);
    await Deno.mkdir(pair.redisDir);
    try {
      if (!(await pair.#startBoth())) {
        await Deno.remove(root, { recursive: true });
        return undefined;
      }
    } catch (err) {
      await pair[Symbol.asyncDispose]();
      throw err;
    }
    return pair;
  }

  async #startBoth(): Promise<boolean> {
    const [redis, tok] = await Promise.all([
      startRedisServer([...AOF_ALWAYS, "--dir", this.redisDir]),
      startServer(["redis", "--quiet", ...AOF_ALWAYS, "--dir", this.tokDir]),
    ]);
    this.#tok = tok;
    if (redis === undefined) return false;
    this.#redis = redis;
    this.#conns = await Promise.all([RawConn.connect(redis.port), RawConn.connect(tok.port)]);
    return true;
  }

  /** tokserver's port. */
  get tokPort(): number {
    return this.#tok.port;
  }

  /** The tokserver process (its stderr, for log lines). */
  get tok(): Started {
    return this.#tok;
  }

  /** The path of tokserver's append-only file. */
  get tokFile(): string {
    return `${this.tokDir}/tokserver.aof`;
  }

  /** Sends the same commands to both (pipelined) and returns [redis replies, tokserver replies]. */
  async send(
    cmds: readonly (readonly (string | Uint8Array)[])[],
  ): Promise<[Uint8Array[], Uint8Array[]]> {
    const conns = this.#conns!;
    const bytes = cmds.map((c) => encodeCommand(c));
    const all = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
    let o = 0;
    for (const b of bytes) {
      all.set(b, o);
      o += b.length;
    }
    const [r, t] = await Promise.all(conns.map(async (c) => {
      await c.send(all);
      const out: Uint8Array[] = [];
      for (let i = 0; i < cmds.length; i++) out.push(await c.reply());
      return out;
    }));
    return [r!, t!];
  }

  /** Sends commands to both and lists every reply that differs, byte for byte. */
  async compare(
    cmds: readonly (readonly (string | Uint8Array)[])[],
    where = "",
  ): Promise<string[]> {
    const [r, t] = await this.send(cmds);
    const problems: string[] = [];
    cmds.forEach((cmd, i) => {
      const a = dec.decode(r[i]!), b = dec.decode(t[i]!);
      if (a !== b) {
        problems.push(
          `${where}${showCommand(cmd as (string | Uint8Array)[])}\n  redis:     ${
            show(r[i]!)
          }\n  tokserver: ${show(t[i]!)}`,
        );
      }
    });
    return problems;
  }

  /** Like {@linkcode compare}, throwing a report of the differences. */
  async same(cmds: readonly (readonly (string | Uint8Array)[])[], where = ""): Promise<void> {
    const problems = await this.compare(cmds, where);
    if (problems.length > 0) {
      throw new Error(`${problems.length} difference(s):\n\n${problems.join("\n\n")}`);
    }
  }

  /** Stops both with `how` (a signal, or the SHUTDOWN command) and starts them on their files. */
  async restart(how: Deno.Signal | "SHUTDOWN"): Promise<void> {
    const conns = this.#conns ?? [];
    if (how === "SHUTDOWN") {
      await Promise.all(conns.map((c) => c.send(encodeCommand(["SHUTDOWN"]))));
      await Promise.all([this.#tok.child.status, this.#redis.child.status]);
    }
    for (const c of conns) c.close();
    this.#conns = undefined;
    const signal = how === "SHUTDOWN" ? "SIGTERM" : how;
    await Promise.all([this.#tok.stop(signal), this.#redis.stop(signal)]);
    await this.#startBoth();
  }

  /** BGREWRITEAOF on both; resolves once both rewrites are done. */
  async rewrite(): Promise<void> {
    const [r, t] = await this.send([["BGREWRITEAOF"]]);
    for (const reply of [r[0]!, t[0]!]) {
      if (!dec.decode(reply).startsWith("+Background append only file rewriting")) {
        throw new Error(`BGREWRITEAOF answered ${show(reply)}`);
      }
    }
    const deadline = Date.now() + 10000;
    while (true) {
      const [ri, ti] = await this.send([["INFO", "persistence"]]);
      const busy = [ri[0]!, ti[0]!].some((b) => {
        const s = dec.decode(b);
        return s.includes("aof_rewrite_in_progress:1") || s.includes("aof_rewrite_scheduled:1");
      });
      if (!busy) return;
      if (Date.now() > deadline) throw new Error("the rewrites did not finish within 10 s");
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  /** Every live key of each server: [redis, tokserver]. */
  async dump(): Promise<[Dump, Dump]> {
    const conns = this.#conns!;
    const dumps = await Promise.all(conns.map(async (c) => {
      const keys = bulksOf(await c.call(["KEYS", "*"])) as string[];
      keys.sort();
      const d: Dump = new Map();
      for (const k of keys) {
        await c.send(encodeCommand(["GET", k]));
        await c.send(encodeCommand(["PTTL", k]));
        await c.send(encodeCommand(["PEXPIRETIME", k]));
      }
      for (const k of keys) {
        const value = bulksOf(await c.reply())[0]!;
        const pttl = intOf(await c.reply());
        const pexpiretime = intOf(await c.reply());
        d.set(k, { value, pttl, pexpiretime });
      }
      return d;
    }));
    return [dumps[0]!, dumps[1]!];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const c of this.#conns ?? []) c.close();
    await Promise.all([this.#tok?.[Symbol.asyncDispose](), this.#redis?.[Symbol.asyncDispose]()]);
    await Deno.remove(this.#root, { recursive: true }).catch(() => {});
  }
}

/**
 * The differences between two dumps: keys and values must be equal, PTTLs within `slackMs`
 * of each other (-1 exactly).
 */
export function diffDumps(
  want: Dump,
  got: Dump,
  slackMs: number,
  labels: [string, string] = ["redis", "tokserver"],
): string[] {
  const problems: string[] = [];
  const keys = new Set([...want.keys(), ...got.keys()]);
  for (const k of [...keys].sort()) {
    const a = want.get(k), b = got.get(k);
    if (a === undefined || b === undefined) {
      problems.push(
        `key ${JSON.stringify(k)}: ${labels[0]} ${a ? JSON.stringify(a.value) : "missing"}, ` +
          `${labels[1]} ${b ? JSON.stringify(b.value) : "missing"}`,
      );
      continue;
    }
    if (a.value !== b.value) {
      problems.push(
        `key ${JSON.stringify(k)}: value ${labels[0]} ${JSON.stringify(a.value)}, ` +
          `${labels[1]} ${JSON.stringify(b.value)}`,
      );
    }
    const d = a.pttl > b.pttl ? a.pttl - b.pttl : b.pttl - a.pttl;
    if ((a.pttl < 0n || b.pttl < 0n) ? a.pttl !== b.pttl : d > BigInt(slackMs)) {
      problems.push(
        `key ${JSON.stringify(k)}: PTTL ${labels[0]} ${a.pttl}, ${labels[1]} ${b.pttl} ` +
          `(slack ${slackMs} ms)`,
      );
    }
  }
  return problems;
}

/** The incremental append-only file redis-server 7 writes in `dir` (multi-part AOF). */
async function redisIncrAof(dir: string): Promise<Uint8Array> {
  for await (const e of Deno.readDir(`${dir}/appendonlydir`)) {
    if (e.name.endsWith(".incr.aof")) return await Deno.readFile(`${dir}/appendonlydir/${e.name}`);
  }
  throw new Error(`no .incr.aof in ${dir}/appendonlydir`);
}

/** What a script run on both servers (with an append-only file) left: replies and both files. */
export interface ScriptFiles {
  /** The replies that differed (runScript's report). */
  problems: string[];
  /** redis-server's incremental file. */
  redis: Uint8Array;
  /** tokserver's file. */
  tok: Uint8Array;
}

/**
 * Runs `steps` on a fresh redis-server and tokserver, each with an append-only file (appendfsync
 * always), and returns the reply differences and the two files, to compare byte for byte.
 */
export async function scriptAofFiles(steps: Step[], prefix: string): Promise<ScriptFiles> {
  const redisDir = await Deno.makeTempDir({ prefix: `${prefix}_redis_` });
  const tokDir = await Deno.makeTempDir({ prefix: `${prefix}_tok_` });
  try {
    await using redis = await startRedisServer([...AOF_ALWAYS, "--dir", redisDir]);
    await using tok = await startServer(["redis", "--quiet", ...AOF_ALWAYS, "--dir", tokDir]);
    const problems = await runScript(redis!.port, tok.port, steps);
    return {
      problems,
      redis: await redisIncrAof(redisDir),
      tok: await Deno.readFile(`${tokDir}/tokserver.aof`),
    };
  } finally {
    await Deno.remove(redisDir, { recursive: true }).catch(() => {});
    await Deno.remove(tokDir, { recursive: true }).catch(() => {});
  }
}
