// The capped telnet line reader: line splitting across reads, CRLF and UTF-8 split between reads,
// telnet negotiation dropped, and an endless line refused without buffering it.

import { lineStream, LineTooLongError } from "../src/net/line_reader.ts";
import { assert, assertEquals, assertRejects } from "./_util.ts";

const enc = new TextEncoder();

/** A byte source that yields `chunks` one read at a time. */
function source(chunks: Array<Uint8Array | string | number[]>): ReadableStream<Uint8Array> {
  const list = chunks.map((c) =>
    typeof c === "string" ? enc.encode(c) : c instanceof Uint8Array ? c : new Uint8Array(c)
  );
  return new ReadableStream({
    pull(controller) {
      const next = list.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

async function lines(chunks: Array<Uint8Array | string | number[]>, maxLine?: number) {
  return await Array.fromAsync(lineStream(source(chunks), { maxLine }));
}

/** Every way to cut `bytes` in two. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.slice(0, i), bytes.slice(i)]);
  return out;
}

Deno.test("a line split across many one-byte writes is read whole", async () => {
  const text = "hello, world\n";
  assertEquals(await lines([...text].map((ch) => ch)), ["hello, world"]);
});

Deno.test("LF and CRLF both end a line, and the line ending is not part of the line", async () => {
  assertEquals(await lines(["a\nb\r\nc\r\n\r\nd"]), ["a", "b", "c", "", "d"]);
});

Deno.test("CRLF split between two reads ends the line once", async () => {
  for (const parts of splits(enc.encode("one\r\ntwo\r\n"))) {
    assertEquals(await lines(parts), ["one", "two"]);
  }
});

Deno.test("a UTF-8 character split across reads is decoded whole", async () => {
  const bytes = enc.encode("héllo 世界 🦀\n");
  for (const parts of splits(bytes)) {
    assertEquals(await lines(parts), ["héllo 世界 🦀"]);
  }
  // and one byte at a time
  assertEquals(await lines([...bytes].map((b) => [b])), ["héllo 世界 🦀"]);
});

Deno.test("telnet negotiation (IAC WILL/DO/SB...SE) and NUL bytes are dropped, even split", async () => {
  const IAC = 255, DO = 253, WILL = 251, SB = 250, SE = 240, NOP = 241;
  const bytes = new Uint8Array([
    IAC,
    DO,
    1, // IAC DO ECHO
    ...enc.encode("hi"),
    0,
    IAC,
    SB,
    24,
    0,
    ...enc.encode("xterm"),
    IAC,
    SE, // terminal type subnegotiation
    IAC,
    WILL,
    31,
    IAC,
    NOP,
    ...enc.encode(" there\r\n"),
  ]);
  assertEquals(await lines([bytes]), ["hi there"]);
  for (const parts of splits(bytes)) assertEquals(await lines(parts), ["hi there"]);
});

Deno.test("a line of exactly the cap is accepted; one byte more is refused", async () => {
  const ok = "x".repeat(100);
  assertEquals(await lines([ok + "\r\n"], 100), [ok]);
  await assertRejects(() => lines([ok + "x\n"], 100), LineTooLongError);
});

Deno.test("a 4 MiB line without newline is refused after reading little more than the cap", async () => {
  const chunk = new Uint8Array(64 * 1024).fill(97);
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled * chunk.length >= 4 * 1024 * 1024) return controller.close();
      pulled++;
      controller.enqueue(chunk);
    },
  });
  const err = await assertRejects(
    () => Array.fromAsync(lineStream(endless, { maxLine: 65536 })),
    LineTooLongError,
  );
  assert(err instanceof LineTooLongError);
  // The cap trips on the second 64 KiB chunk; a few more may be in the pipe's queues, no more.
  assert(pulled <= 6, `read ${pulled} chunks of 64 KiB before refusing`);
});

Deno.test("lines before an over-long line are still delivered", async () => {
  const got: string[] = [];
  await assertRejects(async () => {
    for await (const l of lineStream(source(["ok\n", "y".repeat(50) + "\n"]), { maxLine: 20 })) {
      got.push(l);
    }
  }, LineTooLongError);
  assertEquals(got, ["ok"]);
});
