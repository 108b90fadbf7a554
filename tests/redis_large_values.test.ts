// Large string values (16 KiB and more), whose bytes SET and MSET release as soon as they replace
// them: every reply that reads them, before and after the replacement (GET, GETRANGE, SET ... GET,
// RENAME, COPY, APPEND, SETRANGE, MULTI with INCRBYFLOAT, a script), must be redis-server's byte
// for byte, and the append-only file, its rewrite and a restart by SIGKILL must keep every value.

import { assertEquals } from "./_util.ts";
import { AofPair, diffDumps } from "./_aof_pair.ts";

/** A value of `n` bytes, different for each `seed` (all 256 byte values appear). */
function big(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const K = 16 * 1024, L = 64 * 1024;

/** Commands that replace large values while other commands still read them. */
function steps(round: number): (string | Uint8Array)[][] {
  const s = round * 100;
  return [
    ["SET", "a", big(L, s + 1)],
    ["GET", "a"],
    ["SET", "a", big(L, s + 2)],
    ["GET", "a"],
    ["SET", "a", big(K, s + 3), "GET"],
    ["GETRANGE", "a", "100", "300"],
    ["SET", "b", big(L, s + 4)],
    ["RENAME", "b", "c"],
    ["SET", "c", big(L, s + 5)],
    ["GET", "c"],
    ["COPY", "c", "d"],
    ["SET", "c", big(L, s + 6)],
    ["GET", "d"],
    ["APPEND", "d", big(K, s + 7)],
    ["SET", "d", big(L, s + 8)],
    ["SETRANGE", "d", "1000", "hello"],
    ["GET", "d"],
    ["MSET", "e", big(L, s + 9), "f", big(K, s + 10), "e", big(L, s + 11)],
    ["MGET", "e", "f"],
    // INCRBYFLOAT of a huge number stores (and propagates) thousands of digits as bytes; a SET
    // in the same transaction replaces them before EXEC propagates the transaction.
    ["SET", "g", "1e4000"],
    ["MULTI"],
    ["INCRBYFLOAT", "g", "1"],
    ["SET", "g", big(L, s + 12)],
    ["SET", "g", big(L, s + 13)],
    ["EXEC"],
    ["GET", "g"],
    [
      "EVAL",
      "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[1], ARGV[2]); " +
      "return redis.call('GET', KEYS[1])",
      "1",
      "h",
      big(L, s + 14),
      big(L, s + 15),
    ],
    ["STRLEN", "h"],
  ];
}

Deno.test("large values replaced under readers answer as Redis 7 does and survive a restart", async () => {
  await using pair = await AofPair.start();
  if (pair === undefined) return; // no redis-server here
  await pair.same(steps(1), "first round: ");
  await pair.rewrite();
  await pair.same(steps(2), "after a rewrite: ");
  await pair.restart("SIGKILL");
  const [redis, tok] = await pair.dump();
  assertEquals(diffDumps(redis, tok, 1000), []);
  assertEquals(redis.size, 7);
  await pair.same(steps(3), "after a restart: ");
});
