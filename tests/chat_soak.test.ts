// One client that never reads must not hurt the others: 50 clients chat at full speed (each keeps
// as many lines in flight as the queues allow) while one more is connected and stalled. Everyone
// else must receive every line in order, the stalled one gets a lag notice once it reads, and the
// server's RSS stays under 100 MB. CHAT_SOAK_SECONDS sets the load (10 for the full run).

import { assert, assertEquals, assertLess, rssOf, startServer } from "./_util.ts";

const SECONDS = Number(Deno.env.get("CHAT_SOAK_SECONDS") ?? "3");
const CHATTERS = 50;
/** Lines a chatter may have in flight; 50 x 16 stays under the default queue of 1024. */
const WINDOW = 16;
/** Long enough that the stalled client's socket buffers (several MB on loopback) fill quickly. */
const LINE_BYTES = 200;
const LF = 10, SPACE = 32, STAR = 42;
/** What the senders send at least: three times what the stalled client's socket was seen to hold. */
const STALLED_OVERFLOW_BYTES = 14 * 1024 * 1024;

const enc = new TextEncoder();

/** One chatter: sends numbered lines, reads and checks everyone else's. */
interface Chatter {
  conn: Deno.TcpConn;
  sent: number;
  /** Per sender: the last sequence number received (0: none yet). */
  got: Int32Array;
  lagged: boolean;
  error?: string;
}

/** `<sender> <seq> xxx...` padded to LINE_BYTES with the newline. */
function line(sender: number, seq: number): string {
  const head = `${sender} ${seq} `;
  return head + "x".repeat(LINE_BYTES - head.length - 1) + "\n";
}

/** Reads a chatter's socket, checking that each sender's lines arrive in order without gaps. */
async function receive(me: number, c: Chatter, progress: () => void): Promise<void> {
  const buf = new Uint8Array(256 * 1024);
  let carry = new Uint8Array(0);
  while (true) {
    let n: number | null;
    try {
      n = await c.conn.read(buf);
    } catch {
      return;
    }
    if (n === null) return;
    let data = buf.subarray(0, n);
    if (carry.length > 0) {
      const joined = new Uint8Array(carry.length + n);
      joined.set(carry);
      joined.set(data, carry.length);
      data = joined;
    }
    let start = 0;
    for (let lf = data.indexOf(LF); lf !== -1; lf = data.indexOf(LF, start)) {
      if (data[start] === STAR) {
        c.lagged = true;
      } else {
        let i = start, sender = 0, seq = 0;
        while (data[i] !== SPACE) sender = sender * 10 + data[i++]! - 48;
        i++;
        while (data[i] !== SPACE) seq = seq * 10 + data[i++]! - 48;
        if (sender === me) c.error ??= `got its own line ${seq}`;
        else if (c.got[sender] !== seq - 1) {
          c.error ??= `from ${sender}: got ${seq} after ${c.got[sender]}`;
        }
        c.got[sender] = seq;
      }
      start = lf + 1;
    }
    carry = data.slice(start);
    progress();
  }
}

