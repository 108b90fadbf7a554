// Unit tests of the RESP codec: every frame type both ways, every split point across reads,
// Redis's protocol-error texts, and the memory promises (bulk limits, no allocation ahead of data).

import { parseInteger } from "../src/resp/integer.ts";
import {
  ProtocolError,
  QueryBufferLimitError,
  RequestParser,
  splitInline,
} from "../src/resp/request_parser.ts";
import { type Reply, ReplyError, ReplyParser } from "../src/resp/reply_parser.ts";
import { RespWriter } from "../src/resp/writer.ts";
import { assert, assertEquals, assertThrows } from "./_util.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string) => enc.encode(s);
const text = (args: Uint8Array[] | undefined) => args?.map((a) => dec.decode(a));

/** Feeds `input` in pieces cut at `cuts` and collects every command (or the error). */
function parseSplit(input: Uint8Array, cuts: number[], opts = {}): (string[] | string)[] {
  const p = new RequestParser(opts);
  const out: (string[] | string)[] = [];
  let from = 0;
  try {
    for (const cut of [...cuts, input.length]) {
      p.push(input.slice(from, cut));
      from = cut;
      for (let args = p.next(); args !== undefined; args = p.next()) out.push(text(args)!);
    }
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    out.push(`ERR ${err.message}`);
  }
  return out;
}

/** Parses `input` whole, then cut at every single point and every pair of points: all equal. */
function parseEverySplit(input: string | Uint8Array, opts = {}): (string[] | string)[] {
  const bytes = typeof input === "string" ? b(input) : input;
  const whole = parseSplit(bytes, [], opts);
  for (let i = 0; i <= bytes.length; i++) {
    assertEquals(parseSplit(bytes, [i], opts), whole, `split at ${i}`);
  }
  if (bytes.length <= 64) {
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        assertEquals(parseSplit(bytes, [i, j], opts), whole, `split at ${i} and ${j}`);
      }
    }
  }
  // One byte at a time.
  assertEquals(parseSplit(bytes, [...bytes.keys()].slice(1), opts), whole, "byte by byte");
  return whole;
}

Deno.test("request parser reads multibulk commands split at every byte boundary", () => {
  assertEquals(
    parseEverySplit("*3\r\n$3\r\nset\r\n$5\r\nhello\r\n$5\r\nworld\r\n*1\r\n$4\r\nPING\r\n"),
    [
      ["set", "hello", "world"],
      ["PING"],
    ],
  );
});

Deno.test("request parser cuts bulk data by length, CRLF inside the data included", () => {
  const cmd = b("*2\r\n$4\r\necho\r\n$6\r\na\r\nb\r\n\r\n");
  const p = new RequestParser();
  p.push(cmd);
  const args = p.next()!;
  assertEquals(args[1], b("a\r\nb\r\n"));
  assertEquals(p.next(), undefined);
  assertEquals(p.buffered, 0);
  assertEquals(parseEverySplit(cmd), [["echo", "a\r\nb\r\n"]]);
});

Deno.test("request parser keeps binary bulk bytes exactly", () => {
  const value = new Uint8Array(256).map((_, i) => i);
  const w = new RespWriter();
  w.command([b("SET"), b("k"), value]);
  const p = new RequestParser();
  p.push(w.take());
  const args = p.next()!;
  assertEquals(args[2], value);
});

Deno.test("request parser skips empty and negative multibulk counts, as Redis does", () => {
  assertEquals(parseEverySplit("*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n"), [["PING"]]);
});

Deno.test("request parser skips the two bytes after bulk data without checking them", () => {
  assertEquals(parseEverySplit("*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n"), [["PING"], ["PING"]]);
});

