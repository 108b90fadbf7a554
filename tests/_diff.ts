// Differential harness: sends the same command scripts to a real redis-server and to
// `tokserver redis` over raw TCP and compares the raw reply bytes, command by command. Redis 7 is
// the specification, so a script never states what a reply should be: whatever redis-server
// answers is right. Replies that legitimately differ (random picks, cursors, clocks) name a
// comparator on their step instead of being skipped.
//
// Scripts are text, one command a line, split like redis-cli does (quotes, "\x00" escapes):
//
//     # a comment
//     SET k v PX 100
//     @sleep 150              waits 150 ms before the next command
//     @sorted KEYS *          compares arrays of plain values as sorted lists
//     @near=1 TTL k           integers may differ by 1
//     @type RANDOMKEY         only the reply type (and array length) must match
//     @scan SCAN 0 MATCH k*   iterates the cursor to 0 on each side, compares the sets of keys
//     @client=1 GET k         sends on a second connection (0 is the default)
//     @client=1 @push         sends nothing: reads the next frame (a push, an invalidation)
//     @client=2 @nowait BLPOP q 0   sends without reading the reply (a blocked client)
//     @client=2 @reply        sends nothing: reads the reply a @nowait command left (as @push)
//     @save=id CLIENT ID      remembers each side's integer reply; "$id" in a later argument
//                             is replaced by it on that side
//     @noid HELLO 3           compares with the value after "id" in a HELLO reply masked
//
// Environment: DIFF_TARGET=redis compares two redis-servers (checks the scripts and their
// comparators before tokserver can answer them); DIFF_TARGET=port:N compares with a server
// already listening on port N; DIFF_TRANSCRIPT=1 prints every command with redis-server's reply.

import { type Reply, ReplyError, ReplyParser } from "../src/resp/reply_parser.ts";
import { splitInline } from "../src/resp/request_parser.ts";
import { type Proc, startRedisServer, startServer, which } from "./_util.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A command argument. */
export type Arg = string | Uint8Array;

/**
 * How two replies are compared. "exact" (the default): the same bytes. "sorted": arrays of plain
 * values compared as sorted lists. "type": the same reply type and array length. "ignore": both
 * answered. `{ near: n }`: integers at most n apart. "scan": the command is a SCAN-family call
 * whose cursor is iterated to 0 on each side; the sets of returned elements must be equal. A
 * function gets both parsed replies and returns a complaint, or undefined when they agree.
 */
export type Compare =
  | "exact"
  | "sorted"
  | "type"
  | "ignore"
  | "scan"
  | "noid"
  | { near: number }
  | ((redis: Reply, tokserver: Reply) => string | undefined);

/** One command of a script. */
export interface CommandStep {
  cmd: Arg[];
  cmp?: Compare;
  /** Which connection sends it (each script opens connections on first use). */
  client?: number;
  /** Where the step came from, for messages (e.g. the script line). */
  where?: string;
  /** Send nothing: read the connection's next frame. */
  read?: boolean;
  /** Send, and compare nothing: the reply is read by a later `read` step. */
  nowait?: boolean;
  /** Remember each side's (integer) reply under this name, for `$name` arguments. */
  save?: string;
}

/** A pause, to let short expiries pass. */
export interface SleepStep {
  sleep: number;
}

/** A script step. */
export type Step = CommandStep | SleepStep;

