// The hub and the per-client queue on their own: one encoding shared by every subscriber, Tokio
// broadcast semantics (drop oldest, then one lag notice), the sender left out by key, one write per
// turn through a real socket, and the control-character filter for relayed lines.

import { Hub } from "../src/chat/hub.ts";
import { LineQueue } from "../src/chat/queue.ts";
import { TURN_BYTES } from "../src/chat/outbox.ts";
import { SlabEncoder } from "../src/chat/slab.ts";
import { ChatClient } from "../src/chat/client.ts";
import { stripControls } from "../src/chat/sanitize.ts";
import type { Connection } from "../src/net/server.ts";
import { assert, assertEquals, TcpClient } from "./_util.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();
const text = (b: Uint8Array | null) => b === null ? null : dec.decode(b);

Deno.test("publish encodes once and every subscriber shares the same bytes", () => {
  const hub = new Hub(8);
  const a = hub.subscribe("a"), b = hub.subscribe("b");
  assertEquals(hub.publish("hello"), 2);
  const fromA = a.takeOne(), fromB = b.takeOne();
  assert(fromA !== null && fromA === fromB, "the very same Uint8Array");
  assertEquals(text(fromA), "hello\r\n");
  hub.close();
});

Deno.test("publish skips the subscriber whose key is the sender's", () => {
  const hub = new Hub(8);
  const a = hub.subscribe("127.0.0.1:1"), b = hub.subscribe("127.0.0.1:2");
  assertEquals(hub.publish("from a", "127.0.0.1:1"), 1);
  assertEquals(a.take(), null);
  assertEquals(text(b.take()), "from a\r\n");
  hub.close();
});

Deno.test("a subscriber that falls behind loses the oldest and is told how many, once", () => {
  const hub = new Hub(3);
  const slow = hub.subscribe("slow"), fast = hub.subscribe("fast");
  for (let i = 1; i <= 5; i++) {
    hub.publish(`m${i}`);
    assertEquals(text(fast.take()), `m${i}\r\n`, "the others are not affected");
  }
  assertEquals(slow.size, 3);
  assertEquals(slow.dropped, 2);
  assertEquals(text(slow.take()), "*** lagged: 2 messages dropped\r\nm3\r\nm4\r\nm5\r\n");
  hub.publish("m6");
  assertEquals(text(slow.take()), "m6\r\n", "the notice is not repeated");
  hub.close();
});

Deno.test("the publisher never waits: a million messages to a stalled subscriber stay bounded", () => {
  const hub = new Hub(16);
  const stalled = hub.subscribe();
  for (let i = 0; i < 1_000_000; i++) hub.publish("x");
  assertEquals(stalled.size, 16);
  assertEquals(stalled.dropped, 1_000_000 - 16);
  hub.close();
});

Deno.test("trim forgets the recent lines only when nobody subscribes; later ones flow as before", () => {
  const hub = new Hub(8);
  const a = hub.subscribe("a");
  hub.publish("kept");
  hub.trim();
  assertEquals(text(a.take()), "kept\r\n", "a subscriber's pending line survives a trim");
  hub.publish("gone");
  a.unsubscribe();
  hub.trim();
  const b = hub.subscribe("b");
  assertEquals(b.take(), null, "a new subscriber starts after the trimmed lines");
  for (let i = 1; i <= 12; i++) hub.publish(`n${i}`);
  assertEquals(b.dropped, 4, "the ring wraps as before");
  assertEquals(
    text(b.take()),
    "*** lagged: 4 messages dropped\r\n" +
      Array.from({ length: 8 }, (_, i) => `n${i + 5}\r\n`).join(""),
  );
  hub.close();
});