Deno.test("request parser reads inline commands with Redis's quoting rules", () => {
  assertEquals(parseEverySplit('SET a "hello world"\r\nGET a\n\r\n\n  \r\nPING\r\n'), [
    ["SET", "a", "hello world"],
    ["GET", "a"],
    ["PING"],
  ]);
  assertEquals(parseEverySplit('echo "a\\x41\\n\\t\\\\\\z" \'it\\\'s\' a"b c" x\r\n'), [
    ["echo", "aA\n\t\\z", "it's", "ab c", "x"],
  ]);
  // A lone CR splits arguments; vertical tab and form feed do not end an argument.
  assertEquals(parseEverySplit("a\rb c\vd\r\n"), [["a", "b", "c\vd"]]);
});

Deno.test("splitInline refuses unbalanced quotes and text glued to a closing quote", () => {
  assertEquals(splitInline(b('set a "b')), undefined);
  assertEquals(splitInline(b("set a 'b")), undefined);
  assertEquals(splitInline(b('set a "b"c')), undefined);
  assertEquals(splitInline(b("set a 'b'c")), undefined);
  assertEquals(splitInline(b('echo "a\\')), undefined);
  assertEquals(splitInline(b("")), []);
  assertEquals(splitInline(b('""'))!.map((a) => a.length), [0]);
});

Deno.test("request parser answers bad input with Redis's exact protocol errors", () => {
  const cases: Array<[string, string]> = [
    ["*3000000000\r\n", "invalid multibulk length"],
    ["*1x\r\n", "invalid multibulk length"],
    ["*01\r\n", "invalid multibulk length"],
    ["*-0\r\n", "invalid multibulk length"],
    ["*\r\n", "invalid multibulk length"],
    ["*1\r\nx\r\n", "expected '$', got 'x'"],
    ["*1\r\n\r\n\r\n", "expected '$', got ' '"],
    ["*1\r\n$-1\r\n", "invalid bulk length"],
    ["*1\r\n$abc\r\n", "invalid bulk length"],
    ["*1\r\n$04\r\n", "invalid bulk length"],
    ["*1\r\n$+4\r\n", "invalid bulk length"],
    ["*1\r\n$536870913\r\n", "invalid bulk length"],
    ["*1\r\n$99999999999999999999999\r\n", "invalid bulk length"],
    ['SET a "b\r\n', "unbalanced quotes in request"],
  ];
  for (const [input, msg] of cases) {
    const got = parseEverySplit(input);
    assertEquals(got[got.length - 1], `ERR Protocol error: ${msg}`, JSON.stringify(input));
  }
  // Commands before the bad one are still delivered.
  assertEquals(parseEverySplit("PING\r\n*1\r\nx\r\n"), [
    ["PING"],
    "ERR Protocol error: expected '$', got 'x'",
  ]);
});

Deno.test("request parser waits for a newline past a NUL byte, as Redis's strchr does", () => {
  const p = new RequestParser();
  p.push(b("PING\0\r\nPING\r\n"));
  assertEquals(p.next(), undefined);
});

Deno.test("request parser refuses an inline request or count line over 64 KiB", () => {
  const long = "x".repeat(64 * 1024 + 1);
  for (
    const [input, msg] of [
      [long, "too big inline request"],
      ["*" + long, "too big mbulk count string"],
      ["*1\r\n$" + long, "too big bulk count string"],
    ]
  ) {
    const p = new RequestParser();
    const e = assertThrows(() => {
      p.push(b(input!));
      p.next();
    }, ProtocolError);
    assertEquals(e.message, `Protocol error: ${msg}`);
  }
  // Just under the limit is fine once the newline comes.
  const p = new RequestParser();
  p.push(b("echo " + "y".repeat(64 * 1024 - 5)));
  assertEquals(p.next(), undefined);
  p.push(b("\r\n"));
  assertEquals(p.next()![1]!.length, 64 * 1024 - 5);
});

Deno.test("request parser refuses a bulk length over 512 MB, and a lower configured one", () => {
  const p = new RequestParser();
  p.push(b("*2\r\n$3\r\nset\r\n$536870913\r\n"));
  assertThrows(() => p.next(), ProtocolError, "Protocol error: invalid bulk length");
  const q = new RequestParser({ maxBulkLen: 1000 });
  q.push(b("*1\r\n$1001\r\n"));
  assertThrows(() => q.next(), ProtocolError, "Protocol error: invalid bulk length");
});