/** Parses the text form of a script (see the top of this file). */
export function parseScript(text: string, name = "script"): Step[] {
  const steps: Step[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const where = `${name}:${i + 1}`;
    let line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const step: CommandStep = { cmd: [], where };
    while (line.startsWith("@")) {
      const sp = line.search(/\s/);
      const word = sp === -1 ? line : line.slice(0, sp);
      line = sp === -1 ? "" : line.slice(sp).trimStart();
      const [key, value] = word.slice(1).split("=", 2) as [string, string | undefined];
      if (key === "sleep") {
        const ms = Number(line);
        if (!Number.isFinite(ms) || ms < 0) throw new Error(`${where}: bad @sleep ${line}`);
        steps.push({ sleep: ms });
        line = "";
        step.cmd = [];
        break;
      } else if (
        key === "sorted" || key === "type" || key === "ignore" || key === "scan" ||
        key === "noid"
      ) {
        step.cmp = key;
      } else if (key === "push" || key === "reply") {
        step.read = true;
      } else if (key === "nowait") {
        step.nowait = true;
      } else if (key === "save" && value !== undefined) {
        step.save = value;
      } else if (key === "near" && value !== undefined) step.cmp = { near: Number(value) };
      else if (key === "client" && value !== undefined) step.client = Number(value);
      else throw new Error(`${where}: unknown directive @${word.slice(1)}`);
    }
    if (line === "") {
      if (step.read) steps.push(step);
      continue;
    }
    const args = splitInline(enc.encode(line));
    if (args === undefined || args.length === 0) throw new Error(`${where}: cannot split ${line}`);
    step.cmd = args;
    steps.push(step);
  }
  return steps;
}

/** Tagged template: `script\`SET k v\`` parses the text form. */
export function script(strings: TemplateStringsArray, ...values: unknown[]): Step[] {
  return parseScript(String.raw(strings, ...values));
}

