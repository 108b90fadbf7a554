// ZSCAN on a skiplist-encoded sorted set: Redis's SCAN guarantee (every member present for the
// whole scan is returned at least once) while members are added, with scores below and above
// the ones already returned, and removed between calls; and the cursors' shape against
// redis-server where its output is deterministic (a listpack whole with cursor 0, a COUNT that
// covers the set, errors), in RESP2 and RESP3.

import { assert, assertEquals } from "@std/assert";
import { type Compare, diffTest, script, startPair, type Step } from "./_diff.ts";
import { Rng } from "./_fuzz.ts";
import { which } from "./_util.ts";
import { connect } from "../src/client/client.ts";
import type { Reply } from "../src/resp/reply_parser.ts";

const dec = new TextDecoder();
const str = (r: Reply) => r instanceof Uint8Array ? dec.decode(r) : String(r);

/** Scans `key` on a server, changing the set between calls; returns what was never returned. */
async function scanWhileChanging(port: number, seed: number): Promise<string[]> {
  const c = await connect({ port });
  try {
    const r = new Rng(seed);
    await c.send("DEL", "z");
    const stable: string[] = [];
    const args: string[] = [];
    for (let i = 0; i < 600; i++) {
      args.push(String(r.int(1000)), `s${i}`);
      stable.push(`s${i}`);
    }
    await c.send("ZADD", "z", ...args);
    const removable: string[] = [];
    for (let i = 0; i < 300; i++) removable.push(`v${i}`);
    await c.send("ZADD", "z", ...removable.flatMap((m) => [String(r.int(1000)), m]));
    const seen = new Set<string>();
    let cursor = "0", added = 0, calls = 0;
    do {
      const reply = await c.send("ZSCAN", "z", cursor, "COUNT", "7") as Reply[];
      cursor = str(reply[0]!);
      const items = reply[1] as Reply[];
      for (let i = 0; i < items.length; i += 2) seen.add(str(items[i]!));
      // Between calls: new members (scores anywhere, so some sort below returned ones) and
      // removals of members that are not part of the guarantee.
      const fresh: string[] = [];
      for (let i = 0; i < 12; i++) fresh.push(String(r.int(1000) - 500), `n${added++}`);
      await c.send("ZADD", "z", ...fresh);
      for (let i = 0; i < 8 && removable.length > 0; i++) {
        const at = r.int(removable.length);
        await c.send("ZREM", "z", removable[at]!);
        removable.splice(at, 1);
      }
      assert(++calls < 10_000, "the scan does not end");
    } while (cursor !== "0");
    assert(calls > 10, `only ${calls} calls`);
    return stable.filter((m) => !seen.has(m));
  } finally {
    await c.close();
  }
}

Deno.test({
  name: "ZSCAN returns every member present for the whole scan while the set changes",
  ignore: which("redis-server") === undefined,
  async fn() {
    await using pair = await startPair();
    if (pair === undefined) throw new Error("redis-server did not start");
    for (const seed of [1, 2, 3]) {
      // redis-server first, to show the check is Redis's guarantee, then tokserver.
      assertEquals(await scanWhileChanging(pair.redisPort, seed), [], `redis, seed ${seed}`);
      assertEquals(await scanWhileChanging(pair.tokPort, seed), [], `tokserver, seed ${seed}`);
    }
  },
});

/** [cursor, [member, score, ...]]: the pairs as a sorted list of "member=score". */
function pairsOf(r: Reply): string[] {
  const items = (r as Reply[])[1] as Reply[];
  const out: string[] = [];
  for (let i = 0; i < items.length; i += 2) out.push(`${str(items[i]!)}=${str(items[i + 1]!)}`);
  return out.sort();
}

/**
 * Both return the whole set with cursor 0, in any order: Redis does when COUNT exceeds the size
 * (with COUNT equal to the size, a scan during a rehash can stop at a cursor other than 0).
 */
const whole: Compare = (a, b) => {
  if (str((a as Reply[])[0]!) !== "0" || str((b as Reply[])[0]!) !== "0") return "cursor not 0";
  const [x, y] = [pairsOf(a), pairsOf(b)];
  return JSON.stringify(x) === JSON.stringify(y) ? undefined : `${x.length} vs ${y.length} pairs`;
};

/** Both return a cursor that is not 0 and some pairs of the set (scores as Redis formats them). */
const part: Compare = (a, b) => {
  const ca = str((a as Reply[])[0]!), cb = str((b as Reply[])[0]!);
  if (ca === "0" || cb === "0" || !/^\d+$/.test(cb)) return `cursors ${ca} and ${cb}`;
  const [x, y] = [pairsOf(a), pairsOf(b)];
  if (x.length === 0 || y.length === 0) return "no pairs";
  return y.every((p) => /^m\d+=\d+(\.5)?$/.test(p)) ? undefined : `pairs ${y.join(" ")}`;
};

const BIG = Array.from({ length: 200 }, (_, i) => [String(i / 2), `m${i}`]).flat();
const zscan = (...args: string[]): Step => ({ cmd: ["ZSCAN", "big", ...args] });

diffTest("ZSCAN's cursors have Redis's shape on small and large sorted sets", {
  "listpack and skiplist": [
    ...script`
      FLUSHALL
      ZADD small 3 c 1 a 2 b 1.5 "x y"
      ZSCAN small 0
      ZSCAN small 0 COUNT 1
      ZSCAN small 12345 COUNT 1
      ZSCAN small 0 MATCH ?
      OBJECT ENCODING small
    `,
    { cmd: ["ZADD", "big", ...BIG] },
    { ...zscan("0", "COUNT", "1000"), cmp: whole },
    { ...zscan("0", "COUNT", "5000", "MATCH", "*"), cmp: whole },
    { ...zscan("0"), cmp: part },
    { ...zscan("0", "COUNT", "1"), cmp: part },
    ...script`
      OBJECT ENCODING big
      ZCARD big
      ZSCAN big 0 MATCH nomatch COUNT 1000
      ZSCAN big x
      ZSCAN big 0 COUNT 0
      ZSCAN big 0 COUNT -1
      ZSCAN big 0 COUNT x
      ZSCAN big 0 MATCH
      ZSCAN big 0 NOSUCH 1
      ZSCAN big 18446744073709551616
    `,
  ],
});
