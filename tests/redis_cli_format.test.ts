// redis-cli's terminal format, rule by rule (expected texts taken from redis-cli 7 --no-raw).

import { assertEquals, assertThrows } from "./_util.ts";
import { FatalReply, formatReply, quoteBytes } from "../src/redis_cli/format.ts";
import {
  flatten,
  type Reply,
  ReplyError,
  ReplyParser,
  type TypedReply,
} from "../src/resp/reply_parser.ts";

const b = (s: string) => new TextEncoder().encode(s);

Deno.test("scalars: status as is, bulk quoted, integer, nil, error", () => {
  assertEquals(formatReply("OK"), "OK\n");
  assertEquals(formatReply(b("world")), '"world"\n');
  assertEquals(formatReply(b("")), '""\n');
  assertEquals(formatReply(1), "(integer) 1\n");
  assertEquals(formatReply(-42), "(integer) -42\n");
  assertEquals(formatReply(null), "(nil)\n");
  assertEquals(
    formatReply(new ReplyError("ERR value is not an integer or out of range")),
    "(error) ERR value is not an integer or out of range\n",
  );
});

Deno.test("bulk strings escape quotes, backslashes, control bytes and non-ASCII as redis-cli", () => {
  assertEquals(quoteBytes(b('e"f')), '"e\\"f"');
  assertEquals(quoteBytes(b("a\\b")), '"a\\\\b"');
  assertEquals(quoteBytes(b("g\nh\r\t\x07\x08")), '"g\\nh\\r\\t\\a\\b"');
  assertEquals(quoteBytes(b("é")), '"\\xc3\\xa9"');
  assertEquals(quoteBytes(Uint8Array.of(0, 0x1f, 0x7f, 0xff)), '"\\x00\\x1f\\x7f\\xff"');
  assertEquals(quoteBytes(b(" ~")), '" ~"');
  const long = new Uint8Array(300_000).fill(0x61);
  assertEquals(quoteBytes(long).length, 300_002);
});

Deno.test("arrays are numbered, the index column as wide as the largest index", () => {
  assertEquals(formatReply([]), "(empty array)\n");
  assertEquals(formatReply([b("a"), null, 3]), '1) "a"\n2) (nil)\n3) (integer) 3\n');
  const eleven: Reply[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, [b("a"), b("b")], []];
  assertEquals(
    formatReply(eleven),
    [
      " 1) (integer) 1",
      " 2) (integer) 2",
      " 3) (integer) 3",
      " 4) (integer) 4",
      " 5) (integer) 5",
      " 6) (integer) 6",
      " 7) (integer) 7",
      " 8) (integer) 8",
      " 9) (integer) 9",
      '10) 1) "a"',
      '    2) "b"',
      "11) (empty array)",
      "",
    ].join("\n"),
  );
});

Deno.test("nested arrays indent under their parent's number; nested errors show inline", () => {
  assertEquals(
    formatReply([1, [2, [b("a")]], b("x")]),
    '1) (integer) 1\n2) 1) (integer) 2\n   2) 1) "a"\n3) "x"\n',
  );
  assertEquals(formatReply([[], [[]]]), "1) (empty array)\n2) 1) (empty array)\n");
  assertEquals(
    formatReply([1, new ReplyError("inner"), 3]),
    "1) (integer) 1\n2) (error) inner\n3) (integer) 3\n",
  );
  // A ten-item array inside a one-item array: the inner column is two wide.
  const inner: Reply[] = [b("get"), 2, ["readonly", "fast"], 1, 1, 1, ["@read"], [], [], []];
  assertEquals(
    formatReply([inner]).split("\n").slice(0, 5),
    [
      '1)  1) "get"',
      "    2) (integer) 2",
      "    3) 1) readonly",
      "       2) fast",
      "    4) (integer) 1",
    ],
  );
});

/** Every RESP3 type, nested; decoded by both paths of ReplyParser, one byte at a time. */
const RESP3 = "%2\r\n+a\r\n~2\r\n,1.5\r\n#t\r\n$1\r\nb\r\n>3\r\n_\r\n(12345678901234567890\r\n" +
  "=7\r\ntxt:x\ny\r\n*0\r\n%0\r\n";

function decodeByteByByte(typed: boolean): unknown[] {
  const parser = new ReplyParser();
  const got: unknown[] = [];
  for (const byte of b(RESP3)) {
    parser.push(Uint8Array.of(byte));
    let r;
    while ((r = typed ? parser.nextTyped() : parser.next()) !== undefined) got.push(r);
  }
  return got;
}

Deno.test("ReplyParser.nextTyped keeps the RESP3 types that next() flattens", () => {
  const typed = decodeByteByByte(true);
  assertEquals(typed, [
    {
      resp3: "map",
      items: [
        "a",
        {
          resp3: "set",
          items: [{ resp3: "double", text: "1.5" }, {
            resp3: "boolean",
            value: true,
          }],
        },
        b("b"),
        {
          resp3: "push",
          items: [null, { resp3: "bignum", text: "12345678901234567890" }, {
            resp3: "verbatim",
            format: "txt",
            bytes: b("x\ny"),
          }],
        },
      ],
    },
    [],
    { resp3: "map", items: [] },
  ]);
  const flat = decodeByteByByte(false);
  assertEquals(flat, [
    ["a", ["1.5", 1], b("b"), [null, "12345678901234567890", b("x\ny")]],
    [],
    [],
  ]);
  // flatten() turns a typed reply into what next() gives.
  assertEquals(typed.map((r) => flatten(r as TypedReply)), flat);
  // redis-cli 7.0 cannot show a big number, anywhere in a reply.
  assertThrows(() => formatReply(typed[0] as TypedReply), FatalReply, "Unknown reply type: 13");
  // A map's value of several lines starts on the next one, a one-line one after the `=>`
  // (as redis-cli -3 shows `EVAL "return {map={b={map={k={map={v={set={...}}}}}}}}" 0`).
  const set: TypedReply = { resp3: "set", items: [b("x"), b("y")] };
  const one: TypedReply = { resp3: "map", items: ["k", { resp3: "map", items: ["v", set] }] };
  assertEquals(
    formatReply({ resp3: "map", items: ["a", set, "b", one, "c", { resp3: "set", items: [1] }] }),
    '1# a => \n   1~ "x"\n   2~ "y"\n2# b => \n   1# k => \n      1# v => \n' +
      '         1~ "x"\n         2~ "y"\n3# c => 1~ (integer) 1\n',
  );
});
