// `tokserver redis-cli`: a redis-cli work-alike on the message-passing client: one command from
// the command line, or a prompt that reads commands from stdin, replies shown in redis-cli's
// terminal format, and subscriptions streamed until Ctrl-C.

import {
  type Arg,
  type Client,
  connect,
  ConnectionError,
  ModeError,
  RedisError,
  Subscriber,
} from "../client/client.ts";
import { formatAddr } from "../net/listen.ts";
import { modeChange } from "../client/modes.ts";
import { type TypedReply } from "../resp/reply_parser.ts";
import { splitInline } from "../resp/request_parser.ts";
import { FatalReply, forcesRaw, formatRaw, formatReply } from "./format.ts";
import type { CliOptions } from "./options.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes all of `text` to stdout (synchronously, so output and prompts keep their order). */
function out(text: string): void {
  const b = encoder.encode(text);
  let off = 0;
  while (off < b.length) off += Deno.stdout.writeSync(off === 0 ? b : b.subarray(off));
}

/** Writes `parts` to stdout as they are (raw replies). */
function outBytes(parts: Uint8Array[]): void {
  for (const b of parts) {
    let off = 0;
    while (off < b.length) off += Deno.stdout.writeSync(off === 0 ? b : b.subarray(off));
  }
}

/** Writes one line to stderr. */
function err(line: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stderr gone: nothing left to tell.
  }
}

/** A command's name, lower-cased. */
function commandName(arg: Arg | undefined): string {
  if (arg === undefined) return "";
  return (arg instanceof Uint8Array ? decoder.decode(arg) : String(arg)).toLowerCase();
}

/** Reports a lost or refused connection the way redis-cli does. */
function reportConnection(e: ConnectionError): void {
  const lost = e.message.match(/ lost: (.*)$/);
  if (!lost) {
    err(e.message.startsWith("Could not connect") ? e.message : `Error: ${e.message}`);
    return;
  }
  // `Error: Server closed the connection`, `Error: Connection reset by peer`
  err(`Error: ${lost[1]!.charAt(0).toUpperCase()}${lost[1]!.slice(1)}`);
}

/**
 * Runs one command (`opts.command`) or, without one, the interactive prompt; returns the exit
 * code: 0, or 1 when the server cannot be reached or (one-shot) a reply is an error, 2 for a
 * flag value that cannot be used.
 */
export async function runCli(opts: CliOptions): Promise<number> {
  if (opts.usageError !== undefined) {
    err(`tokserver redis-cli: ${opts.usageError}`);
    return 2;
  }
  if (opts.password !== undefined && opts.authWarning) {
    err(
      "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.",
    );
  }
  try {
    const first = commandName(opts.command[0]);
    if (first === "subscribe" || first === "psubscribe") return await stream(opts, opts.command);
    const opened = await open(opts);
    if (opened === undefined) return 1;
    const { client, db } = opened;
    try {
      if (opts.command.length > 0) {
        return await oneShot(client, opts, opts.command);
      }
      return await interactive(opts, client, db);
    } finally {
      await client.close();
    }
  } catch (e) {
    // stdout closed under us (`... | head -1`): stop quietly, as redis-cli does on SIGPIPE.
    if (e instanceof Deno.errors.BrokenPipe) return 1;
    // A big number, an attribute: redis-cli 7.0 knows no way to show them and exits.
    if (e instanceof FatalReply) {
      err(e.message);
      return 1;
    }
    throw e;
  }
}

/**
 * Connects, then sends AUTH (with -a) and SELECT (with -n) as redis-cli does: a refusal of
 * either is reported on stderr (`AUTH failed: ...`, `SELECT 3 failed: ...`) and the session goes
 * on. The client and the database in use; undefined (reported) when the server cannot be reached.
 */
async function open(opts: CliOptions): Promise<{ client: Client; db: number } | undefined> {
  let client: Client;
  try {
    client = await connect({ hostname: opts.host, port: opts.port, resp: opts.resp });
  } catch (e) {
    if (!(e instanceof ConnectionError)) throw e;
    err(e.message);
    return undefined;
  }
  const step = async (args: Arg[], what: string): Promise<boolean> => {
    try {
      await client.send(...args);
      return true;
    } catch (e) {
      if (!(e instanceof RedisError)) throw e;
      err(`${what} failed: ${e.message}`);
      return false;
    }
  };
  try {
    if (opts.password !== undefined) {
      const auth: Arg[] = opts.user === undefined
        ? ["AUTH", opts.password]
        : ["AUTH", opts.user, opts.password];
      await step(auth, "AUTH");
    }
    const selected = opts.db !== 0 && await step(["SELECT", opts.db], `SELECT ${opts.db}`);
    return { client, db: selected ? opts.db : 0 };
  } catch (e) {
    await client.close();
    if (!(e instanceof ConnectionError)) throw e;
    reportConnection(e);
    return undefined;
  }
}

