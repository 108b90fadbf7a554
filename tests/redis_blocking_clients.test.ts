// Blocked clients as the server keeps them: INFO blocked_clients and CLIENT LIST's flag b, a
// client that disconnects while blocked gives up its place in the queue, and a timeout follows
// the server's clock (moved by TOKSERVER CLOCK), not the wall clock.

import { encodeCommand, RawConn } from "./_diff.ts";
import { assert, assertEquals, startServer, waitUntil } from "./_util.ts";

const dec = new TextDecoder();

async function blockedCount(c: RawConn): Promise<number> {
  const info = dec.decode(await c.call(["INFO", "clients"]));
  return Number(/blocked_clients:(\d+)/.exec(info)![1]);
}

Deno.test("blocked clients: counted, flagged b, freed on disconnect, timed by the server clock", async () => {
  await using srv = await startServer(["redis", "--quiet", "--enable-test-commands", "yes"]);
  const a = await RawConn.connect(srv.port), b = await RawConn.connect(srv.port);
  const c = await RawConn.connect(srv.port);
  try {
    await a.send(encodeCommand(["BLPOP", "q", "0"]));
    await b.send(encodeCommand(["BLPOP", "q", "0"]));
    await waitUntil(async () => await blockedCount(c) === 2);
    const list = dec.decode(await c.call(["CLIENT", "LIST"]));
    assertEquals((list.match(/ flags=b /g) ?? []).length, 2);
    // The first blocked leaves: the second is served by the next push.
    a.close();
    await waitUntil(async () => await blockedCount(c) === 1);
    assertEquals(dec.decode(await c.call(["RPUSH", "q", "x"])), ":1\r\n");
    assertEquals(dec.decode(await b.reply()), "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
    assertEquals(await blockedCount(c), 0);
    // A one-hour timeout passes when the server's clock is moved an hour on.
    await c.call(["TOKSERVER", "CLOCK", "FREEZE"]);
    await b.send(encodeCommand(["BRPOP", "q", "3600"]));
    await waitUntil(async () => await blockedCount(c) === 1);
    await c.call(["TOKSERVER", "CLOCK", "ADVANCE", "3600000"]);
    assertEquals(dec.decode(await b.reply()), "*-1\r\n");
    assertEquals(await blockedCount(c), 0);
    assert(dec.decode(await b.call(["PING"])) === "+PONG\r\n");
  } finally {
    a.close();
    b.close();
    c.close();
  }
});
