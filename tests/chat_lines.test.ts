// What a line can look like on the wire and what the others then see: split across writes, CRLF
// and UTF-8 split between packets, a 4 MiB line (relayed when allowed, refused over --max-line),
// terminal escape sequences, and a client that resets its connection.

import { assert, assertEquals, startServer, TcpClient } from "./_util.ts";

const enc = new TextEncoder();
const pause = (ms = 50) => new Promise((r) => setTimeout(r, ms));

async function pair(srv: { port: number; stderr: { waitFor(s: string): Promise<unknown> } }) {
  const a = await TcpClient.connect(srv.port);
  const b = await TcpClient.connect(srv.port);
  await srv.stderr.waitFor("(2 connected)");
  return [a, b] as const;
}

Deno.test("a line split across several writes is relayed whole", async () => {
  await using srv = await startServer(["chat", "--mode", "complete"]);
  const [a, b] = await pair(srv);
  try {
    for (const part of ["hel", "lo, ", "wor", "ld\n"]) {
      await a.write(part);
      await pause();
    }
    assertEquals(await b.readLine(), "hello, world\r");
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("CRLF split between writes ends the line once, without a stray CR", async () => {
  await using srv = await startServer(["chat", "--mode", "complete"]);
  const [a, b] = await pair(srv);
  try {
    await a.write("first\r");
    await pause();
    await a.write("\nsecond\r");
    await pause();
    await a.write("\n");
    assertEquals(await b.readLine(), "first\r");
    assertEquals(await b.readLine(), "second\r");
    assertEquals(await b.quietFor(200), "", "no empty line from the split CRLF");
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("a UTF-8 character split between writes arrives intact", async () => {
  await using srv = await startServer(["chat", "--mode", "complete"]);
  const [a, b] = await pair(srv);
  try {
    const bytes = enc.encode("héllo 😀 日本\n");
    // Cut inside é (2 bytes), inside the emoji (4 bytes) and inside 日 (3 bytes).
    const cuts = [2, 9, 10, 15, bytes.length];
    let from = 0;
    for (const to of cuts) {
      await a.write(bytes.slice(from, to));
      from = to;
      await pause();
    }
    assertEquals(await b.readLine(), "héllo 😀 日本\r");
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("a 4 MiB line is relayed intact when --max-line allows it", async () => {
  await using srv = await startServer(["chat", "--mode", "complete", "--max-line", "8388608"]);
  const [a, b] = await pair(srv);
  try {
    const size = 4 * 1024 * 1024;
    const line = new Uint8Array(size + 1);
    for (let i = 0; i < size; i++) line[i] = 97 + (i % 26);
    line[size] = 10;
    const sending = a.write(line);
    const got = await b.readBytes(size + 2, 30000);
    await sending;
    assertEquals(got[size], 13);
    assertEquals(got[size + 1], 10);
    assertEquals(got.subarray(0, size), line.subarray(0, size));
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("a 4 MiB line over --max-line ends only its sender, with *** line too long", async () => {
  await using srv = await startServer(["chat", "--mode", "complete"]);
  const [a, b] = await pair(srv);
  try {
    const big = new Uint8Array(4 * 1024 * 1024).fill(120);
    const sending = a.write(big).catch(() => {}); // the server may hang up mid-line
    assertEquals(await a.readLine(10000), "*** line too long\r");
    assert(await a.closedWithin(5000), "the sender is disconnected");
    await sending;
    assertEquals(await b.quietFor(100), "", "nothing of the long line was relayed");
    const c = await TcpClient.connect(srv.port);
    try {
      await srv.stderr.waitFor(/disconnected \(1 connected\)[^]*connected \(2 connected\)/);
      await b.write("others unaffected\n");
      assertEquals(await c.readLine(), "others unaffected\r");
    } finally {
      c.close();
    }
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("ANSI escape sequences and control bytes are stripped before relaying", async () => {
  await using srv = await startServer(["chat", "--mode", "complete"]);
  const [a, b] = await pair(srv);
  try {
    await a.write("\x1b[2J\x1b[31mred\x1b[0m \x1b]0;pwned\x07title\tand tab\x07\x08\n");
    assertEquals(await b.readLine(), "red title\tand tab\r");
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("channel strips escapes from the sender's own copy too", async () => {
  await using srv = await startServer(["chat", "--mode", "channel"]);
  const [a, b] = await pair(srv);
  try {
    await a.write("\x1b[1mbold\x1b[0m\n");
    assertEquals(await a.readLine(), "bold\r");
    assertEquals(await b.readLine(), "bold\r");
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("a client that resets its connection leaves the others unaffected", async () => {
  await using srv = await startServer(["chat", "--mode", "complete"]);
  const [a, b] = await pair(srv);
  const r = await TcpClient.connect(srv.port);
  try {
    await srv.stderr.waitFor("(3 connected)");
    // r leaves data unread and closes: the kernel answers with a reset instead of a FIN.
    await a.write("unread by r\n");
    assertEquals(await b.readLine(), "unread by r\r");
    await pause(100);
    r.close();
    await srv.stderr.waitFor("disconnected (2 connected)");
    for (let i = 0; i < 20; i++) await a.write(`after reset ${i}\n`);
    for (let i = 0; i < 20; i++) assertEquals(await b.readLine(), `after reset ${i}\r`);
    await b.write("and back\n");
    assertEquals(await a.readLine(), "and back\r");
    assert(!/error|uncaught/i.test(srv.stderr.text), srv.stderr.text);
  } finally {
    a.close();
    b.close();
    r.close();
  }
});
