// The caches on the request path must never change an answer: keyOf's recent strings and the
// request parser's shared command names and short arguments return exactly what the bytes say,
// whatever the order, collisions in a slot, or later writes into the read buffer.

import { assert, assertEquals, assertNotStrictEquals, assertStrictEquals } from "@std/assert";
import { keyOf } from "../src/redis/store/db.ts";
import { RequestParser } from "../src/resp/request_parser.ts";

const enc = new TextEncoder();

function reference(b: Uint8Array): string {
  let s = "";
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

Deno.test("keyOf gives each byte string its own chars, repeated, colliding and binary", () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pool: Uint8Array[] = [];
  for (let i = 0; i < 5000; i++) {
    const n = Math.floor(rand() * 40);
    const b = new Uint8Array(n);
    for (let j = 0; j < n; j++) b[j] = rand() < 0.5 ? 97 + Math.floor(rand() * 3) : rand() * 256;
    pool.push(b);
  }
  // Every string several times, in a random order: cached ones come back for the same bytes only.
  for (let k = 0; k < 50_000; k++) {
    const b = pool[Math.floor(rand() * pool.length)]!;
    assertEquals(keyOf(b), reference(b));
  }
  // Same bytes at another offset of a bigger buffer (a view, as the parser hands out).
  const big = enc.encode("xxkey:__rand_int__yy");
  assertEquals(keyOf(big.subarray(2, 18)), "key:__rand_int__");
  assertEquals(keyOf(big.subarray(2, 18)), "key:__rand_int__");
  big[5] = 0x3b; // the buffer is reused by the next read
  assertEquals(keyOf(big.subarray(2, 18)), "key;__rand_int__");
});

Deno.test("the request parser shares command names, never their buffer", () => {
  const p = new RequestParser();
  p.push(enc.encode("*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n"));
  const first = p.next()!, second = p.next()!;
  assertStrictEquals(first[0], second[0]);
  assertEquals(new TextDecoder().decode(first[0]), "GET");
  assertEquals(new TextDecoder().decode(second[1]), "b");
  // Another spelling is another name; bytes written over the read buffer change neither.
  const p2 = new RequestParser();
  const chunk = enc.encode("*1\r\n$3\r\nget\r\n");
  p2.push(chunk);
  const lower = p2.next()!;
  assertNotStrictEquals(lower[0], first[0]);
  chunk.fill(0);
  assertEquals(new TextDecoder().decode(lower[0]), "get");
  assertEquals(new TextDecoder().decode(first[0]), "GET");
  // A command split across reads keeps its arguments whole.
  const p3 = new RequestParser();
  p3.push(enc.encode("*3\r\n$3\r\nSET\r\n$1\r\nk"));
  assertEquals(p3.next(), undefined);
  p3.push(enc.encode("\r\n$2\r\nvv\r\n"));
  const set = p3.next()!;
  assertEquals(set.map((a) => new TextDecoder().decode(a)), ["SET", "k", "vv"]);
  assert(set.length === 3);
});

Deno.test("short arguments seen again are shared copies with the bytes sent", () => {
  const dec = new TextDecoder();
  const p = new RequestParser();
  const parse = (text: string) => {
    p.push(enc.encode(text));
    return p.next()!;
  };
  const cmd = "*3\r\n$4\r\nHGET\r\n$9\r\nhot:key:1\r\n$5\r\nfield\r\n";
  const other = "*3\r\n$4\r\nHGET\r\n$9\r\ncold:ke:2\r\n$5\r\nvalue\r\n";
  const seen = [parse(cmd), parse(cmd), parse(cmd)];
  // From the second sighting on, the same object comes back, and it is not the read buffer.
  assertStrictEquals(seen[1]![1], seen[2]![1]);
  assertStrictEquals(seen[1]![2], seen[2]![2]);
  // Many distinct arguments over the same buffer: every one reads as sent, the shared ones
  // stay as they were.
  for (let i = 0; i < 5000; i++) {
    const key = `k:${i}:${"x".repeat(i % 20)}`;
    const args = parse(`*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`);
    assertEquals(dec.decode(args[1]), key);
    if (i % 100 === 0) assertEquals(dec.decode(parse(other)[1]), "cold:ke:2");
  }
  assertEquals(seen[2]!.map((a) => dec.decode(a)), ["HGET", "hot:key:1", "field"]);
  assertEquals(parse(cmd).map((a) => dec.decode(a)), ["HGET", "hot:key:1", "field"]);
});
