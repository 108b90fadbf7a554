// redis-cli's terminal format, rule by rule (expected texts taken from redis-cli 7 --no-raw).

import { assertEquals } from "./_util.ts";
import { formatReply, quoteBytes } from "../src/redis_cli/format.ts";
import { type Reply, ReplyError } from "../src/resp/reply_parser.ts";

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
