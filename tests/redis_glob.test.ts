// Redis's glob rules, checked against a real redis-server: random keys and random patterns made
// of the special characters are matched by KEYS there and by compileGlob here; the sets must agree.

import { compileGlob } from "../src/redis/store/glob.ts";
import { RawConn } from "./_diff.ts";
import { assertEquals, startRedisServer, which } from "./_util.ts";

const dec = new TextDecoder();

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(r: () => number, alphabet: string, min: number, max: number): string {
  const n = min + Math.floor(r() * (max - min + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

function bin(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Parses a RESP array of bulk strings into binary strings. */
function bulks(raw: Uint8Array): string[] {
  const text = Array.from(raw, (b) => String.fromCharCode(b)).join("");
  const out: string[] = [];
  let i = text.indexOf("\r\n") + 2;
  while (i < text.length) {
    const eol = text.indexOf("\r\n", i);
    const n = Number(text.slice(i + 1, eol));
    out.push(text.slice(eol + 2, eol + 2 + n));
    i = eol + 2 + n + 2;
  }
  return out;
}

Deno.test({
  name: "glob matching agrees with redis-server's KEYS on random keys and patterns",
  ignore: which("redis-server") === undefined,
  async fn() {
    await using redis = await startRedisServer();
    const conn = await RawConn.connect(redis!.port);
    try {
      const r = rng(20240607);
      const keys = new Set<string>(["", "a", "b", "ab", "ba", "*", "?", "[", "]", "\\", "-", "^"]);
      while (keys.size < 300) keys.add(pick(r, "abAB-^]\\[*?\x80\xff", 1, 6));
      keys.add("A\xe9");
      keys.add("\x00a");
      const all = [...keys];
      for (const k of all) await conn.call(["SET", bin(k), "1"]);
      const patterns = [
        "",
        "*",
        "**",
        "?",
        "a*",
        "*a",
        "*a*",
        "a?b",
        "[ab]",
        "[^a]",
        "[a-b]",
        "[b-a]",
        "[a-]",
        "[a-]]",
        "[]",
        "[",
        "[a",
        "[^",
        "\\",
        "a\\",
        "\\*",
        "\\?",
        "\\[",
        "[\\]]",
        "[\\",
        "*\\",
        "[*]",
        "[?]",
        "[^]]",
        "[-a]",
        "[a-\xff]",
        "[\x80-\xff]",
        "[\\-]",
        "a*b*a",
        "?*?",
        "*[ab]*[^ab]",
      ];
      for (let i = 0; i < 400; i++) patterns.push(pick(r, "ab*?[]^-\\A", 1, 7));
      for (const p of patterns) {
        const redisSays = bulks(await conn.call(["KEYS", bin(p)])).sort();
        const g = compileGlob(p);
        const weSay = all.filter((k) => p === "*" || g.match(k)).sort();
        assertEquals(weSay, redisSays, `pattern ${JSON.stringify(p)}`);
      }
      // Past 1000 stars followed by something, Redis gives up and matches nothing.
      const long = "a".repeat(1500) + "b";
      await conn.call(["SET", long, "1"]);
      for (const p of ["a*".repeat(1000) + "b", "a*".repeat(1001) + "b", "a*".repeat(1001)]) {
        const redisSays = bulks(await conn.call(["KEYS", p])).includes(long);
        assertEquals(compileGlob(p).match(long), redisSays, `${p.length}-byte star pattern`);
      }
      assertEquals(compileGlob("a*".repeat(1001) + "b").match(long), false);
      // Case folding as PSUBSCRIBE does not use it, but SCAN-style callers may: ASCII only.
      const nocase = compileGlob("[A-B]x*", true);
      assertEquals([nocase.match("ax1"), nocase.match("Bx"), nocase.match("cx")], [
        true,
        true,
        false,
      ]);
      // Many stars must neither recurse deeply nor take exponential time.
      const many = compileGlob("*a".repeat(900) + "*b");
      assertEquals(many.match("a".repeat(40000)), false);
      assertEquals(many.match("a".repeat(30000) + "b"), true);
      assertEquals(dec.decode(await conn.call(["PING"])), "+PONG\r\n");
    } finally {
      conn.close();
    }
  },
});