/**
 * Sends one command `repeat` times (forever when -1), waiting `intervalMs` after each, and
 * prints each reply; 0 even when a reply is an error (as redis-cli 7.0), 1 when the connection
 * is lost.
 */
async function oneShot(client: Client, opts: CliOptions, args: Arg[]): Promise<number> {
  const { repeat, intervalMs } = opts;
  for (let i = 0; repeat < 0 || i < repeat; i++) {
    const r = await execute(client, args);
    if (r === undefined) return 1;
    show(r, opts.raw, verbatim(args));
    if (intervalMs > 0) await sleep(intervalMs);
  }
  return 0;
}

/**
 * Prints a reply in redis-cli's raw or terminal format, with the newline that follows it; as it
 * is (raw, no newline added) for the commands redis-cli always shows so (`verbatim`: INFO...).
 */
function show(r: { reply: TypedReply; error?: string }, raw: boolean, verbatim = false): void {
  if (verbatim) {
    outBytes(r.error !== undefined ? [encoder.encode(r.error), NEWLINE] : formatRaw(r.reply));
  } else if (r.error !== undefined) out(raw ? `${r.error}\n\n` : `(error) ${r.error}\n`);
  else if (raw) outBytes([...formatRaw(r.reply), NEWLINE]);
  else out(formatReply(r.reply));
}

/** Whether redis-cli shows the reply to `args` raw in every output mode (INFO, CLIENT LIST...). */
function verbatim(args: readonly Arg[]): boolean {
  return forcesRaw(commandName(args[0]), commandName(args[1]), args.length);
}