/** Encodes a command as a RESP multibulk. */
export function encodeCommand(args: readonly Arg[]): Uint8Array {
  const parts: Uint8Array[] = [enc.encode(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === "string" ? enc.encode(a) : a;
    parts.push(enc.encode(`$${b.length}\r\n`), b, enc.encode("\r\n"));
  }
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Where the reply starting at `pos` ends (the index after it), or -1 while incomplete. Only finds
 * boundaries (RESP2 and RESP3 types); decoding is ReplyParser's job.
 */
export function replyEnd(buf: Uint8Array, pos: number, end: number): number {
  let pending = 1;
  while (pending > 0) {
    if (pos >= end) return -1;
    const cr = buf.indexOf(13, pos);
    if (cr === -1 || cr + 1 >= end) return -1;
    const type = buf[pos]!;
    pending--;
    const n = type === 43 || type === 45 || type === 58 || type === 95 || type === 35 ||
        type === 44 || type === 40
      ? 0
      : Number(dec.decode(buf.subarray(pos + 1, cr)));
    if (!Number.isInteger(n)) throw new Error(`not RESP: ${show(buf.subarray(pos, end))}`);
    pos = cr + 2;
    switch (type) {
      case 36: // $ bulk
      case 33: // ! blob error
      case 61: // = verbatim
        if (n >= 0) {
          if (end < pos + n + 2) return -1;
          pos += n + 2;
        }
        break;
      case 42: // * array
      case 126: // ~ set
      case 62: // > push
        if (n > 0) pending += n;
        break;
      case 37: // % map
        if (n > 0) pending += 2 * n;
        break;
      case 124: // | attribute, followed by the reply it describes
        pending += 2 * n + 1;
        break;
      default:
        break;
    }
  }
  return pos;
}

/** A raw connection that returns each reply as its exact bytes. */
export class RawConn {
  #conn: Deno.TcpConn;
  #buf = new Uint8Array(0);
  #closed = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Connects to 127.0.0.1:`port`. */
  static async connect(port: number): Promise<RawConn> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new RawConn(conn);
  }

  /** Sends bytes. */
  async send(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
  }

  /** The next reply's bytes; throws on timeout or when the server closes the connection. */
  async reply(ms = 10000): Promise<Uint8Array> {
    const deadline = Date.now() + ms;
    const chunk = new Uint8Array(64 * 1024);
    while (true) {
      const end = replyEnd(this.#buf, 0, this.#buf.length);
      if (end !== -1) {
        const out = this.#buf.slice(0, end);
        this.#buf = this.#buf.slice(end);
        return out;
      }
      if (this.#closed) throw new Error(`connection closed; buffered ${show(this.#buf)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${ms} ms; buffered ${show(this.#buf)}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left));
      let n: number | null | "timeout";
      try {
        n = await Promise.race([this.#conn.read(chunk), timeout]);
      } catch {
        n = null;
      } finally {
        clearTimeout(timer);
      }
      if (n === "timeout") {
        // The read stays pending; closing the connection settles it.
        this.close();
        throw new Error(`no reply within ${ms} ms; buffered ${show(this.#buf)}`);
      }
      if (n === null) {
        this.#closed = true;
        continue;
      }
      const next = new Uint8Array(this.#buf.length + n);
      next.set(this.#buf);
      next.set(chunk.subarray(0, n), this.#buf.length);
      this.#buf = next;
    }
  }

  /** Sends one command and returns its reply's bytes. */
  async call(args: readonly Arg[], ms?: number): Promise<Uint8Array> {
    await this.send(encodeCommand(args));
    return await this.reply(ms);
  }

  close(): void {
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

/** Raw RESP bytes as readable one-line text, shortened when long. */
export function show(bytes: Uint8Array, max = 400): string {
  const s = JSON.stringify(dec.decode(bytes.subarray(0, max)));
  return bytes.length > max ? `${s}... (${bytes.length} bytes)` : s;
}

/** A command as it would be typed, for messages. */
export function showCommand(args: readonly Arg[]): string {
  return args.map((a) => {
    const s = typeof a === "string" ? a : dec.decode(a.subarray(0, 200));
    const long = typeof a !== "string" && a.length > 200 ? `...(${a.length} bytes)` : "";
    return (/^[\x21-\x7e]+$/.test(s) && !s.includes('"') ? s : JSON.stringify(s)) + long;
  }).join(" ");
}

function parse(bytes: Uint8Array): Reply {
  const p = new ReplyParser();
  p.push(bytes);
  const r = p.next();
  if (r === undefined) throw new Error(`incomplete reply ${show(bytes)}`);
  return r;
}

function isScalar(r: Reply): boolean {
  return !Array.isArray(r);
}

function key(r: Reply): string {
  if (r instanceof Uint8Array) return "$" + dec.decode(r);
  if (r instanceof ReplyError) return "-" + r.message;
  if (Array.isArray(r)) return "*" + r.map(key).join("\u0000");
  return typeof r + ":" + String(r);
}

/** Sorts (recursively) every array whose elements are all plain values. */
function sortArrays(r: Reply): Reply {
  if (!Array.isArray(r)) return r;
  if (r.every(isScalar)) {
    return [...r].sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  }
  return r.map(sortArrays);
}

function kind(r: Reply): string {
  if (r === null) return "null";
  if (r instanceof Uint8Array) return "bulk";
  if (r instanceof ReplyError) return "error";
  if (Array.isArray(r)) return `array of ${r.length}`;
  return typeof r === "number" ? "integer" : "simple";
}

/** Compares two raw replies; returns a complaint or undefined. */
function compareReplies(cmp: Compare, redis: Uint8Array, tok: Uint8Array): string | undefined {
  if (cmp === "exact") return equalBytes(redis, tok) ? undefined : "replies differ";
  if (cmp === "ignore") return undefined;
  if (cmp === "noid") return maskId(redis) === maskId(tok) ? undefined : "replies differ";
  const a = parse(redis), b = parse(tok);
  if (cmp === "sorted") {
    return key(sortArrays(a)) === key(sortArrays(b)) ? undefined : "replies differ (sorted)";
  }
  if (cmp === "type") {
    // The first byte too: a verbatim string and a bulk string parse alike.
    return kind(a) === kind(b) && redis[0] === tok[0]
      ? undefined
      : `reply types differ: ${kind(a)} vs ${kind(b)}`;
  }
  if (typeof cmp === "object") {
    if (typeof a !== "number" || typeof b !== "number") {
      return equalBytes(redis, tok) ? undefined : "replies differ (not both integers)";
    }
    return Math.abs(a - b) <= cmp.near ? undefined : `integers differ by more than ${cmp.near}`;
  }
  if (typeof cmp === "function") return cmp(a, b);
  throw new Error(`comparator ${cmp} needs the command`);
}

/** A reply's text with the integer after an "id" key (HELLO's reply) masked. */
function maskId(b: Uint8Array): string {
  return dec.decode(b).replace(/\$2\r\nid\r\n:\d+\r\n/, "$2\r\nid\r\n:#\r\n");
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Iterates a SCAN-family cursor to 0; returns the sorted distinct elements, or a final error. */
async function scanAll(conn: RawConn, cmd: readonly Arg[]): Promise<Uint8Array> {
  const name = typeof cmd[0] === "string" ? cmd[0] : dec.decode(cmd[0]);
  const at = name.toUpperCase() === "SCAN" ? 1 : 2;
  const seen = new Set<string>();
  let cursor: Arg = cmd[at]!;
  for (let i = 0; i < 10000; i++) {
    const args = [...cmd];
    args[at] = cursor;
    const raw = await conn.call(args);
    const r = parse(raw);
    if (!Array.isArray(r) || r.length !== 2 || !Array.isArray(r[1])) return raw;
    for (const item of r[1]) seen.add(key(item));
    const next = r[0];
    if (!(next instanceof Uint8Array)) return raw;
    cursor = next;
    if (dec.decode(next) === "0") return enc.encode([...seen].sort().join("\n"));
  }
  return enc.encode("cursor did not return to 0 within 10000 calls");
}

/** One side of a comparison: a server and the connections of the current script. */
class Side {
  conns = new Map<number, RawConn>();
  /** Replies kept by @save, by name. */
  vars = new Map<string, Uint8Array>();
  constructor(readonly port: number, readonly resp: 2 | 3 = 2) {}

  /** Connection `i`, opened on first use (with HELLO 3 first when the script runs in RESP3). */
  async conn(i: number): Promise<RawConn> {
    let c = this.conns.get(i);
    if (!c) {
      c = await RawConn.connect(this.port);
      this.conns.set(i, c);
      if (this.resp === 3) {
        const r = await c.call(["HELLO", "3"]);
        if (r[0] !== 37) throw new Error(`HELLO 3 answered ${show(r)}`);
      }
    }
    return c;
  }

  closeAll(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}

/** Runs one script on both sides and returns the mismatches (at most `maxReports`). */
export async function runScript(
  redisPort: number,
  tokPort: number,
  steps: readonly Step[],
  opts: { maxReports?: number; transcript?: boolean; resp?: 2 | 3 } = {},
): Promise<string[]> {
  const maxReports = opts.maxReports ?? 8;
  const transcript = opts.transcript ?? Deno.env.get("DIFF_TRANSCRIPT") === "1";
  const sides = [new Side(redisPort, opts.resp), new Side(tokPort, opts.resp)] as const;
  const problems: string[] = [];
  try {
    // A clean keyspace for every script.
    for (const s of sides) {
      const r = await (await s.conn(0)).call(["FLUSHALL"]);
      if (dec.decode(r) !== "+OK\r\n") throw new Error(`FLUSHALL answered ${show(r)}`);
    }
    for (const step of steps) {
      if ("sleep" in step) {
        if (transcript) console.log(`  @sleep ${step.sleep}`);
        await new Promise((r) => setTimeout(r, step.sleep));
        continue;
      }
      const cmp = step.cmp ?? "exact";
      const client = step.client ?? 0;
      const [redis, tok] = await Promise.all(sides.map(async (s) => {
        try {
          const c = await s.conn(client);
          if (step.read) return await c.reply();
          const cmd = step.cmd.map((a) =>
            typeof a !== "string" && a[0] === 36 && s.vars.has(dec.decode(a.subarray(1)))
              ? s.vars.get(dec.decode(a.subarray(1)))!
              : a
          );
          if (step.nowait) {
            await c.send(encodeCommand(cmd));
            return enc.encode("+(not read)\r\n");
          }
          const r = cmp === "scan" ? await scanAll(c, cmd) : await c.call(cmd);
          if (step.save !== undefined) s.vars.set(step.save, enc.encode(String(parse(r))));
          return r;
        } catch (err) {
          return err instanceof Error ? err : new Error(String(err));
        }
      }));
      const where = step.where ? `${step.where}: ` : "";
      if (transcript) {
        console.log(
          `  ${step.read ? "(read)" : showCommand(step.cmd)}  ->  ${
            redis instanceof Error ? redis : show(redis!)
          }`,
        );
      }
      if (redis instanceof Error) throw new Error(`${where}redis-server failed: ${redis.message}`);
      if (tok instanceof Error) {
        problems.push(`${where}${showCommand(step.cmd)}\n  tokserver failed: ${tok.message}`);
        break; // the connection is gone; later steps would only repeat this
      }
      const complaint = compareReplies(cmp === "scan" ? "exact" : cmp, redis!, tok!);
      if (complaint !== undefined) {
        problems.push(
          `${where}${showCommand(step.cmd)}\n  ${complaint}\n  redis:     ${show(redis!)}\n` +
            `  tokserver: ${show(tok!)}`,
        );
        if (problems.length >= maxReports) {
          problems.push("(further steps not compared)");
          break;
        }
      }
    }
  } finally {
    for (const s of sides) s.closeAll();
  }
  return problems;
}

/** The two servers a differential test file compares. */
export interface DiffPair extends AsyncDisposable {
  redisPort: number;
  tokPort: number;
  /**
   * Runs a script on both and throws a readable report of every mismatch; with `resp` 3 every
   * connection of the script says HELLO 3 first.
   */
  check(steps: readonly Step[], resp?: 2 | 3): Promise<void>;
}

/**
 * Starts a real redis-server and `tokserver redis` (or, with DIFF_TARGET=redis, a second
 * redis-server), with extra flags for each; undefined when redis-server is not installed.
 */
export async function startPair(
  tokArgs: string[] = [],
  redisArgs: string[] = [],
): Promise<DiffPair | undefined> {
  const redis = await startRedisServer(redisArgs);
  if (!redis) return undefined;
  let other: Proc & { port: number };
  try {
    const target = Deno.env.get("DIFF_TARGET") ?? "";
    if (target.startsWith("port:")) {
      // A server started by hand (for debugging); it is not stopped here.
      const port = Number(target.slice(5));
      other = {
        port,
        stop: () => Promise.resolve({ success: true, code: 0, signal: null }),
        [Symbol.asyncDispose]: () => Promise.resolve(),
      } as unknown as Proc & { port: number };
    } else if (target === "redis") {
      const r = await startRedisServer(redisArgs);
      if (!r) throw new Error("redis-server vanished");
      other = r;
    } else {
      other = await startServer(["redis", "--quiet", ...tokArgs]);
    }
  } catch (err) {
    await redis[Symbol.asyncDispose]();
    throw err;
  }
  return {
    redisPort: redis.port,
    tokPort: other.port,
    async check(steps, resp) {
      const problems = await runScript(redis.port, other.port, steps, { resp });
      if (problems.length > 0) {
        throw new Error(`${problems.length} difference(s):\n\n${problems.join("\n\n")}`);
      }
    },
    async [Symbol.asyncDispose]() {
      await Promise.all([redis[Symbol.asyncDispose](), other[Symbol.asyncDispose]()]);
    },
  };
}

/**
 * Registers one test that starts both servers (with extra flags for each) and runs each named
 * script as a step against them, once in RESP2 and once over connections that said HELLO 3
 * (unless `opts.resp` names one protocol). Skipped (ignored) where redis-server is not installed.
 */
export function diffTest(
  name: string,
  scripts: Record<string, readonly Step[]>,
  tokArgs: string[] = [],
  redisArgs: string[] = [],
  opts: { resp?: readonly (2 | 3)[] } = {},
): void {
  const protocols = opts.resp ?? [2, 3];
  Deno.test({
    name,
    ignore: which("redis-server") === undefined,
    async fn(t) {
      await using pair = await startPair(tokArgs, redisArgs);
      if (!pair) throw new Error("redis-server not found");
      for (const resp of protocols) {
        for (const [title, steps] of Object.entries(scripts)) {
          const label = resp === 2 ? title : `${title} (RESP3)`;
          await t.step(label, () => pair.check(steps, resp));
        }
      }
    },
  });
}
