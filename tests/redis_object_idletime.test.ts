// OBJECT IDLETIME on tokserver's own clock (TOKSERVER CLOCK), where idle times are exact: an hour
// passes for every key, a read or write brings its key back to 0, lookups that do not touch
// (OBJECT, EXISTS, TYPE, TTL, SCAN) leave it, SWAPDB and MOVE carry it along, and a deleted key
// starts over.

import { RawConn } from "./_diff.ts";
import { assertEquals, startServer } from "./_util.ts";

const dec = new TextDecoder();

Deno.test("OBJECT IDLETIME follows the server's clock and Redis's touch rules", async () => {
  await using srv = await startServer(["redis", "--quiet", "--enable-test-commands", "yes"]);
  const c = await RawConn.connect(srv.port);
  const say = async (...args: string[]) => dec.decode(await c.call(args));
  const idle = async (key: string) => await say("OBJECT", "IDLETIME", key);
  try {
    await say("TOKSERVER", "CLOCK", "FREEZE");
    await say("SET", "s", "v");
    await say("HSET", "h", "f", "v");
    await say("RPUSH", "l", "a");
    await say("SET", "other", "x");
    await say("TOKSERVER", "CLOCK", "ADVANCE", "3600000");
    assertEquals(await idle("s"), ":3600\r\n");
    assertEquals(await idle("h"), ":3600\r\n");
    await say("EXISTS", "s");
    await say("TYPE", "s");
    await say("TTL", "s");
    await say("OBJECT", "ENCODING", "s");
    await say("SCAN", "0");
    assertEquals(await idle("s"), ":3600\r\n");
    await say("GET", "s");
    await say("HGET", "h", "f");
    await say("LPUSH", "l", "b");
    assertEquals([await idle("s"), await idle("h"), await idle("l")], [
      ":0\r\n",
      ":0\r\n",
      ":0\r\n",
    ]);
    await say("TOKSERVER", "CLOCK", "ADVANCE", "90000");
    assertEquals(await idle("s"), ":90\r\n");
    assertEquals(await idle("other"), ":3690\r\n");
    await say("SWAPDB", "0", "1");
    await say("SELECT", "1");
    assertEquals(await idle("other"), ":3690\r\n");
    await say("MOVE", "other", "0");
    await say("SELECT", "0");
    // MOVE looks the key up for a write: used now.
    assertEquals(await idle("other"), ":0\r\n");
    await say("TOKSERVER", "CLOCK", "ADVANCE", "5000");
    await say("DEL", "other");
    await say("SET", "other", "new");
    assertEquals(await idle("other"), ":0\r\n");
  } finally {
    c.close();
  }
});