const NEWLINE = encoder.encode("\n");

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A leading repeat count of an interactive line, as redis-cli reads one: `3 incr n` runs
 * `incr n` three times. The count and the command after it (1 and the whole line without a
 * count), or undefined for a count that is not positive or too large (redis-cli's `Invalid
 * redis-cli repeat command option value.`).
 */
function withRepeat(args: Uint8Array[]): { count: number; args: Uint8Array[] } | undefined {
  if (args.length < 2) return { count: 1, args };
  const first = decoder.decode(args[0]!);
  if (!/^\s*[+-]?\d*$/.test(first)) return { count: 1, args };
  const n = Number(first.trim());
  if (!(n > 0) || n > 9223372036854775807) return undefined;
  return { count: n, args: args.slice(1) };
}

/** Runs a command: its reply or error text, or undefined when the connection is gone (reported). */
async function execute(
  client: Client,
  args: Arg[],
): Promise<{ reply: TypedReply; error?: string } | undefined> {
  try {
    // The prompt owns its client, but a blocking command still gets a connection of its own
    // (the client refuses to hold its shared one), in the database SELECTed. Replies keep their
    // RESP3 types (with -3), which redis-cli shows apart.
    const reply = modeChange(args)?.blocking
      ? await client.blockingTyped(...args)
      : await client.sendTyped(...args);
    return { reply };
  } catch (e) {
    if (e instanceof RedisError || e instanceof ModeError) return { reply: null, error: e.message };
    if (e instanceof ConnectionError) {
      // Bytes that are not RESP end redis-cli; a lost connection leaves the prompt to connect again.
      const protocol = e.message.match(/ lost: (Protocol error, .*)$/);
      if (protocol) throw new FatalReply(`Error: ${protocol[1]}`);
      reportConnection(e);
      return undefined;
    }
    throw e;
  }
}

/** Lines of stdin as bytes, without their LF or CRLF, the last one even without an LF. */
async function* stdinLines(): AsyncGenerator<Uint8Array> {
  const buf = new Uint8Array(64 * 1024);
  let rest = new Uint8Array(0);
  while (true) {
    const n = await Deno.stdin.read(buf);
    if (n === null) break;
    let chunk = buf.subarray(0, n);
    if (rest.length > 0) {
      const joined = new Uint8Array(rest.length + n);
      joined.set(rest);
      joined.set(chunk, rest.length);
      chunk = joined;
    }
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf(10, start)) !== -1) {
      yield trimCr(chunk.subarray(start, nl));
      start = nl + 1;
    }
    rest = chunk.slice(start);
  }
  if (rest.length > 0) yield trimCr(rest);
}

function trimCr(line: Uint8Array): Uint8Array {
  return line.length > 0 && line[line.length - 1] === 13 ? line.subarray(0, -1) : line;
}

/**
 * The prompt: `127.0.0.1:6379> ` (`[N]` after the port once SELECT N succeeded), reading
 * commands from stdin line by line, quoted like redis-cli ("double quotes" with \n, \xHH...
 * escapes, 'single quotes'). A leading number repeats the command (`3 incr n`), waiting
 * `-i` seconds after each run. `quit`, `exit` or the end of stdin leave. A lost connection
 * shows `not connected> ` and the next command connects again.
 */
async function interactive(opts: CliOptions, first: Client, firstDb: number): Promise<number> {
  const addr = formatAddr(opts.host, opts.port);
  let client: Client | undefined = first;
  let db = firstDb;
  const prompt = () => client ? `${addr}${db === 0 ? "" : `[${db}]`}> ` : "not connected> ";
  out(prompt());
  try {
    for await (const line of stdinLines()) {
      const split = splitInline(line);
      const repeated = split === undefined ? undefined : withRepeat(split);
      if (split === undefined) {
        out("Invalid argument(s)\n");
      } else if (repeated === undefined) {
        out("Invalid redis-cli repeat command option value.\n");
      } else if (repeated.args.length > 0) {
        const { count: repeat, args } = repeated;
        const name = commandName(args[0]);
        if (name === "quit" || name === "exit") return 0;
        if (name === "subscribe" || name === "psubscribe") return await stream(opts, args);
        for (let i = 0; i < repeat; i++) {
          if (client === undefined) {
            const opened = await open({ ...opts, db });
            client = opened?.client;
            db = opened?.db ?? db;
          }
          if (client === undefined) break;
          const r = await execute(client, args);
          if (r === undefined) {
            await client.close();
            client = undefined;
            break;
          }
          show(r, opts.raw, verbatim(args));
          if (name === "select" && r.reply === "OK" && args[1]) {
            db = Number(decoder.decode(args[1]));
          }
          if (opts.intervalMs > 0) await sleep(opts.intervalMs);
        }
      }
      out(prompt());
    }
    if (Deno.stdin.isTerminal()) out("\n");
    return 0;
  } finally {
    if (client !== undefined && client !== first) await client.close();
  }
}

const MESSAGE = encoder.encode("message");
const PMESSAGE = encoder.encode("pmessage");

/**
 * SUBSCRIBE / PSUBSCRIBE: prints the confirmations and then every message as redis-cli does,
 * until Ctrl-C (which ends the process, as in redis-cli) or until the connection is lost (1).
 */
async function stream(opts: CliOptions, args: Arg[]): Promise<number> {
  const kind = commandName(args[0]);
  const names = args.slice(1);
  let sub: Subscriber;
  try {
    sub = await Subscriber.connect({ hostname: opts.host, port: opts.port });
  } catch (e) {
    if (!(e instanceof ConnectionError)) throw e;
    err(e.message);
    return 1;
  }
  try {
    if (!opts.raw) out("Reading messages... (press Ctrl-C to quit)\n");
    const counts = kind === "subscribe"
      ? await sub.subscribe(...names)
      : await sub.psubscribe(...names);
    const kindBytes = encoder.encode(kind);
    for (let i = 0; i < names.length; i++) {
      const n = names[i]!;
      show({
        reply: [kindBytes, n instanceof Uint8Array ? n : encoder.encode(String(n)), counts[i] ?? 0],
      }, opts.raw);
    }
    for await (const m of sub) {
      show({
        reply: m.pattern === undefined
          ? [MESSAGE, m.channel, m.payload]
          : [PMESSAGE, m.pattern, m.channel, m.payload],
      }, opts.raw);
    }
    return 0;
  } catch (e) {
    if (e instanceof RedisError) {
      show({ reply: null, error: e.message }, opts.raw);
      return 1;
    }
    if (e instanceof ConnectionError) {
      reportConnection(e);
      return 1;
    }
    throw e;
  } finally {
    await sub.close();
  }
}
