// Keyspace notifications compared with a real redis-server: a subscriber (PSUBSCRIBE
// __key*__:*) on each side, the same writes and expiries on both, then every message it received,
// in order, byte for byte. Also CONFIG SET/GET notify-keyspace-events and the flag.

import { diffTest, RawConn, script, show, startPair, type Step } from "./_diff.ts";
import { assertEquals, startServer, which } from "./_util.ts";

const dec = new TextDecoder();
const PONG = "*2\r\n$4\r\npong\r\n$0\r\n\r\n";

/** Runs `steps` on a writer while a subscriber listens; returns the messages it received. */
async function notifications(port: number, classes: string, steps: Step[]): Promise<string[]> {
  const writer = await RawConn.connect(port);
  const sub = await RawConn.connect(port);
  try {
    await writer.call(["FLUSHALL"]);
    await writer.call(["CONFIG", "SET", "notify-keyspace-events", classes]);
    await sub.call(["PSUBSCRIBE", "__key*__:*"]);
    const replies: string[] = [];
    for (const step of steps) {
      if ("sleep" in step) await new Promise((r) => setTimeout(r, step.sleep));
      else replies.push(show(await writer.call(step.cmd)));
    }
    await sub.send(new TextEncoder().encode("PING\r\n"));
    const messages: string[] = [];
    while (true) {
      const r = dec.decode(await sub.reply());
      if (r === PONG) break;
      messages.push(r);
    }
    await writer.call(["CONFIG", "SET", "notify-keyspace-events", ""]);
    return [...replies.map((r) => `reply ${r}`), ...messages];
  } finally {
    writer.close();
    sub.close();
  }
}

const SCRIPTS: Record<string, { classes: string; steps: Step[] }> = {
  "string writes (KEA)": {
    classes: "KEA",
    steps: script`
      SET s v
      SET s v2 EX 100
      SET s v3 KEEPTTL
      SET s v4 NX
      SET s v5 XX GET
      SETNX s v
      SETNX s2 v
      SETEX s3 100 v
      PSETEX s4 100000 v
      GETSET s v
      MSET m1 a m2 b
      MSETNX m1 a n1 b
      MSETNX n1 a n2 b
      APPEND s xyz
      APPEND fresh xyz
      SETRANGE s 1 QQ
      SETRANGE s 1 ""
      SETRANGE newr 3 ab
      INCR i
      DECR i
      INCRBY i 5
      DECRBY i 2
      INCRBYFLOAT f 1.5
      INCR s
      GETDEL s
      GETDEL s
      GETEX m1 EX 100
      GETEX m1 PERSIST
      GETEX m1 PERSIST
      GETEX m1 PXAT 1
      GET m2
    `,
  },
  "generic commands (KEA)": {
    classes: "KEA",
    steps: script`
      MSET a 1 b 2 c 3
      DEL a missing b
      UNLINK c
      SET k v
      EXPIRE k 100
      PEXPIRE k 100000
      EXPIRE k 100 NX
      PERSIST k
      PERSIST k
      EXPIREAT k 1
      SET k v
      PEXPIREAT k 1
      SET r v
      RENAME r r2
      SET r3 x
      RENAME r2 r3
      RENAMENX r3 r3
      SET r4 y
      RENAMENX r3 r4
      RENAMENX r3 r5
      MOVE r5 3
      SELECT 3
      SET x 1
      DEL x
      SELECT 0
      SWAPDB 0 3
      FLUSHDB
      FLUSHALL
    `,
  },
  "expiry, by a read, by a write and by the active sweep, in two databases (KEA)": {
    classes: "KEA",
    // One key expires at a time, so the order does not depend on which path removed it.
    steps: [
      ...script`SET lazy v PX 20`,
      { sleep: 40 },
      ...script`GET lazy`,
      ...script`
        SELECT 2
        SET swept v PX 20
        SELECT 0
      `,
      // Nobody touches it: only the sweep removes it.
      { sleep: 400 },
      ...script`SET over v PX 10`,
      { sleep: 30 },
      ...script`
        SET over new
        SELECT 2
        GET swept
      `,
    ],
  },
  "only keyevent, strings (E$)": {
    classes: "E$",
    steps: script`
      SET a 1
      DEL a
      INCR n
    `,
  },
  "only keyspace, generic (Kg)": {
    classes: "Kg",
    steps: script`
      SET a 1
      EXPIRE a 100
      DEL a
      APPEND a x
    `,
  },
  "key misses (KEm)": {
    classes: "KEm",
    steps: script`
      GET nope
      MGET a b
      SET a 1
      GET a
      EXISTS zz a
      STRLEN zz
      TYPE zz
      TTL zz
      PTTL zz
      SET zz v GET
      GETSET zz w
      GETDEL zz
      GETDEL zz
      GETEX zz
      TOUCH zz
      APPEND zz x
      INCR zz
      EXPIRE none 10
      PERSIST none
      RENAME none x
      MOVE none 1
      DEL none
      DEL zz
      GETRANGE zz 0 1
      INCR zz
    `,
  },
  "new keys (KEn), with A": {
    classes: "KEnA",
    steps: script`
      SET a 1
      SET a 2
      MSET b 1 a 3
      RENAME a c
      SET d 1
      RENAME c d
      MOVE d 4
      INCR e
      APPEND f x
      SETRANGE g 2 x
    `,
  },
  "stream writes (KEt)": {
    classes: "KEt",
    steps: script`
      XADD s 1-1 a 1
      XADD s MAXLEN 1 2-1 b 2
      XADD s NOMKSTREAM 3-1 c 3
      XADD nokey NOMKSTREAM 3-1 c 3
      XDEL s 3-1
      XDEL s 9-9
      XTRIM s MAXLEN 0
      XTRIM s MAXLEN 0
      XSETID s 5-0
      XGROUP CREATE s g $
      XGROUP CREATE q g $ MKSTREAM
      XGROUP SETID s g 0
      XGROUP CREATECONSUMER s g c1
      XGROUP CREATECONSUMER s g c1
      XADD s 6-1 d 4
      XREADGROUP GROUP g c2 STREAMS s >
      XREADGROUP GROUP g c3 NOACK STREAMS s 0
      XACK s g 6-1
      XCLAIM s g c4 0 6-1 FORCE
      XAUTOCLAIM s g c5 0 0
      XGROUP DELCONSUMER s g c1
      XGROUP DESTROY s g
      XGROUP DESTROY s g
      DEL s
    `,
  },
  "stream writes under A (KEA)": {
    classes: "KEA",
    steps: script`
      XADD s 1-1 a 1
      XGROUP CREATE s g 0
      XREADGROUP GROUP g c STREAMS s >
    `,
  },
};

