// `tokserver chat --web` without a browser: the page as served (headers, mode, assets up to date),
// the origin check on the upgrade, and WebSocket clients held to the telnet limits (line cap,
// flood limit, idle timeout, maxclients, goodbye at shutdown) while they chat with telnet users.

import {
  assert,
  assertEquals,
  assertStringIncludes,
  run,
  startRedisServer,
  TcpClient,
  which,
} from "./_util.ts";
import { originAllowed } from "../src/chat/web/web_server.ts";
import { startWebServer, WsClient } from "./_web.ts";

const enc = new TextEncoder();

/** The status line the server answers a raw WebSocket upgrade with, sent with `origin`. */
async function upgradeStatus(port: number, origin?: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(enc.encode(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
        `Sec-WebSocket-Version: 13\r\n${origin ? `Origin: ${origin}\r\n` : ""}\r\n`,
    ));
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    return new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\r\n")[0]!;
  } finally {
    conn.close();
  }
}

Deno.test("web: the generated assets.ts is what build_assets.ts makes of the page", async () => {
  const out = await run(Deno.execPath(), ["run", "-A", "src/chat/web/build_assets.ts", "--check"]);
  assertEquals(out.code, 0, out.stderr);
});

Deno.test("web: the page is served with its mode, a strict CSP and its script and style", async () => {
  await using srv = await startWebServer(["--mode", "rooms"]);
  const base = `http://127.0.0.1:${srv.webPort}`;
  const page = await fetch(`${base}/`);
  assertEquals(page.status, 200);
  assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
  assertStringIncludes(page.headers.get("content-security-policy")!, "script-src 'self'");
  assertEquals(page.headers.get("x-content-type-options"), "nosniff");
  const html = await page.text();
  assertStringIncludes(html, `<body data-mode="rooms">`);
  assertStringIncludes(html, `<label for="message"`);
  for (const [path, type] of [["/app.js", "text/javascript"], ["/style.css", "text/css"]]) {
    const r = await fetch(`${base}${path}`);
    assertStringIncludes(r.headers.get("content-type")!, type!);
    assert((await r.text()).length > 500);
  }
  const missing = await fetch(`${base}/nothing`);
  assertEquals(missing.status, 404);
  await missing.body?.cancel();
  const post = await fetch(`${base}/`, { method: "POST" });
  assertEquals(post.status, 405);
  await post.body?.cancel();
});

Deno.test("web: the upgrade is refused to pages of another origin unless --web-origin lists it", async () => {
  await using srv = await startWebServer(["--web-origin", "http://allowed.example"]);
  const p = srv.webPort;
  assertEquals(await upgradeStatus(p, "http://evil.example"), "HTTP/1.1 403 Forbidden");
  assertEquals(await upgradeStatus(p, `http://127.0.0.1:${p + 1}`), "HTTP/1.1 403 Forbidden");
  assertEquals(await upgradeStatus(p, `http://127.0.0.1:${p}`), "HTTP/1.1 101 Switching Protocols");
  assertEquals(
    await upgradeStatus(p, "http://allowed.example"),
    "HTTP/1.1 101 Switching Protocols",
  );
  assertEquals(await upgradeStatus(p), "HTTP/1.1 101 Switching Protocols"); // not a browser
  assert(originAllowed("https://x.example", "y.example", ["*"]));
  assert(!originAllowed("not a url", "y.example", []));
});

Deno.test("web: WebSocket and telnet users chat both ways in complete; the goodbye reaches both", async () => {
  const srv = await startWebServer(["--mode", "complete"]);
  const ws = await WsClient.connect(srv.webPort);
  const tcp = await TcpClient.connect(srv.port);
  await srv.stderr.waitFor(/\(2 connected\)/);
  ws.send("from the browser <b>\x1b[31mred\x1b[0m");
  assertEquals(await tcp.readLine(), "from the browser <b>red\r");
  await tcp.write("from telnet\r\n");
  assertEquals(await ws.readLine(), "from telnet");
  await srv.stop("SIGINT");
  assertEquals(await ws.readLine(), "*** server shutting down");
  assertEquals(await tcp.readLine(), "*** server shutting down\r");
  assertEquals(await ws.closed, 1000);
  tcp.close();
});

