// Key commands over keys whose time has run out but that no sweep has removed yet: a clock the
// test controls makes that state certain, which a live server cannot promise.

import { Db, keyOf } from "../src/redis/store/db.ts";
import { RespWriter } from "../src/resp/writer.ts";
import { Random } from "../src/redis/store/random.ts";
import type { Command, Session } from "../src/redis/commands/types.ts";
import { KEY_COMMANDS } from "../src/redis/commands/keys.ts";
import { SCAN_COMMANDS } from "../src/redis/commands/scan.ts";
import { assertEquals, assertMatch } from "./_util.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Runs one command of `table` on `db` and returns the raw reply. */
function call(db: Db, table: readonly Command[], ...args: string[]): string {
  const out = new RespWriter();
  const server = { random: new Random(1) };
  const c = { out, keyspace: db, propagateAs: undefined, server } as unknown as Session;
  table.find((cmd) => cmd.name === args[0]!.toLowerCase())!.handler!(
    c,
    args.map((a) => enc.encode(a)),
  );
  return dec.decode(out.take());
}

for (const n of [10, 5000]) {
  Deno.test(`RANDOMKEY, KEYS and SCAN skip ${n} keys that have all expired`, () => {
    const db = new Db();
    let now = 1_000_000;
    db.now = () => now;
    for (let i = 0; i < n; i++) db.set(keyOf(enc.encode(`k${i}`)), "v", now + 10);
    // A first pick while the keys live; then a fresh database in the same expired state.
    assertMatch(call(db, KEY_COMMANDS, "RANDOMKEY"), /^\$\d+\r\nk\d+\r\n$/);
    now += 20;
    assertEquals(call(db, KEY_COMMANDS, "RANDOMKEY"), "$-1\r\n");
    const fresh = new Db();
    fresh.now = () => now;
    for (let i = 0; i < n; i++) fresh.set(`k${i}`, "v", now - 1);
    assertEquals(call(fresh, KEY_COMMANDS, "RANDOMKEY"), "$-1\r\n");
    fresh.set("live", "v");
    assertEquals(call(fresh, KEY_COMMANDS, "RANDOMKEY"), "$4\r\nlive\r\n");
    assertEquals(call(db, SCAN_COMMANDS, "KEYS", "*"), "*0\r\n");
    assertEquals(
      call(db, SCAN_COMMANDS, "SCAN", "0", "COUNT", "100000"),
      "*2\r\n$1\r\n0\r\n*0\r\n",
    );
  });
}