Deno.test({
  name: "keyspace notifications: a subscriber's messages match redis-server's, in order",
  ignore: which("redis-server") === undefined,
  async fn(t) {
    await using pair = await startPair();
    for (const [title, { classes, steps }] of Object.entries(SCRIPTS)) {
      await t.step(title, async () => {
        const [redis, tok] = await Promise.all([
          notifications(pair!.redisPort, classes, steps),
          notifications(pair!.tokPort, classes, steps),
        ]);
        assertEquals(tok, redis);
      });
    }
  },
});

diffTest("notify-keyspace-events: CONFIG SET and GET (as redis-server)", {
  "letters and Redis's canonical order": script`
    CONFIG GET notify-keyspace-events
    CONFIG SET notify-keyspace-events KEA
    CONFIG GET notify-keyspace-events
    CONFIG SET notify-keyspace-events Kg
    CONFIG GET notify-keyspace-events
    CONFIG SET notify-keyspace-events $lshzxetKE
    CONFIG GET notify-keyspace-events
    CONFIG SET notify-keyspace-events KEAmnd
    CONFIG GET notify-keyspace-events
    CONFIG SET notify-keyspace-events An
    CONFIG GET notify-keyspace-events
    CONFIG SET notify-keyspace-events gnd
    CONFIG GET notify-keyspace-events
    CONFIG SET notify-keyspace-events g$lshzxetd
    CONFIG GET notify-keyspace-events
    CONFIG SET notify-keyspace-events KEmtd
    CONFIG GET notify-keyspace-events
    CONFIG SET notify-keyspace-events Kq
    CONFIG GET notify-keyspace-events
    CONFIG SET notify-keyspace-events ""
    CONFIG GET notify-keyspace-events
  `,
});

Deno.test("--notify-keyspace-events sets the classes at start; a bad letter is refused", async () => {
  await using srv = await startServer(["redis", "--quiet", "--notify-keyspace-events", "Ex"]);
  const c = await RawConn.connect(srv.port);
  try {
    assertEquals(
      dec.decode(await c.call(["CONFIG", "GET", "notify-keyspace-events"])),
      "*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nxE\r\n",
    );
  } finally {
    c.close();
  }
  const bad = await startServer(["redis", "--quiet", "--notify-keyspace-events", "Kq"]).then(
    (s) => s,
    (err: Error) => err,
  );
  if (!(bad instanceof Error)) {
    await bad[Symbol.asyncDispose]();
    throw new Error("a bad --notify-keyspace-events was accepted");
  }
});