Deno.test({
  name:
    `50 clients chat at full speed for ${SECONDS} s beside a stalled one: nobody else loses a line`,
  sanitizeResources: true,
  async fn() {
    await using srv = await startServer(["chat", "--mode", "complete"]);
    const chatters: Chatter[] = [];
    let stalled: Deno.TcpConn | undefined;
    let waiters: Array<() => void> = [];
    const progress = () => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    };
    /** Resolves on the next received chunk anywhere, or after 100 ms. */
    const nextProgress = () =>
      new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    try {
      stalled = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
      for (let i = 0; i < CHATTERS; i++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
        conn.setNoDelay(true);
        chatters.push({ conn, sent: 0, got: new Int32Array(CHATTERS), lagged: false });
      }
      await srv.stderr.waitFor(`(${CHATTERS + 1} connected)`, 15000);
      const readers = chatters.map((c, i) => receive(i, c, progress));

      let maxRss = 0;
      const rssTimer = setInterval(() => maxRss = Math.max(maxRss, rssOf(srv.child.pid)), 200);
      // At least SECONDS, and until enough has been sent to overflow the stalled client's socket
      // buffers (about 4.5 MB on loopback) and its queue several times over, however slow the
      // machine; at most a minute.
      const started = performance.now();
      const totalSent = () => chatters.reduce((n, c) => n + c.sent, 0);
      const going = () => {
        const t = performance.now() - started;
        if (t > 60_000) return false;
        return t < SECONDS * 1000 || totalSent() * LINE_BYTES < STALLED_OVERFLOW_BYTES;
      };
      /** The lowest sequence number of `i` that every other chatter has received. */
      const acked = (i: number) => {
        let min = Infinity;
        for (let j = 0; j < CHATTERS; j++) if (j !== i) min = Math.min(min, chatters[j]!.got[i]!);
        return min;
      };
      const senders = chatters.map(async (c, i) => {
        while (going()) {
          const room = WINDOW - (c.sent - acked(i));
          if (room < WINDOW / 2) {
            await nextProgress();
            continue;
          }
          let text = "";
          for (let k = 0; k < room; k++) text += line(i, ++c.sent);
          const bytes = enc.encode(text);
          for (let off = 0; off < bytes.length;) off += await c.conn.write(bytes.subarray(off));
        }
      });
      await Promise.all(senders);
      // Let the last lines arrive everywhere.
      const deadline = performance.now() + 30000;
      while (chatters.some((_, i) => acked(i) < chatters[i]!.sent)) {
        if (performance.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      clearInterval(rssTimer);
      maxRss = Math.max(maxRss, rssOf(srv.child.pid));

      const sent = chatters.reduce((n, c) => n + c.sent, 0);
      for (const [j, c] of chatters.entries()) {
        assertEquals(c.error, undefined, `chatter ${j}`);
        assertEquals(c.lagged, false, `chatter ${j} lagged`);
        for (const [i, s] of chatters.entries()) {
          if (i !== j) assertEquals(c.got[i], s.sent, `chatter ${j} from ${i}`);
        }
      }

      // The stalled client now reads: what its socket held, then the notice, then the rest.
      const notice = /\*\*\* lagged: (\d+) messages dropped\r\n/;
      const buf = new Uint8Array(1 << 20);
      let tail = "";
      let found: RegExpMatchArray | null = null;
      let stalledBytes = 0;
      const dec = new TextDecoder();
      const readUntil = performance.now() + 20000;
      while (!found && performance.now() < readUntil) {
        let t: ReturnType<typeof setTimeout> | undefined;
        const n = await Promise.race([
          stalled.read(buf),
          new Promise<"timeout">((r) => t = setTimeout(() => r("timeout"), 5000)),
        ]);
        clearTimeout(t);
        if (n === null || n === "timeout") break;
        stalledBytes += n;
        const text = tail + dec.decode(buf.subarray(0, n), { stream: true });
        found = text.match(notice);
        tail = text.slice(-100); // a notice may straddle two reads
      }
      assert(found, `no lag notice after ${stalledBytes} bytes; tail ${JSON.stringify(tail)}`);
      const dropped = Number(found[1]);
      console.log(
        `${((performance.now() - started) / 1000).toFixed(1)} s: ${sent} lines sent, ${
          sent * (CHATTERS - 1)
        } delivered to the chatters ` +
          `(${
            Math.round(sent * (CHATTERS - 1) * 1000 / (performance.now() - started))
          }/s); stalled client: ${stalledBytes} ` +
          `bytes read before its notice of ${dropped} dropped; max RSS ${
            (maxRss / 2 ** 20).toFixed(1)
          } MB`,
      );
      assert(dropped > 0);
      assertLess(maxRss, 100 * 1024 * 1024, `server RSS reached ${maxRss >> 20} MB`);
      for (const c of chatters) c.conn.close();
      await Promise.all(readers);
    } finally {
      for (const c of chatters) {
        try {
          c.conn.close();
        } catch {
          // closed above
        }
      }
      stalled?.close();
    }
  },
});