Deno.test("a subscription yields message by message, the lag notice in place, until closed", async () => {
  const hub = new Hub(2);
  const sub = hub.subscribe();
  for (const m of ["a", "b", "c"]) hub.publish(m);
  const got: string[] = [];
  const reading = (async () => {
    for await (const m of sub) got.push(dec.decode(m));
  })();
  await new Promise((r) => setTimeout(r, 10));
  hub.publish("d");
  await new Promise((r) => setTimeout(r, 10));
  hub.close();
  await reading;
  assertEquals(got, ["*** lagged: 1 messages dropped\r\n", "b\r\n", "c\r\n", "d\r\n"]);
});

Deno.test("take returns everything pending as one buffer, at most about one turn's bytes", () => {
  const q = new LineQueue(1_000_000);
  const line = enc.encode("y".repeat(999) + "\n");
  const n = Math.ceil((TURN_BYTES * 2.5) / line.length);
  for (let i = 0; i < n; i++) q.push(line);
  let turns = 0, lines = 0;
  for (let chunk = q.take(); chunk !== null; chunk = q.take()) {
    turns++;
    assert(chunk.length <= TURN_BYTES, `turn of ${chunk.length} bytes`);
    lines += chunk.length / line.length;
  }
  assertEquals(lines, n);
  assertEquals(turns, 3);
});

Deno.test("lines published back to back are taken as one view of the shared slab, no copy", () => {
  const hub = new Hub(64);
  const sub = hub.subscribe("reader");
  const lines = ["one", "two", "trois", "vier", "cinq"];
  for (const l of lines) hub.publish(l);
  const chunk = sub.take()!;
  assertEquals(text(chunk), lines.map((l) => l + "\r\n").join(""));
  const again = hub.subscribe("other");
  hub.publish("six");
  const six = again.takeOne()!;
  assert(chunk.buffer === six.buffer, "one slab holds them all");
  hub.close();
});

Deno.test("a gap (the subscriber's own line left out) falls back to one copied buffer", () => {
  const hub = new Hub(64);
  const a = hub.subscribe("a");
  hub.subscribe("b");
  hub.publish("from b 1", "b");
  hub.publish("from a", "a");
  hub.publish("from b 2", "b");
  assertEquals(text(a.take()), "from b 1\r\nfrom b 2\r\n");
  hub.close();
});

Deno.test("slab encoding: ASCII, UTF-8 and long lines all come out as the line and CRLF", () => {
  const slab = new SlabEncoder();
  const lines = [
    "",
    "ascii",
    "héllo wörld 😀 日本語",
    "é".repeat(3000),
    "z".repeat(100_000),
    "end",
  ];
  const encoded = lines.map((l) => slab.line(l));
  for (const [i, l] of lines.entries()) assertEquals(text(encoded[i]!), l + "\r\n");
});

Deno.test("a subscriber that ended still reads what it had, even while the ring moves on", () => {
  const hub = new Hub(4);
  const leaving = hub.subscribe("leaving"), staying = hub.subscribe("staying");
  hub.publish("before");
  leaving.end(new TextEncoder().encode("bye\r\n"));
  hub.publish("after");
  assertEquals(text(leaving.take()), "before\r\nbye\r\n");
  assertEquals(text(staying.take()), "before\r\nafter\r\n");
  const late = hub.subscribe("late-leaver");
  late.end();
  for (let i = 0; i < 10; i++) hub.publish(`more ${i}`);
  assertEquals(late.take(), null, "nothing it subscribed for was lost");
  hub.close();
});

Deno.test("a single pending line is handed over without a copy", () => {
  const q = new LineQueue(4);
  const line = enc.encode("one\r\n");
  q.push(line);
  assert(q.take() === line);
});

Deno.test("end queues the last line after what is pending, then wait reports the end", async () => {
  const q = new LineQueue(4);
  q.push(enc.encode("a\r\n"));
  q.end(enc.encode("bye\r\n"));
  assertEquals(q.push(enc.encode("late\r\n")), false);
  assert(await q.wait());
  assertEquals(text(q.take()), "a\r\nbye\r\n");
  assertEquals(await q.wait(), false);
});

