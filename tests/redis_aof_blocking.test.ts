// What a blocking pop did reaches the append-only file as the plain command it amounts to: a
// served BLPOP/BRPOP as LPOP/RPOP, BLMOVE as LMOVE, BRPOPLPUSH as RPOPLPUSH, BLMPOP as LPOP/RPOP
// key count, whether the key served at once or a later push woke the client. A restart reloads
// the same lists.

import { encodeCommand, RawConn } from "./_diff.ts";
import { assert, assertEquals, startServer, waitUntil } from "./_util.ts";

const dec = new TextDecoder();

async function blocked(c: RawConn, n: number): Promise<void> {
  await waitUntil(async () =>
    dec.decode(await c.call(["INFO", "clients"])).includes(`blocked_clients:${n}\r\n`)
  );
}

Deno.test("served blocking pops are logged as LPOP/RPOP/LMOVE/RPOPLPUSH", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-aof-blocking-" });
  try {
    const args = ["redis", "--quiet", "--appendonly", "yes", "--dir", dir, "--appendfsync", "no"];
    {
      await using srv = await startServer(args);
      const a = await RawConn.connect(srv.port), b = await RawConn.connect(srv.port);
      try {
        // Blocked, then served by a push.
        await a.send(encodeCommand(["BLPOP", "q", "0"]));
        await blocked(b, 1);
        assertEquals(dec.decode(await b.call(["RPUSH", "q", "a", "b", "c", "d"])), ":4\r\n");
        assertEquals(dec.decode(await a.reply()), "*2\r\n$1\r\nq\r\n$1\r\na\r\n");
        // Served at once.
        assertEquals(dec.decode(await a.call(["BRPOP", "q", "0"])), "*2\r\n$1\r\nq\r\n$1\r\nd\r\n");
        assertEquals(dec.decode(await a.call(["BRPOPLPUSH", "q", "d", "0"])), "$1\r\nc\r\n");
        assertEquals(
          dec.decode(await a.call(["BLMOVE", "q", "d", "LEFT", "LEFT", "0"])),
          "$1\r\nb\r\n",
        );
        // BLMPOP woken by a push inside MULTI.
        await a.send(encodeCommand(["BLMPOP", "0", "1", "m", "RIGHT", "COUNT", "2"]));
        await blocked(b, 1);
        await b.call(["MULTI"]);
        await b.call(["RPUSH", "m", "1", "2", "3"]);
        assertEquals(dec.decode(await b.call(["EXEC"])), "*1\r\n:3\r\n");
        assertEquals(dec.decode(await a.reply()), "*2\r\n$1\r\nm\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
      } finally {
        a.close();
        b.close();
      }
    }
    const file = await Deno.readTextFile(`${dir}/tokserver.aof`);
    assert(!/\r\nB(LPOP|RPOP|LMOVE|RPOPLPUSH|LMPOP)\r\n/i.test(file), "no blocking form logged");
    assert(file.includes("*2\r\n$4\r\nLPOP\r\n$1\r\nq\r\n"), "BLPOP served by a push: LPOP q");
    assert(file.includes("*2\r\n$4\r\nRPOP\r\n$1\r\nq\r\n"), "BRPOP served at once: RPOP q");
    assert(file.includes("*3\r\n$9\r\nRPOPLPUSH\r\n$1\r\nq\r\n$1\r\nd\r\n"), "RPOPLPUSH");
    assert(
      file.includes("*5\r\n$5\r\nLMOVE\r\n$1\r\nq\r\n$1\r\nd\r\n$4\r\nLEFT\r\n$4\r\nLEFT\r\n"),
    );
    assert(file.includes("*3\r\n$4\r\nRPOP\r\n$1\r\nm\r\n$1\r\n2\r\n"), "BLMPOP: RPOP m 2");
    {
      await using again = await startServer(args);
      const c = await RawConn.connect(again.port);
      try {
        assertEquals(
          dec.decode(await c.call(["LRANGE", "d", "0", "-1"])),
          "*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
        );
        assertEquals(dec.decode(await c.call(["LRANGE", "m", "0", "-1"])), "*1\r\n$1\r\n1\r\n");
        assertEquals(dec.decode(await c.call(["EXISTS", "q"])), ":0\r\n");
      } finally {
        c.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
