// A paste never costs a fast reader a line: in every relay mode, clients that read as fast as they
// can receive every line of a 5,000-line paste (one write), and of ten 2,000-line pastes at once,
// in each sender's order and with no lag notice, however far the pastes outrun the --queue of
// 1,024 lines. The same across the backplane: a burst on one instance reaches another whole.

import { assertEquals, type Server, startRedisServer, startServer, which } from "./_util.ts";

const enc = new TextEncoder();

/** Every relay mode and how its clients get into the chat (rooms: a name first). */
const MODES = ["channel", "socket-addr", "complete", "rooms"] as const;
type Mode = typeof MODES[number];

/** Extra flags per mode: rooms' flood limit would drop a paste before it reaches the hub. */
function flags(mode: Mode): string[] {
  return ["chat", "--mode", mode, ...(mode === "rooms" ? ["--flood", "1000000"] : [])];
}

/** Line `seq` of sender `id`: `~id~seq~` and padding, about 40 bytes with the newline. */
function pasteOf(id: number, lines: number): Uint8Array {
  let text = "";
  for (let seq = 1; seq <= lines; seq++) text += `~${id}~${seq}~ the quick brown fox jumps\n`;
  return enc.encode(text);
}

/** One client that reads as fast as it can and checks each sender's lines arrive in order. */
class Reader {
  /** Per sender: the last sequence number received (0: none yet). */
  readonly got: number[] = [];
  lines = 0;
  lagged: string | undefined;
  error: string | undefined;
  readonly done: Promise<void>;
  #want = 0;
  #wake?: () => void;

  constructor(readonly conn: Deno.TcpConn, readonly me: number) {
    this.done = this.#read();
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(256 * 1024);
    const dec = new TextDecoder();
    let carry = "";
    try {
      while (true) {
        const n = await this.conn.read(buf);
        if (n === null) return;
        const lines = (carry + dec.decode(buf.subarray(0, n), { stream: true })).split("\n");
        carry = lines.pop()!;
        for (const line of lines) this.#line(line);
        if (this.lines >= this.#want) this.#wake?.();
      }
    } catch {
      // closed at the end
    }
  }

  #line(line: string): void {
    const t = line.indexOf("~");
    if (t === -1) {
      if (line.startsWith("*** lagged")) {
        this.lagged ??= line;
        this.#wake?.(); // it will not get them all: fail now
      }
      return;
    }
    const [id, seq] = line.slice(t + 1).split("~").map(Number) as [number, number];
    const last = this.got[id] ?? 0;
    if (seq !== last + 1) this.error ??= `from ${id}: got ${seq} after ${last}`;
    this.got[id] = seq;
    this.lines++;
  }

  /** Resolves once `n` lines from senders have arrived, or throws after `ms` without them all. */
  async until(n: number, ms = 30000): Promise<void> {
    this.#want = n;
    let t: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      t = setTimeout(resolve, ms);
      if (this.lines >= n || this.lagged !== undefined) resolve();
    });
    clearTimeout(t);
    this.#wake = undefined;
  }
}

/** Connects a client, names it in rooms mode (reading its greeting), and starts reading. */
async function join(srv: Server, mode: Mode, me: number): Promise<Reader> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
  conn.setNoDelay(true);
  if (mode === "rooms") await writeAll(conn, enc.encode(`user${me}\n`));
  return new Reader(conn, me);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

/**
 * `readers` pure readers and `senders` clients that each paste `lines` lines in one write (and
 * read too); checks that every reader, and every sender, gets every line it should, in order,
 * with no lag notice. In `channel` a sender gets its own lines too.
 */
