// The stream commands replayed on a real redis-server and on tokserver redis, byte for byte, in
// RESP2 and RESP3 (tests/_diff.ts): XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID, consumer
// groups (XGROUP XREADGROUP XACK XPENDING XCLAIM XAUTOCLAIM), XINFO, and streams as keys (TYPE,
// OBJECT ENCODING, COPY, RENAME, SCAN TYPE). Ids are explicit, so both servers agree; where a
// reply holds a time (an idle time, a delivery or seen time), masked() compares it loosely.

import { diffTest, script, type Step } from "./_diff.ts";
import type { Reply } from "../src/resp/reply_parser.ts";

const dec = new TextDecoder();

/** Compares replies as trees; integers that are times (both >= 1e12) or idle ms (within 200). */
function loose(a: Reply, b: Reply, path = ""): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: ${a.length} items vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = loose(a[i]!, b[i]!, `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (typeof a === "number" && typeof b === "number") {
    if (a >= 1e12 && b >= 1e12) return undefined;
    return Math.abs(a - b) <= 200 ? undefined : `${path}: ${a} vs ${b}`;
  }
  const sa = a instanceof Uint8Array ? new TextDecoder().decode(a) : JSON.stringify(a);
  const sb = b instanceof Uint8Array ? new TextDecoder().decode(b) : JSON.stringify(b);
  return sa === sb ? undefined : `${path}: ${sa} vs ${sb}`;
}

/** The steps, with XPENDING's extended form, XINFO CONSUMERS and XINFO ... FULL compared loosely. */
function masked(steps: Step[]): Step[] {
  return steps.map((s) => {
    if ("sleep" in s || s.cmp !== undefined || s.cmd.length < 2) return s;
    const words = s.cmd.map((a) => (typeof a === "string" ? a : dec.decode(a)).toLowerCase());
    const timed = (words[0] === "xpending" && words.length > 3) ||
      (words[0] === "xinfo" && (words[1] === "consumers" || words.includes("full")));
    return timed ? { ...s, cmp: loose } : s;
  });
}

/** `n` XADDs of explicit ids 1-1 .. n-1 to `key`. */
function adds(key: string, n: number, from = 1): Step[] {
  const steps: Step[] = [];
  for (let i = from; i < from + n; i++) {
    steps.push({ cmd: ["XADD", key, `${i}-1`, "f", String(i)] });
  }
  return steps;
}

/** Random adds, deletes, trims, reads, group reads, acks and claims over two streams. */
function randomStreams(): Step[] {
  let seed = 2121;
  const r = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const steps: Step[] = [
    { cmd: ["XGROUP", "CREATE", "s0", "g", "0", "MKSTREAM"] },
    { cmd: ["XGROUP", "CREATE", "s1", "g", "$", "MKSTREAM"] },
    { cmd: ["XGROUP", "CREATE", "s0", "h", "$"] },
  ];
  let ms = 1;
  const k = () => `s${r(2)}`;
  const id = () => `${1 + r(ms + 1)}-${r(3)}`;
  const group = () => (r(3) === 0 ? "h" : "g");
  const consumer = () => `c${r(3)}`;
  for (let i = 0; i < 600; i++) {
    switch (r(16)) {
      case 0:
      case 1:
      case 2:
      case 3:
        ms += r(3);
        steps.push({ cmd: ["XADD", k(), r(8) === 0 ? id() : `${ms}-*`, "f", String(i)] });
        break;
      case 4:
        steps.push({ cmd: ["XDEL", k(), id(), id()] });
        break;
      case 5:
        if (r(4) === 0) {
          steps.push({ cmd: ["XTRIM", k(), "MINID", r(2) ? "=" : "~", id()] });
        } else steps.push({ cmd: ["XTRIM", k(), "MAXLEN", r(2) ? "=" : "~", String(10 + r(40))] });
        break;
      case 6:
        steps.push({
          cmd: ["XRANGE", k(), r(2) ? "-" : id(), r(2) ? "+" : id(), "COUNT", String(r(6))],
        });
        break;
      case 7:
        steps.push({
          cmd: ["XREVRANGE", k(), r(2) ? "+" : `(${id()}`, "-", "COUNT", String(1 + r(4))],
        });
        break;
      case 8:
      case 9:
        steps.push({
          cmd: [
            "XREADGROUP",
            "GROUP",
            group(),
            consumer(),
            "COUNT",
            String(1 + r(4)),
            ...(r(5) === 0 ? ["NOACK"] : []),
            "STREAMS",
            k(),
            r(4) === 0 ? "0" : ">",
          ],
        });
        break;
      case 10:
        steps.push({ cmd: ["XACK", k(), group(), id(), id(), id()] });
        break;
      case 11:
        steps.push({ cmd: ["XCLAIM", k(), group(), consumer(), "0", id(), id(), "JUSTID"] });
        break;
      case 12:
        steps.push({
          cmd: ["XAUTOCLAIM", k(), group(), consumer(), "0", id(), "COUNT", String(1 + r(3))],
        });
        break;
      case 13:
        steps.push({ cmd: ["XPENDING", k(), group()] }, { cmd: ["XINFO", "GROUPS", k()] });
        break;
      case 14:
        steps.push({
          cmd: ["XREAD", "COUNT", String(1 + r(3)), "STREAMS", "s0", "s1", id(), id()],
        });
        break;
      default:
        steps.push({ cmd: ["XLEN", k()] });
        if (r(10) === 0) steps.push({ cmd: ["XGROUP", "SETID", k(), "g", id()] });
    }
  }
  for (const key of ["s0", "s1"]) {
    steps.push({ cmd: ["XRANGE", key, "-", "+"] }, { cmd: ["XINFO", "GROUPS", key] });
  }
  return steps;
}

diffTest("stream commands answer as Redis 7 does", {
  "a random sequence, seeded": randomStreams(),
  "XADD ids and errors": script`
    XADD s 1-1 a 1
    XADD s 1-1 a 1
    XADD s 1-0 a 1
    XADD s 1-* b 2
    XADD s 2-* c 3
    XADD s 2 d 4
    XADD s 0-0 a 1
    XADD n 0-0 a 1
    XADD n 0-* a 1
    EXISTS n
    XADD s 3-1 a
    XADD s 3-1 a 1 b
    XADD s 3-1
    XADD s abc a 1
    XADD s 3-x a 1
    XADD s -3 a 1
    XADD s 3-1-1 a 1
    XADD s " 7" a 1
    XADD s +8 a 1
    XADD s 009 a 1
    XADD s 18446744073709551615-18446744073709551614 a 1
    XADD s 18446744073709551615-* a 1
    XADD s 18446744073709551615-* a 1
    XADD s 18446744073709551616-1 a 1
    XLEN s
    XADD t 18446744073709551615-18446744073709551615 a 1
    XADD t 18446744073709551615-18446744073709551615 a 1
    XADD t 5 a 1
    XADD t NOMKSTREAM 5 a 1
    XADD nokey NOMKSTREAM 5 a 1
    EXISTS nokey
    XADD nokey NOMKSTREAM
    XADD s "bin\x00ary" 1
    XADD b 1-1 "bin\x00ary" "\xff\x00" "" ""
    XRANGE b - +
    SET str v
    XADD str 1-1 a 1
    XADD str NOMKSTREAM 1-1 a 1
    XLEN str
    XLEN nokey
    TYPE s
    OBJECT ENCODING s
    XLEN s
  `,
  "XADD and XTRIM trimming": [
    ...adds("s", 250),
    ...script`
    XLEN s
    XTRIM s MAXLEN ~ 200
    XLEN s
    XTRIM s MAXLEN ~ 120
    XLEN s
    XRANGE s - + COUNT 1
    XTRIM s MAXLEN = 120
    XRANGE s - + COUNT 1
    XTRIM s MINID ~ 180-0
    XRANGE s - + COUNT 1
    XTRIM s MINID 180-5
    XRANGE s - + COUNT 2
    XTRIM s MINID = 185
    XRANGE s - + COUNT 1
    XTRIM s MAXLEN ~ 10 LIMIT 20
    XLEN s
    XTRIM s MAXLEN ~ 10 LIMIT 0
    XLEN s
    XTRIM s MAXLEN 10 LIMIT 20
    XTRIM s LIMIT 20
    XTRIM s
    XTRIM s MAXLEN
    XTRIM s MAXLEN -1
    XTRIM s MAXLEN x
    XTRIM s MINID x
    XTRIM s MINID -
    XTRIM s MAXLEN 1 MINID 1
    XTRIM s MAXLEN ~ 1 LIMIT -1
    XTRIM s MAXLEN ~ 1 LIMIT x
    XTRIM s MAXLEN 5 FOO
    XTRIM nokey MAXLEN 1
    XTRIM nokey MAXLEN 1 FOO
    XADD s MAXLEN 3 251-1 f v
    XRANGE s - +
    XADD s MINID 251 252-1 f v
    XRANGE s - +
    XADD s MAXLEN ~ 1 253-1 f v
    XLEN s
    XADD s LIMIT 5 254-1 f v
    XADD s MAXLEN 1 LIMIT 5 254-1 f v
    XADD s MAXLEN -1 254-1 f v
    XADD s MAXLEN 0 254-1 f v
    XLEN s
    XINFO STREAM s
    XADD e MAXLEN 0 1-1 f v
    XLEN e
    XINFO STREAM e
    SET str v
    XTRIM str MAXLEN 1
    `,
  ],
  "XRANGE and XREVRANGE": script`
    XADD s 1-1 a 1
    XADD s 1-2 b 2
    XADD s 2-0 c 3
    XADD s 2-5 d 4
    XADD s 18446744073709551615-0 e 5
    XRANGE s - +
    XRANGE s 1 1
    XRANGE s 1-2 2
    XRANGE s (1-1 +
    XRANGE s - (2-5
    XRANGE s (1-2 (2-5
    XRANGE s (- +
    XRANGE s - (+
    XRANGE s (18446744073709551615-18446744073709551615 +
    XRANGE s - (0-0
    XRANGE s (0 +
    XRANGE s 2 1
    XRANGE s - + COUNT 2
    XRANGE s - + COUNT 0
    XRANGE s - + COUNT -1
    XRANGE s - + COUNT x
    XRANGE s - + COUNT
    XRANGE s - + FOO 1
    XRANGE s - + COUNT 1 COUNT 2
    XRANGE s x +
    XRANGE s - x
    XRANGE s 1-x +
    XRANGE s 18446744073709551615 +
    XREVRANGE s + -
    XREVRANGE s + - COUNT 2
    XREVRANGE s (2-5 -
    XREVRANGE s 2 (1-1
    XREVRANGE s - +
    XREVRANGE s + - COUNT 0
    XREVRANGE s (0-0 -
    XRANGE nokey - +
    XREVRANGE nokey + -
    XRANGE nokey - + COUNT 0
    SET str v
    XRANGE str - +
    XREVRANGE str + -
  `,
  "XDEL and XSETID": script`
    XADD s 1-1 a 1
    XADD s 2-1 b 2
    XADD s 3-1 c 3
    XDEL s 2-1
    XDEL s 2-1 9-9
    XDEL s x
    XDEL s 1-1 x
    XDEL s -
    XRANGE s - +
    XINFO STREAM s
    XDEL s 1-1 3-1
    XLEN s
    EXISTS s
    XINFO STREAM s
    XDEL nokey 1-1
    XADD s 4-1 d 4
    XSETID s 3-0
    XSETID s 4-1
    XSETID s 5-0 ENTRIESADDED 10 MAXDELETEDID 4-0
    XINFO STREAM s
    XSETID s 6 ENTRIESADDED 0
    XSETID s 6 ENTRIESADDED -1
    XSETID s 6 ENTRIESADDED x
    XSETID s 6 MAXDELETEDID 7
    XSETID s 6 MAXDELETEDID 3-0
    XSETID s 6 MAXDELETEDID x
    XSETID s 6 FOO 1
    XSETID s 6 ENTRIESADDED
    XSETID s x
    XSETID nokey 1-1
    XADD s 5-1 e 5
    XADD s 5-0 e 5
    XADD s 6-0 e 5
    XADD s 6-1 e 5
    XINFO STREAM s
    SET str v
    XDEL str 1-1
    XSETID str 1-1
  `,
  "XGROUP": script`
    XGROUP CREATE s g $
    XGROUP CREATE s g $ MKSTREAM
    XGROUP CREATE s g $ MKSTREAM
    XGROUP CREATE s g2 0 ENTRIESREAD 5
    XGROUP CREATE s g3 0 ENTRIESREAD -1
    XGROUP CREATE s g4 0 ENTRIESREAD -2
    XGROUP CREATE s g4 0 ENTRIESREAD x
    XGROUP CREATE s g4 0 FOO
    XGROUP CREATE s g4 x
    XGROUP CREATE s g4 -
    XGROUP CREATE s g4 0 MKSTREAM MKSTREAM MKSTREAM MKSTREAM
    XGROUP CREATE s g5 7
    XGROUP CREATE s
    XINFO GROUPS s
    XGROUP SETID s g 5
    XGROUP SETID s g - 
    XGROUP SETID s g $ ENTRIESREAD 3
    XGROUP SETID s g 0 ENTRIESREAD -5
    XGROUP SETID s g 0 FOO 3
    XGROUP SETID s g 0 ENTRIESREAD
    XGROUP SETID s nog 0
    XGROUP SETID nokey g 0
    XGROUP CREATECONSUMER s g c1
    XGROUP CREATECONSUMER s g c1
    XGROUP CREATECONSUMER s nog c1
    XGROUP CREATECONSUMER s g
    XGROUP DELCONSUMER s g c1
    XGROUP DELCONSUMER s g c1
    XGROUP DELCONSUMER s nog c1
    XGROUP DESTROY s g2
    XGROUP DESTROY s g2
    XGROUP DESTROY nokey g2
    XGROUP DESTROY s
    XGROUP FOO s g
    XGROUP FOO
    XGROUP HELP
    XGROUP HELP x
    XGROUP
    XINFO GROUPS s
    SET str v
    XGROUP CREATE str g $
    XGROUP DESTROY str g
  `,
  "XREADGROUP XACK XPENDING": masked(script`
    XADD s 1-1 a 1
    XADD s 2-1 b 2
    XADD s 3-1 c 3
    XGROUP CREATE s g 0
    XREADGROUP GROUP g alice COUNT 2 STREAMS s >
    XREADGROUP GROUP g bob STREAMS s >
    XREADGROUP GROUP g bob STREAMS s >
    XREADGROUP GROUP g alice STREAMS s 0
    XREADGROUP GROUP g alice COUNT 1 STREAMS s 1-1
    XREADGROUP GROUP g carol STREAMS s 0
    XINFO GROUPS s
    XPENDING s g
    XPENDING s g - + 10
    XPENDING s g - + 10 alice
    XPENDING s g - + 10 nobody
    XPENDING s g (1-1 + 1
    XPENDING s g IDLE 0 - + 10
    XPENDING s g IDLE 100000 - + 10
    XPENDING s g - + 0
    XPENDING s g - + -1
    XPENDING s g - +
    XPENDING s g IDLE 1 - +
    XPENDING s g x + 10
    XPENDING s g - + x
    XPENDING s g IDLE x - + 10
    XPENDING s g (+ + 10
    XPENDING s g - (- 10
    XPENDING s nog
    XPENDING nokey g
    XPENDING s g - + 10 alice extra
    XACK s g 1-1 9-9
    XACK s g 1-1
    XACK s g x
    XACK s nog 2-1
    XACK nokey g 2-1
    XDEL s 2-1
    XREADGROUP GROUP g alice STREAMS s 0
    XPENDING s g
    XREADGROUP GROUP g alice NOACK STREAMS s >
    XADD s 4-1 d 4
    XREADGROUP GROUP g alice NOACK STREAMS s >
    XPENDING s g
    XINFO GROUPS s
    XREADGROUP GROUP nog alice STREAMS s >
    XREADGROUP GROUP g alice STREAMS nokey >
    XREADGROUP GROUP g alice STREAMS s $
    XREADGROUP GROUP g alice STREAMS s x
    XREADGROUP GROUP g alice STREAMS s
    XREADGROUP GROUP g alice STREAMS s > 0
    XREADGROUP STREAMS s >
    XREADGROUP GROUP g alice FOO STREAMS s >
    XREADGROUP GROUP g alice COUNT x STREAMS s >
    XREADGROUP GROUP g alice BLOCK x STREAMS s >
    XREADGROUP GROUP g alice BLOCK -1 STREAMS s >
    XREADGROUP GROUP g alice
    XINFO CONSUMERS s g
    XGROUP DELCONSUMER s g alice
    XPENDING s g
    SET str v
    XREADGROUP GROUP g alice STREAMS str >
    XACK str g 1-1
    XPENDING str g
  `),
  "XREAD": script`
    XADD s 1-1 a 1
    XADD s 2-1 b 2
    XADD t 1-1 x 1
    XREAD STREAMS s 0
    XREAD COUNT 1 STREAMS s t 0 0
    XREAD STREAMS s t 1-1 1-1
    XREAD STREAMS s t 2-1 0-0
    XREAD STREAMS s $
    XREAD STREAMS nokey 0
    XREAD STREAMS s nokey 0 0
    XREAD STREAMS s 18446744073709551615-18446744073709551615
    XREAD STREAMS s >
    XREAD STREAMS s x
    XREAD STREAMS s
    XREAD STREAMS s t 0
    XREAD COUNT -1 STREAMS s 0
    XREAD COUNT x STREAMS s 0
    XREAD BLOCK x STREAMS s 0
    XREAD BLOCK 10 STREAMS s 0
    XREAD GROUP g c STREAMS s 0
    XREAD NOACK STREAMS s 0
    XREAD FOO STREAMS s 0
    XREAD COUNT 1
    XREAD STREAMS
    XDEL s 2-1
    XREAD STREAMS s 1-1
    XREAD STREAMS s 1-0
    SET str v
    XREAD STREAMS str 0
    XREAD STREAMS s str 0 0
  `,
  "XCLAIM and XAUTOCLAIM": masked(script`
    XADD s 1-1 a 1
    XADD s 2-1 b 2
    XADD s 3-1 c 3
    XADD s 4-1 d 4
    XGROUP CREATE s g 0
    XREADGROUP GROUP g alice STREAMS s >
    XCLAIM s g bob 0 1-1
    XCLAIM s g bob 0 1-1 2-1 JUSTID
    XCLAIM s g bob 100000 3-1
    XCLAIM s g bob 0 3-1 IDLE 5000 RETRYCOUNT 7
    XPENDING s g - + 10
    XCLAIM s g carol 0 4-1 TIME 1000 JUSTID
    XCLAIM s g carol 0 9-1 FORCE
    XCLAIM s g carol 0 4-1 FORCE LASTID 10-0
    XINFO GROUPS s
    XCLAIM s g carol 0 1-1 FOO
    XCLAIM s g carol x 1-1
    XCLAIM s g carol 0 1-1 IDLE x
    XCLAIM s g carol 0 1-1 TIME x
    XCLAIM s g carol 0 1-1 RETRYCOUNT x
    XCLAIM s g carol 0 1-1 LASTID x
    XCLAIM s g carol 0 x
    XCLAIM s nog carol 0 1-1
    XCLAIM nokey g carol 0 1-1
    XDEL s 2-1
    XCLAIM s g carol 0 2-1
    XPENDING s g
    XADD s 5-1 e 5
    XADD s 6-1 f 6
    XADD s 7-1 h 7
    XREADGROUP GROUP g alice STREAMS s >
    XDEL s 6-1
    XAUTOCLAIM s g dave 0 0 COUNT 2
    XAUTOCLAIM s g dave 0 0 COUNT 2 JUSTID
    XAUTOCLAIM s g dave 0 (4-1
    XAUTOCLAIM s g dave 100000 0
    XAUTOCLAIM s g dave 0 0 COUNT 0
    XAUTOCLAIM s g dave 0 0 COUNT x
    XAUTOCLAIM s g dave 0 0 FOO
    XAUTOCLAIM s g dave x 0
    XAUTOCLAIM s g dave 0 x
    XAUTOCLAIM s nog dave 0 0
    XAUTOCLAIM nokey g dave 0 0
    XPENDING s g - + 10
    XINFO CONSUMERS s g
    SET str v
    XCLAIM str g c 0 1-1
    XAUTOCLAIM str g c 0 0
  `),
  "XINFO": masked(script`
    XADD s 1-1 a 1 b 2
    XADD s 2-1 c 3
    XADD s 3-1 d 4
    XINFO STREAM s
    XGROUP CREATE s g 0
    XGROUP CREATE s a 2-1
    XGROUP CREATE s z $ ENTRIESREAD 3
    XREADGROUP GROUP g c2 COUNT 1 STREAMS s >
    XREADGROUP GROUP g c1 STREAMS s >
    XINFO STREAM s
    XINFO GROUPS s
    XINFO CONSUMERS s g
    XINFO CONSUMERS s nog
    XINFO STREAM s FULL
    XINFO STREAM s FULL COUNT 1
    XINFO STREAM s FULL COUNT 0
    XINFO STREAM s FULL COUNT -5
    XINFO STREAM s FULL COUNT x
    XINFO STREAM s FULL COUNT
    XINFO STREAM s FOO
    XINFO STREAM s FULL COUNT 1 2
    XINFO STREAM nokey
    XINFO GROUPS nokey
    XINFO CONSUMERS nokey g
    XINFO GROUPS s x
    XINFO FOO s
    XINFO HELP
    XINFO HELP x
    XINFO
    XDEL s 2-1
    XINFO GROUPS s
    XDEL s 1-1 3-1
    XINFO STREAM s
    XINFO GROUPS s
    SET str v
    XINFO STREAM str
    XINFO GROUPS str
  `),
  "streams as keys": script`
    XADD s 1-1 a 1
    XGROUP CREATE s g 0
    XREADGROUP GROUP g c STREAMS s >
    TYPE s
    OBJECT ENCODING s
    COPY s s2
    XRANGE s2 - +
    XINFO GROUPS s2
    XPENDING s2 g
    XADD s2 2-1 b 2
    XLEN s
    RENAME s2 s3
    XLEN s3
    @sorted SCAN 0 TYPE stream
    @sorted KEYS *
    EXISTS s s3
    DEL s
    EXISTS s
    XADD s 5-1 a 1
    XINFO STREAM s
    MEMORY USAGE nokey
    SORT s
    LPUSH s x
    GET s
    HSET s a b
  `,
  "WATCH and MULTI": script`
    XADD s 1-1 a 1
    WATCH s
    @client=1 XADD s 2-1 b 2
    MULTI
    XLEN s
    EXEC
    WATCH s
    @client=1 XGROUP CREATE s g 0
    MULTI
    XLEN s
    EXEC
    MULTI
    XADD s 3-1 c 3
    XREADGROUP GROUP g c STREAMS s >
    XRANGE s - +
    XREAD BLOCK 0 STREAMS s $
    XREADGROUP GROUP g c BLOCK 0 STREAMS s >
    EXEC
  `,
});
