// CLIENT LIST and CLIENT INFO replayed on redis-server 7.0.15 and tokserver (tests/_diff.ts):
// the same lines, the same fields in the same order, with the values that differ by nature
// (ids, addresses, descriptors, clocks, buffer and memory sizes) masked the same way on both
// sides; flags, names, subscription counts, MULTI counts, argv-mem, events, cmd, user, redir and
// resp compared as they are. Also CLIENT LIST's TYPE and ID filters and CLIENT NO-EVICT.

import { assertEquals } from "@std/assert";
import { diffTest, parseScript, RawConn, type Step } from "./_diff.ts";
import { type Reply, ReplyError } from "../src/resp/reply_parser.ts";
import { startServer } from "./_util.ts";
import { startRedisServer, which } from "./_util.ts";

const dec = new TextDecoder();

const MASKED = /\b(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|multi-mem|rbs|rbp|omem|tot-mem)=\S*/g;

/** A CLIENT LIST / INFO text with its volatile values replaced by `*`. */
export function maskClientList(text: string): string {
  return text.replace(MASKED, "$1=*").replace(/^[$=]\d+\r\n/, "$*\r\n");
}

function masked(r: Reply): string {
  if (r instanceof ReplyError) return `error ${r.message}`;
  if (!(r instanceof Uint8Array)) return `not a bulk string`;
  return maskClientList(dec.decode(r));
}

/**
 * The masked lines, in sorted order: Redis's clientsCron rotates its list of clients, so the
 * order of CLIENT LIST's lines on redis-server depends on when its cron last ran.
 */
function sortedLines(text: string): string {
  return text.split("\n").sort().join("\n");
}

function sameLines(redis: Reply, tok: Reply): string | undefined {
  const a = sortedLines(masked(redis)), b = sortedLines(masked(tok));
  return a === b ? undefined : `masked:\n  redis:     ${a}\n  tokserver: ${b}`;
}

/** Every step a CLIENT LIST or INFO compared through the mask. */
function listed(text: string): Step[] {
  return parseScript(text).map((s) =>
    "cmd" in s &&
      /^client (list|info)/i.test(s.cmd.map((a) => dec.decode(a as Uint8Array)).join(" "))
      ? { ...s, cmp: sameLines }
      : s
  );
}

diffTest(
  "CLIENT LIST and CLIENT INFO show Redis 7.0's fields",
  {
    "tracking: flags t and B, redir": listed(`
    CLIENT TRACKING on
    CLIENT INFO
    CLIENT TRACKING off
    CLIENT INFO
    CLIENT TRACKING on BCAST PREFIX a
    CLIENT INFO
    CLIENT TRACKING off
    CLIENT INFO
  `),
    "one client": listed(`
    CLIENT LIST
    CLIENT INFO
    CLIENT SETNAME me
    CLIENT INFO
    CLIENT LIST TYPE normal
    CLIENT LIST TYPE NORMAL
    CLIENT LIST TYPE pubsub
    CLIENT LIST TYPE master
    CLIENT LIST TYPE replica
    CLIENT LIST TYPE slave
    CLIENT LIST TYPE foo
    CLIENT LIST TYPE
    CLIENT LIST ID
    CLIENT LIST ID 0
    CLIENT LIST ID 999999 99999
    CLIENT LIST ID 1 abc
    CLIENT LIST ID -5
    CLIENT LIST foo bar
    CLIENT LIST TYPE normal ID 5
    CLIENT INFO x
  `),
    "clients subscribed, in MULTI, watching, named, not evicted": listed(`
    @client=1 SUBSCRIBE a b
    @client=1 PSUBSCRIBE p*
    @client=2 MULTI
    @client=2 SET k v
    @client=2 INCR n
    @client=3 CLIENT SETNAME third
    @client=4 WATCH w
    SET w 1
    @client=5 CLIENT NO-EVICT on
    @client=5 CLIENT NO-EVICT x
    @client=5 CLIENT NO-EVICT
    @client=6 CLIENT NO-EVICT ON
    @client=6 CLIENT NO-EVICT off
    CLIENT LIST
    CLIENT LIST TYPE pubsub
    CLIENT LIST TYPE normal
    @client=4 CLIENT INFO
    @client=5 CLIENT INFO
    @client=2 EXEC
    @client=2 CLIENT INFO
    @client=1 UNSUBSCRIBE a
    @client=1 UNSUBSCRIBE b
    @client=1 CLIENT INFO
    @client=1 PUNSUBSCRIBE p*
    @client=1 CLIENT INFO
    CLIENT LIST TYPE pubsub
  `),
    // In RESP3 the lines come as verbatim strings, and (un)subscribe confirmations as pushes that
    // this step-per-reply script does not expect; RESP3's CLIENT INFO is compared in the RESP3 diff
    // scripts (tests/redis_diff_resp3.test.ts).
  },
  [],
  [],
  { resp: [2] },
);

/** CLIENT LIST ID with the ids each server gave: the same lines, in the order asked. */
Deno.test({
  name: "CLIENT LIST ID lists the clients asked for, in the order asked, repeats included",
  ignore: which("redis-server") === undefined,
  async fn() {
    await using redis = await startRedisServer();
    await using tok = await startServer(["redis"]);
    const results: string[] = [];
    for (const port of [redis!.port, tok.port]) {
      const a = await RawConn.connect(port), b = await RawConn.connect(port);
      try {
        await b.call(["CLIENT", "SETNAME", "b"]);
        const idOf = async (c: RawConn) => dec.decode(await c.call(["CLIENT", "ID"])).slice(1, -2);
        const [ia, ib] = [await idOf(a), await idOf(b)];
        const r = await a.call(["CLIENT", "LIST", "ID", ib, "123456", ia, ib]);
        results.push(maskClientList(dec.decode(r)));
      } finally {
        a.close();
        b.close();
      }
    }
    assertEquals(results[1], results[0]);
    assertEquals(results[0]!.split("\n").length, 6); // the header, three lines, the end
  },
});