async function pasteCase(
  mode: Mode,
  senders: number,
  lines: number,
  readers = 3,
): Promise<void> {
  await using srv = await startServer(flags(mode));
  const all: Reader[] = [];
  try {
    for (let i = 0; i < readers + senders; i++) all.push(await join(srv, mode, i));
    await srv.stderr.waitFor(`(${readers + senders} connected)`, 10000);
    if (mode === "rooms") {
      // Everyone has its name once the last one's join notice has reached the first.
      await waitForText(srv, all.length);
    }
    const pastes = all.slice(readers).map((r) => pasteOf(r.me, lines));
    await Promise.all(all.slice(readers).map((r, k) => writeAll(r.conn, pastes[k]!)));
    const echo = mode === "channel";
    await Promise.all(all.map((r, i) => {
      const own = i >= readers && !echo ? lines : 0;
      return r.until(senders * lines - own);
    }));
    for (const [i, r] of all.entries()) {
      const who = i < readers ? `reader ${i}` : `sender ${i}`;
      assertEquals(r.error, undefined, `${mode}: ${who}`);
      assertEquals(r.lagged, undefined, `${mode}: ${who} lagged`);
      for (let s = readers; s < readers + senders; s++) {
        const want = s === i && !echo ? 0 : lines;
        assertEquals(r.got[s] ?? 0, want, `${mode}: ${who} from sender ${s}`);
      }
    }
  } finally {
    for (const r of all) r.conn.close();
    await Promise.all(all.map((r) => r.done));
  }
}

/** Rooms: waits until the server has named `n` clients (each one logs its name claim). */
async function waitForText(srv: Server, n: number): Promise<void> {
  // Presence of a name shows in the chat as the join notice; the log has no line per name, so
  // poll a fresh client's /who until it counts everyone.
  const probe = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
  try {
    await writeAll(probe, enc.encode("probe\n"));
    const dec = new TextDecoder();
    const buf = new Uint8Array(64 * 1024);
    let text = "";
    for (let tries = 0; tries < 200; tries++) {
      await writeAll(probe, enc.encode("/who\n"));
      while (!/\*\*\* \d+ in #lobby[^\n]*\n/.test(text)) {
        const k = await probe.read(buf);
        if (k === null) throw new Error("probe closed");
        text += dec.decode(buf.subarray(0, k), { stream: true });
      }
      const m = text.match(/\*\*\* (\d+) in #lobby[^\n]*\n/)!;
      if (Number(m[1]) >= n + 1) return;
      text = text.slice(m.index! + m[0].length);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`not all ${n} clients named`);
  } finally {
    probe.close();
  }
}

for (const mode of MODES) {
  Deno.test(`${mode}: 3 fast readers get all of a 5,000-line paste, in order, no lag`, async () => {
    await pasteCase(mode, 1, 5000);
  });

  Deno.test(`${mode}: 10 senders paste 2,000 lines each at once; every reader gets all 20,000`, async () => {
    await pasteCase(mode, 10, 2000);
  });
}

for (const mode of ["complete", "rooms"] as const) {
  Deno.test({
    name:
      `backplane, ${mode}: a 5,000-line paste on one instance reaches the other's fast readers whole`,
    ignore: which("redis-server") === undefined,
    async fn() {
      await using redis = (await startRedisServer())!;
      const bp = `redis://127.0.0.1:${redis.port}/paste${Deno.pid}`;
      await using a = await startServer([...flags(mode), "--backplane", bp]);
      // A small queue on the receiving side: one read from Redis holds more lines than it does.
      await using b = await startServer([...flags(mode), "--queue", "100", "--backplane", bp]);
      await a.stderr.waitFor(/backplane .*: connected/, 10000);
      await b.stderr.waitFor(/backplane .*: connected/, 10000);
      const all: Reader[] = [];
      try {
        for (let i = 0; i < 3; i++) all.push(await join(a, mode, i));
        for (let i = 3; i < 6; i++) all.push(await join(b, mode, i));
        const sender = await join(a, mode, 6);
        all.push(sender);
        await a.stderr.waitFor("(4 connected)", 10000);
        await b.stderr.waitFor("(3 connected)", 10000);
        if (mode === "rooms") await waitForText(b, 7); // named on both instances
        await writeAll(sender.conn, pasteOf(6, 5000));
        await Promise.all(all.slice(0, 6).map((r) => r.until(5000)));
        for (const [i, r] of all.slice(0, 6).entries()) {
          const where = i < 3 ? "same instance" : "other instance";
          assertEquals(r.error, undefined, `reader ${i} (${where})`);
          assertEquals(r.lagged, undefined, `reader ${i} (${where}) lagged`);
          assertEquals(r.got[6], 5000, `reader ${i} (${where})`);
        }
        assertEquals(sender.lines, 0);
        assertEquals(sender.lagged, undefined);
      } finally {
        for (const r of all) r.conn.close();
        await Promise.all(all.map((r) => r.done));
      }
    },
  });
}