Deno.test("web: a WebSocket line over --max-line ends that client with *** line too long", async () => {
  await using srv = await startWebServer(["--max-line", "100"]);
  const tcp = await TcpClient.connect(srv.port);
  const ws = await WsClient.connect(srv.webPort);
  const other = await WsClient.connect(srv.webPort);
  await srv.stderr.waitFor(/\(3 connected\)/);
  ws.send("x".repeat(101));
  assertEquals(await ws.readLine(), "*** line too long");
  assertEquals(await ws.closed, 1000);
  other.send("the others carry on");
  assertEquals(await tcp.readLine(), "the others carry on\r");
  tcp.close();
  await other.close();
});

Deno.test("web: --maxclients counts WebSocket and telnet clients together", async () => {
  await using srv = await startWebServer(["--maxclients", "1"]);
  const tcp = await TcpClient.connect(srv.port);
  await srv.stderr.waitFor(/\(1 connected\)/);
  const ws = await WsClient.connect(srv.webPort);
  assertEquals(await ws.readLine(), "*** server full");
  await ws.closed;
  tcp.close();
});

Deno.test("web: --timeout closes an idle WebSocket client with *** idle timeout", async () => {
  await using srv = await startWebServer(["--timeout", "1"]);
  const ws = await WsClient.connect(srv.webPort);
  assertEquals(await ws.readLine(3000), "*** idle timeout");
  await ws.closed;
});

Deno.test("web: rooms: the flood limit holds for WebSocket clients", async () => {
  await using srv = await startWebServer(["--mode", "rooms", "--flood", "5"]);
  const ws = await WsClient.connect(srv.webPort);
  await ws.readUntil("*** choose a name (1-32 letters, digits, _ or -):");
  ws.send("ann");
  await ws.readUntil("*** hello ann, you are in #lobby (/help lists the commands)");
  for (let i = 0; i < 20; i++) ws.send(`line ${i}`);
  assertEquals(await ws.readLine(), "*** flood limit: more than 5 lines a second; lines dropped");
  await ws.close();
});

Deno.test("web: --web is refused outside complete and rooms", async () => {
  const out = await run(Deno.execPath(), [
    "run",
    "-A",
    "main.ts",
    "chat",
    "--mode",
    "spawn",
    "--web",
    "0",
  ]);
  assertEquals(out.code, 2);
  assertStringIncludes(out.stderr, "--web works with modes complete, rooms");
});

Deno.test({
  name: "web: with --backplane a browser user on one instance and a telnet user on another chat",
  ignore: which("redis-server") === undefined,
  async fn() {
    await using redis = await startRedisServer();
    if (!redis) throw new Error("redis-server did not start");
    const bp = `redis://127.0.0.1:${redis.port}/web${Deno.pid}`;
    await using a = await startWebServer(["--mode", "rooms", "--backplane", bp]);
    await using b = await startWebServer(["--mode", "rooms", "--backplane", bp]);
    for (const s of [a, b]) await s.stderr.waitFor(/backplane .*: connected/, 10000);
    const ws = await WsClient.connect(a.webPort);
    await ws.readUntil("*** choose a name (1-32 letters, digits, _ or -):");
    ws.send("ann");
    await ws.readUntil("*** hello ann, you are in #lobby (/help lists the commands)");
    const tcp = await TcpClient.connect(b.port);
    await tcp.readUntil("-):\r\n");
    await tcp.write("bob\r\n");
    await tcp.readUntil("(/help lists the commands)\r\n");
    assertEquals(await ws.readLine(), "*** bob joined #lobby");
    ws.send("hi bob, from a page on the other instance");
    assertEquals(await tcp.readLine(), "[#lobby] ann: hi bob, from a page on the other instance\r");
    await tcp.write("/msg ann hello ann\r\n");
    assertEquals(await ws.readLine(), "[private] bob: hello ann");
    tcp.close();
    await ws.close();
  },
});