Deno.test("request parser never allocates an announced bulk before its bytes arrive", () => {
  const p = new RequestParser();
  p.push(b("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$536870912\r\n"));
  assertEquals(p.next(), undefined);
  assert(p.capacity < 4096, `capacity ${p.capacity} after the header alone`);
  const chunk = new Uint8Array(64 * 1024).fill(97);
  for (let i = 0; i < 16; i++) p.push(chunk);
  assertEquals(p.next(), undefined);
  assert(p.capacity <= 2 * 1024 * 1024, `capacity ${p.capacity} after 1 MiB of data`);
});

Deno.test("request parser enforces the query buffer limit", () => {
  const p = new RequestParser({ maxQueryBuffer: 10_000 });
  p.push(b("*2\r\n$3\r\nset\r\n$20000\r\n"));
  assertEquals(p.next(), undefined);
  assertThrows(() => p.push(new Uint8Array(10_000)), QueryBufferLimitError);
});

Deno.test("request parser applies Redis's limits to unauthenticated clients when asked", () => {
  const p = new RequestParser();
  p.unauthenticated = true;
  p.push(b("*11\r\n"));
  assertThrows(() => p.next(), ProtocolError, "Protocol error: unauthenticated multibulk length");
  const q = new RequestParser();
  q.unauthenticated = true;
  q.push(b("*1\r\n$16385\r\n"));
  assertThrows(() => q.next(), ProtocolError, "Protocol error: unauthenticated bulk length");
});

Deno.test("request parser survives many pipelined commands and stays small afterwards", () => {
  const w = new RespWriter();
  for (let i = 0; i < 10_000; i++) w.command(["SET", `key:${i}`, "x".repeat(i % 50)]);
  const all = w.take().slice();
  const p = new RequestParser();
  let n = 0;
  for (let off = 0; off < all.length; off += 4096) {
    p.push(all.subarray(off, off + 4096));
    for (let args = p.next(); args !== undefined; args = p.next()) {
      assertEquals(dec.decode(args[1]), `key:${n}`);
      n++;
    }
  }
  assertEquals(n, 10_000);
  assertEquals(p.buffered, 0);
  p.shrink(0);
  assertEquals(p.capacity, 0);
});

Deno.test("parseInteger follows Redis's string2ll", () => {
  const ok: Array<[string, number]> = [["0", 0], ["1", 1], ["-1", -1], ["123456789", 123456789]];
  for (const [s, n] of ok) assertEquals(parseInteger(b(s), 0, s.length), n, s);
  for (
    const s of ["", "-", "-0", "01", "+1", " 1", "1 ", "1a", "9".repeat(21), "99999999999999999999"]
  ) {
    assertEquals(parseInteger(b(s), 0, s.length), undefined, JSON.stringify(s));
  }
});

Deno.test("writer encodes every frame type", () => {
  const w = new RespWriter();
  w.simple("OK");
  w.error("ERR unknown command 'foo', with args beginning with: ");
  w.integer(0);
  w.integer(-42);
  w.integer(1234567890123);
  w.integer(2n ** 63n - 1n);
  w.bulk("héllo");
  w.bulk(new Uint8Array([0, 13, 10, 255]));
  w.bulk("");
  w.nullBulk();
  w.nullArray();
  w.arrayHeader(0);
  w.command(["GET", b("k")]);
  assertEquals(w.take().length, 171);
  assertEquals(w.length, 0);
  const w2 = new RespWriter();
  w2.simple("OK");
  w2.error("ERR x");
  w2.integer(0);
  w2.integer(-42);
  w2.integer(1234567890123);
  w2.integer(2n ** 63n - 1n);
  w2.bulk("héllo");
  w2.bulk(new Uint8Array([0, 13, 10, 255]));
  w2.bulk("");
  w2.nullBulk();
  w2.nullArray();
  w2.arrayHeader(0);
  w2.command(["GET", b("k")]);
  const bytes = w2.take();
  const expected = new Uint8Array([
    ...b("+OK\r\n-ERR x\r\n:0\r\n:-42\r\n:1234567890123\r\n:9223372036854775807\r\n"),
    ...b("$6\r\nhéllo\r\n$4\r\n"),
    0,
    13,
    10,
    255,
    ...b("\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"),
  ]);
  assertEquals(bytes, expected);
  assertEquals(w2.length, 0);
});