Deno.test("room resolves once the writer has taken from a full queue", async () => {
  const q = new LineQueue(2);
  q.push(enc.encode("1\r\n"));
  q.push(enc.encode("2\r\n"));
  let roomy = false;
  const room = q.room().then(() => roomy = true);
  await new Promise((r) => setTimeout(r, 10));
  assertEquals(roomy, false, "still full");
  q.take();
  await room;
  assert(roomy);
});

Deno.test("a client's queued lines leave in one write per turn, not one per line", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const peer = await TcpClient.connect(listener.addr.port);
  const conn = await listener.accept();
  listener.close();
  let writes = 0;
  const counting = new Proxy(conn, {
    get(target, prop) {
      if (prop === "write") {
        return (p: Uint8Array) => {
          writes++;
          return target.write(p);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const c: Connection = {
    id: 1,
    conn: counting,
    remote: "peer",
    since: Date.now(),
    lastActive: Date.now(),
    noTimeout: false,
  };
  const hub = new Hub(1024);
  const client = new ChatClient(c, hub.subscribe());
  try {
    for (let i = 0; i < 100; i++) hub.publish(`line ${i}`);
    for (let i = 0; i < 100; i++) assertEquals(await peer.readLine(), `line ${i}\r`);
    assertEquals(writes, 1);
  } finally {
    hub.close();
    await client.written;
    conn.close();
    peer.close();
  }
});

Deno.test("control characters and whole escape sequences are stripped; TAB and text stay", () => {
  const cases: Array<[string, string]> = [
    ["plain text", "plain text"],
    ["tab\there", "tab\there"],
    ["\x1b[31mred\x1b[0m", "red"],
    ["\x1b[2J\x1b[Hclear screen", "clear screen"],
    ["x\x1b]0;window title\x07y", "xy"],
    ["x\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\y", "xlinky"],
    ["\x1bPq#0;2;0;0;0\x1b\\sixel gone", "sixel gone"],
    ["\x1bcreset", "reset"],
    ["bell\x07 nul\x00 del\x7f bs\b cr\r", "bell nul del bs cr"],
    ["\u009b31m8-bit CSI", "8-bit CSI"],
    ["é ü ß 😀 日本", "é ü ß 😀 日本"],
    ["unterminated \x1b[", "unterminated "],
  ];
  for (const [input, want] of cases) {
    assertEquals(stripControls(input), want, JSON.stringify(input));
  }
});

Deno.test("a lag notice counts only the lines the subscriber was to get, not its own", () => {
  const hub = new Hub(4);
  const a = hub.subscribe("a");
  const b = hub.subscribe("b");
  const all = hub.subscribe(); // as in channel mode: its own lines would be echoed to it
  for (let i = 1; i <= 4; i++) {
    hub.publish(`a${i}`, "a");
    hub.publish(`b${i}`, "b");
  }
  assertEquals(a.dropped, 2);
  assertEquals(text(a.take()), "*** lagged: 2 messages dropped\r\nb3\r\nb4\r\n");
  assertEquals(text(b.take()), "*** lagged: 2 messages dropped\r\na3\r\na4\r\n");
  assertEquals(text(all.take()), "*** lagged: 4 messages dropped\r\na3\r\nb3\r\na4\r\nb4\r\n");
  hub.close();
});

Deno.test("room is shut while a subscriber would be overrun and opens once it has taken", async () => {
  const hub = new Hub(4);
  const sub = hub.subscribe();
  for (let i = 0; i < 4; i++) {
    assertEquals(hub.room(), undefined);
    hub.publish(`m${i}`);
  }
  const shut = hub.room();
  assert(shut !== undefined, "a fifth line would overrun the subscriber");
  let opened = false;
  const done = shut.then(() => opened = true);
  await Promise.resolve();
  assertEquals(opened, false);
  assertEquals(text(sub.take()), "m0\r\nm1\r\nm2\r\nm3\r\n");
  await done;
  assertEquals(hub.room(), undefined);
  hub.close();
});