/**
 * Reads a raw connection's upgrade reply (it must be `101`), then its server-to-client WebSocket
 * frames until a payload matches `want` (searched in each newly read stretch plus the end of the
 * one before); the match, or null, and the bytes read.
 */
async function readFramesUntil(
  conn: Deno.TcpConn,
  want: RegExp,
  ms: number,
): Promise<{ match: RegExpMatchArray | null; bytes: number }> {
  const deadline = Date.now() + ms;
  let buf = new Uint8Array(0);
  let tail = "", bytes = 0;
  const chunk = new Uint8Array(1 << 16);
  const dec = new TextDecoder();
  let upgraded = false;
  while (Date.now() < deadline) {
    const n = await conn.read(chunk);
    if (n === null) break;
    bytes += n;
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(chunk.subarray(0, n), buf.length);
    buf = next;
    if (!upgraded) {
      // The HTTP reply comes first: parsed as frames, it would put every frame after it off.
      const head = dec.decode(buf.subarray(0, 1024));
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) continue;
      assertStringIncludes(head.slice(0, head.indexOf("\r\n")), " 101 ");
      buf = buf.slice(end + 4);
      upgraded = true;
    }
    // Whole frames: FIN/opcode byte, then a 7-bit length (126: 16-bit, 127: 64-bit), unmasked.
    let p = 0, text = tail;
    while (buf.length - p >= 2) {
      let len = buf[p + 1]! & 0x7f, head = 2;
      if (len === 126) {
        if (buf.length - p < 4) break;
        len = (buf[p + 2]! << 8) | buf[p + 3]!;
        head = 4;
      } else if (len === 127) {
        if (buf.length - p < 10) break;
        len = Number(new DataView(buf.buffer, buf.byteOffset + p + 2, 8).getBigUint64(0));
        head = 10;
      }
      if (buf.length - p < head + len) break;
      text += dec.decode(buf.subarray(p + head, p + head + len));
      p += head + len;
    }
    buf = buf.slice(p);
    const match = text.match(want);
    if (match) return { match, bytes };
    tail = text.slice(-100);
  }
  return { match: null, bytes };
}

Deno.test("web: a WebSocket client that stops reading gets its lag notice; a telnet reader loses nothing", async () => {
  const srv = await startWebServer(["--mode", "complete"]);
  // A raw WebSocket client that upgrades and then does not read its socket.
  const stalled = await Deno.connect({ hostname: "127.0.0.1", port: srv.webPort });
  try {
    await stalled.write(enc.encode(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${srv.webPort}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
        `Sec-WebSocket-Version: 13\r\n\r\n`,
    ));
    const reader = await TcpClient.connect(srv.port);
    const sender = await TcpClient.connect(srv.port);
    await srv.stderr.waitFor(/\(3 connected\)/);
    // Far more than the stalled client's socket buffers (several MB on loopback) and its --queue
    // hold: 36 MB.
    const lines = 40_000;
    const line = (i: number) => `line ${String(i).padStart(6, "0")} ${"x".repeat(890)}`;
    const paste = Array.from({ length: lines }, (_, i) => line(i) + "\r\n").join("");
    const sent = sender.write(paste);
    for (let i = 0; i < lines; i++) {
      const got = await reader.readLine(15000);
      if (got !== line(i) + "\r") assertEquals(got, line(i) + "\r");
    }
    await sent;
    // Now the stalled client reads: its upgrade reply, what it had, then the notice.
    const { match: m, bytes } = await readFramesUntil(
      stalled,
      /\*\*\* lagged: (\d+) messages dropped/,
      30000,
    );
    assert(m !== null, `no lag notice in the ${bytes} bytes the stalled client read`);
    assert(Number(m[1]) > 0);
    reader.close();
    sender.close();
  } finally {
    stalled.close();
    await srv.stop("SIGINT");
  }
});