Deno.test("writer sends error and status text as binary strings", () => {
  const w = new RespWriter();
  w.error("ERR unknown command '\xe9'");
  assertEquals(w.take(), new Uint8Array([...b("-ERR unknown command '"), 0xe9, ...b("'\r\n")]));
});

Deno.test("writer's taken view survives writes until the next take", () => {
  const w = new RespWriter();
  w.simple("first");
  const first = w.take();
  w.simple("second");
  w.bulk(new Uint8Array(1000));
  assertEquals(dec.decode(first), "+first\r\n");
  const second = w.take();
  assertEquals(dec.decode(second.subarray(0, 9)), "+second\r\n");
  assertEquals(dec.decode(first), "+first\r\n");
});

/** Feeds `input` cut at `cuts` to a reply parser and collects the replies. */
function repliesSplit(input: Uint8Array, cuts: number[]): Reply[] {
  const p = new ReplyParser();
  const out: Reply[] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    p.push(input.slice(from, cut));
    from = cut;
    for (let r = p.next(); r !== undefined; r = p.next()) out.push(r);
  }
  return out;
}

Deno.test("reply parser decodes every RESP2 frame type split at every byte boundary", () => {
  const w = new RespWriter();
  w.simple("OK");
  w.error("ERR bad thing");
  w.integer(-7);
  w.bulk(new Uint8Array([1, 13, 10, 2]));
  w.nullBulk();
  w.nullArray();
  w.arrayHeader(0);
  w.arrayHeader(3);
  w.bulk("a");
  w.arrayHeader(2);
  w.integer(1);
  w.arrayHeader(1);
  w.simple("deep");
  w.nullBulk();
  const bytes = w.take().slice();
  const expected: Reply[] = [
    "OK",
    new ReplyError("ERR bad thing"),
    -7,
    new Uint8Array([1, 13, 10, 2]),
    null,
    null,
    [],
    [b("a"), [1, ["deep"]], null],
  ];
  for (let i = 0; i <= bytes.length; i++) {
    assertEquals(repliesSplit(bytes, [i]), expected, `split at ${i}`);
    for (let j = i; j <= bytes.length; j += 3) {
      assertEquals(repliesSplit(bytes, [i, j]), expected, `split at ${i} and ${j}`);
    }
  }
  assertEquals(new ReplyError("WRONGTYPE Operation").code, "WRONGTYPE");
});

Deno.test("reply parser maps RESP3 types onto the RESP2 shapes", () => {
  const input = b(
    "_\r\n#t\r\n#f\r\n,3.14\r\n(12345678901234567890\r\n=8\r\ntxt:abcd\r\n%1\r\n+k\r\n:1\r\n~1\r\n:2\r\n>2\r\n+message\r\n+x\r\n!5\r\nERR x\r\n",
  );
  assertEquals(repliesSplit(input, []), [
    null,
    1,
    0,
    "3.14",
    "12345678901234567890",
    b("abcd"),
    ["k", 1],
    [2],
    ["message", "x"],
    new ReplyError("ERR x"),
  ]);
});

Deno.test("reply parser reads a large array arriving in many reads", () => {
  const w = new RespWriter();
  w.arrayHeader(20_000);
  for (let i = 0; i < 20_000; i++) w.bulk(`v${i}`);
  const bytes = w.take().slice();
  const p = new ReplyParser();
  let got: Reply | undefined;
  for (let off = 0; off < bytes.length; off += 1000) {
    p.push(bytes.subarray(off, off + 1000));
    got = p.next() ?? got;
  }
  assert(Array.isArray(got));
  assertEquals(got.length, 20_000);
  assertEquals(dec.decode(got[19_999] as Uint8Array), "v19999");
});
