// The string and counter commands, replayed on a real redis-server and on tokserver redis: every
// reply must be byte for byte the same (see tests/_diff.ts). Integer and float parsing, overflow,
// INCRBYFLOAT's formatting and the exact error texts are the point of most lines here.

import { diffTest, script, type Step } from "./_diff.ts";

/** Random float increments, to compare INCRBYFLOAT's long double arithmetic and formatting. */
function floatScript(): Step[] {
  let seed = 12345;
  const r = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const steps: Step[] = [];
  for (let i = 0; i < 200; i++) {
    const mant = (r() * 2 - 1) * 10 ** Math.floor(r() * 6);
    const exp = Math.floor(r() * 40) - 20;
    const forms = [
      mant.toFixed(Math.floor(r() * 8)),
      `${mant.toPrecision(1 + Math.floor(r() * 20))}e${exp}`,
      String(Math.floor(r() * 1000)),
      `0.${Math.floor(r() * 1e9)}`,
    ];
    const key = `f${i % 4}`;
    steps.push({ cmd: ["INCRBYFLOAT", key, forms[Math.floor(r() * forms.length)]!] });
  }
  for (let i = 0; i < 4; i++) steps.push({ cmd: ["GET", `f${i}`] });
  return steps;
}

/** A long value and offsets around it, for GETRANGE and SETRANGE. */
function rangeScript(): Step[] {
  const steps: Step[] = [{ cmd: ["SET", "s", "0123456789abcdefghij"] }];
  const points = ["0", "1", "5", "19", "20", "21", "100", "-1", "-5", "-19", "-20", "-21", "-100"];
  for (const a of points) {
    for (const b of points) steps.push({ cmd: ["GETRANGE", "s", a, b] });
  }
  return steps;
}

/** Appends and overwrites of many sizes, so growing values (in place or not) stay exact. */
function growScript(): Step[] {
  const steps: Step[] = [];
  let seed = 99;
  const r = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const chunk = (n: number) => {
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(97 + r(26));
    return s;
  };
  for (let i = 0; i < 120; i++) {
    const key = `g${i % 3}`;
    const size = [0, 1, 7, 30, 63, 64, 65, 200, 1000, 5000][r(10)]!;
    switch (r(5)) {
      case 0:
      case 1:
        steps.push({ cmd: ["APPEND", key, chunk(size)] });
        break;
      case 2:
        steps.push({ cmd: ["SETRANGE", key, String(r(3000)), chunk(size)] });
        break;
      case 3:
        steps.push({ cmd: ["GETRANGE", key, String(r(3000)), String(r(9000) - 3000)] });
        break;
      default:
        steps.push({ cmd: ["STRLEN", key] });
    }
  }
  steps.push({ cmd: ["SET", "copy", "x"] }, { cmd: ["APPEND", "copy", chunk(100)] });
  steps.push({ cmd: ["RENAME", "g0", "moved"] }, { cmd: ["APPEND", "moved", "tail"] });
  steps.push({ cmd: ["GETSET", "g1", "short"] }, { cmd: ["APPEND", "g1", chunk(70)] });
  steps.push({ cmd: ["INCR", "g2"] }, { cmd: ["SET", "g2", "1"] }, { cmd: ["APPEND", "g2", "0"] });
  steps.push({ cmd: ["INCR", "g2"] });
  for (const k of ["g0", "g1", "g2", "moved", "copy"]) steps.push({ cmd: ["GET", k] });
  return steps;
}

diffTest("string commands answer as Redis 7 does", {
  "APPEND and SETRANGE keep growing values exact": growScript(),
  "GET, SET and their variants": script`
    SET k v
    GET k
    GET nope
    SET k v NX
    SET k w XX
    GET k
    SET n v XX
    SET n v NX
    SET k v GET
    SET new v GET
    SET k v NX XX
    SET k v EX 0
    SET k v EX -1
    SET k v PX 0
    SET k v EX abc
    SET k v EX 10 PX 100
    SET k v KEEPTTL EX 10
    SET k v PERSIST
    SET k v EX 10 PERSIST
    SET k v KEEPTTL PERSIST
    SET k v EX
    SET k v FOO
    SET k v EX 9223372036854775807
    SET k v PX 9223372036854775807
    SET k v EXAT 9223372036854775807
    SET k v PXAT 9223372036854775807
    SET k v EXAT 1
    GET k
    SET k v PXAT 1000
    EXISTS k
    SET
    SET k
    GET
    GET a b
    set lower case
    GET lower
  `,
  "SETNX, SETEX and PSETEX": script`
    SETNX k v
    SETNX k w
    GET k
    SETNX
    SETNX k
    SETNX k v extra
    SETEX e 100 v
    @near=1 TTL e
    GET e
    SETEX e 0 v
    SETEX e -1 v
    SETEX e abc v
    SETEX e 1.5 v
    SETEX e 9223372036854775807 v
    SETEX e 9223372036854775 v
    SETEX e 9223372036854 v
    TTL e
    SETEX e 100
    SETEX e 100 v extra
    PSETEX p 100000 v
    @near=1000 PTTL p
    PSETEX p 0 v
    PSETEX p -5 v
    PSETEX p 9223372036854775807 v
    PSETEX p 9223372036854775000 v
    PSETEX p x v
    PSETEX p 100
    PSETEX q 50 v
    @sleep 120
    GET q
    EXISTS q
  `,
  "GETSET, GETDEL and GETEX": script`
    GETSET k v
    GETSET k w
    GET k
    SET t v PX 100000
    GETSET t w
    TTL t
    GETSET k
    GETSET k v x
    GETDEL k
    GETDEL k
    EXISTS k
    GETDEL
    GETDEL a b
    GETEX nope
    GETEX nope EX 10
    GETEX nope EX -5
    GETEX nope FOO
    SET g v
    GETEX g
    TTL g
    GETEX g EX 100
    @near=1 TTL g
    GETEX g PX 200000
    @near=1 TTL g
    GETEX g EXAT 4102444800
    EXPIRETIME g
    GETEX g PXAT 4102444800123
    PEXPIRETIME g
    GETEX g PERSIST
    TTL g
    GETEX g EX 10 EX 20
    @near=1 TTL g
    GETEX g PX 10 PX 30000
    @near=1 TTL g
    GETEX g PERSIST PERSIST
    TTL g
    GETEX g EX 10 PX 10
    GETEX g PX 10 EX 10
    GETEX g EX 10 PERSIST
    GETEX g PERSIST EX 10
    GETEX g EXAT 10 PXAT 10
    GETEX g KEEPTTL
    GETEX g NX
    GETEX g GET
    GETEX g EX
    GETEX g EX 0
    GETEX g EX -1
    GETEX g PX 0
    GETEX g EXAT 0
    GETEX g EX abc
    GETEX g EX 9223372036854775807
    GETEX g PX 9223372036854775807
    GETEX g FOO
    GET g
    GETEX g EXAT 1
    EXISTS g
    SET g v
    GETEX g PXAT 1
    EXISTS g
    GETEX
  `,
  "MGET, MSET and MSETNX": script`
    MSET a 1 b 2 c 3
    MGET a b c nope a
    MGET nope
    MSET a 10 a 11
    GET a
    MSET a
    MSET a 1 b
    MSET
    MGET
    MSETNX x 1 y 2
    MSETNX x 9 z 3
    MGET x y z
    MSETNX z 1 z 2
    GET z
    MSETNX
    MSETNX a
    MSETNX a 1 b
    MSET "" empty "bin\x00key" "bin\x00value"
    MGET "" "bin\x00key"
  `,
  "APPEND and STRLEN": script`
    APPEND k hello
    APPEND k " world"
    GET k
    STRLEN k
    STRLEN nope
    APPEND k ""
    APPEND empty ""
    EXISTS empty
    STRLEN empty
    SET n 10
    APPEND n 5
    INCR n
    STRLEN n
    APPEND bin "\x00\xff"
    STRLEN bin
    GET bin
    APPEND
    APPEND k
    APPEND k a b
    STRLEN
    STRLEN a b
  `,
  "GETRANGE over every corner of a value": rangeScript(),
  "GETRANGE and SETRANGE edge cases": script`
    GETRANGE nope 0 -1
    GETRANGE nope 5 1
    SET e ""
    GETRANGE e 0 -1
    GETRANGE e 0 0
    SET n 12345
    GETRANGE n 1 3
    GETRANGE n -9223372036854775808 9223372036854775807
    GETRANGE n 0 9223372036854775808
    GETRANGE n a 1
    GETRANGE n 0 b
    GETRANGE n 1.0 2
    GETRANGE n 0
    GETRANGE n 0 1 2
    SETRANGE k 0 hello
    SETRANGE k 6 world
    GET k
    SETRANGE k 2 XY
    GET k
    SETRANGE k 100 ""
    STRLEN k
    SETRANGE nope 5 ""
    EXISTS nope
    SETRANGE z 3 x
    GET z
    SETRANGE z 0 ""
    SETRANGE z -1 x
    SETRANGE z abc x
    SETRANGE z 9223372036854775808 x
    SETRANGE z 536870911 xx
    SETRANGE z 536870912 x
    SETRANGE new 536870912 x
    SETRANGE new 9223372036854775807 x
    SETRANGE z 9223372036854775807 ""
    EXISTS new
    SET t v PX 100000
    SETRANGE t 1 x
    @near=1 TTL t
    SETRANGE
    SETRANGE k 0
    SETRANGE k 0 a b
  `,
  "INCR, DECR, INCRBY and DECRBY with Redis's integer rules": script`
    INCR c
    INCR c
    DECR c
    DECR d
    INCRBY c 10
    INCRBY c -20
    DECRBY c 5
    DECRBY c -5
    GET c
    INCRBY c 0
    SET s "12 "
    INCR s
    SET s " 12"
    INCR s
    SET s 012
    INCR s
    SET s +1
    INCR s
    SET s -0
    INCR s
    SET s 1.0
    INCR s
    SET s 1e3
    INCR s
    SET s ""
    INCR s
    SET s abc
    DECR s
    SET s 0
    INCR s
    SET s -1
    INCR s
    INCR s
    SET big 9223372036854775806
    INCR big
    INCR big
    GET big
    INCRBY big 0
    DECRBY big -1
    SET small -9223372036854775807
    DECR small
    DECR small
    GET small
    INCRBY small -1
    DECRBY small 1
    INCRBY small 9223372036854775807
    INCRBY small 9223372036854775807
    INCRBY small 1
    SET x 5
    INCRBY x 9223372036854775807
    INCRBY x 9223372036854775802
    GET x
    DECRBY x -9223372036854775808
    DECRBY x 9223372036854775807
    SET y 9007199254740993
    INCR y
    INCRBY y 9007199254740993
    DECRBY y 1
    SET over 9223372036854775808
    INCR over
    SET under -9223372036854775809
    DECR under
    INCRBY x abc
    INCRBY x 1.5
    INCRBY x ""
    INCRBY x 9223372036854775808
    INCRBY x -9223372036854775809
    INCRBY x " 1"
    INCRBY x +1
    DECRBY x 01
    DECRBY x -0
    INCR
    INCR a b
    DECR
    INCRBY a
    INCRBY a 1 2
    DECRBY a
  `,
  "INCRBYFLOAT parses and formats as Redis's long doubles do": script`
    INCRBYFLOAT f 0.1
    INCRBYFLOAT f 0.2
    INCRBYFLOAT f -0.3
    GET f
    INCRBYFLOAT f 10.5
    INCRBYFLOAT f 5.0e3
    INCRBYFLOAT f 2.0e-3
    INCRBYFLOAT f -5000
    INCRBYFLOAT f 1
    GET f
    SET i 10
    INCRBYFLOAT i 1
    INCRBYFLOAT i 0
    INCRBYFLOAT i -11
    INCRBYFLOAT i -0
    INCRBYFLOAT i -0.0000000000000000001
    INCRBYFLOAT i 1.5e-18
    SET z 3.0
    INCRBYFLOAT z 0
    SET z 3.10000
    INCRBYFLOAT z 0
    SET z " 1"
    INCRBYFLOAT z 1
    SET z "1 "
    INCRBYFLOAT z 1
    SET z +1.5
    INCRBYFLOAT z 1
    SET z .5
    INCRBYFLOAT z 1
    SET z 5.
    INCRBYFLOAT z 1
    SET z 0x10
    INCRBYFLOAT z 1
    SET z 0x1.8p1
    INCRBYFLOAT z 0X.8P-2
    SET z 1e
    INCRBYFLOAT z 1
    SET z abc
    INCRBYFLOAT z 1
    SET z ""
    INCRBYFLOAT z 1
    SET z "1\x00junk"
    INCRBYFLOAT z 1
    INCRBYFLOAT b 1e400
    INCRBYFLOAT b 1
    SET b 1e400
    INCRBYFLOAT b -1e400
    INCRBYFLOAT c 1.7976931348623157e308
    INCRBYFLOAT c 1.7976931348623157e308
    STRLEN c
    INCRBYFLOAT h 1e4932
    INCRBYFLOAT h 1e4933
    INCRBYFLOAT h 1e5000
    INCRBYFLOAT h -1e5000
    INCRBYFLOAT h 1e-5000
    INCRBYFLOAT h 1e-4940
    INCRBYFLOAT h 4e-4951
    INCRBYFLOAT h 1e-400
    GET h
    INCRBYFLOAT h 123456789012345678901234567890
    INCRBYFLOAT h 0.000000000000000012345
    INCRBYFLOAT h 0.5e-17
    INCRBYFLOAT h 0.4e-17
    INCRBYFLOAT g 0.15
    INCRBYFLOAT g 0.000000000000000005
    INCRBYFLOAT g 2.5e-17
    INCRBYFLOAT g 1e17
    INCRBYFLOAT g 1e-17
    INCRBYFLOAT n inf
    INCRBYFLOAT n +inf
    INCRBYFLOAT n -inf
    INCRBYFLOAT n infinity
    INCRBYFLOAT n INF
    INCRBYFLOAT n infinit
    INCRBYFLOAT n nan
    INCRBYFLOAT n -nan
    INCRBYFLOAT n "nan(1)"
    EXISTS n
    SET inf inf
    INCRBYFLOAT inf 1
    INCRBYFLOAT inf -inf
    SET m 1
    INCRBYFLOAT m abc
    INCRBYFLOAT m ""
    INCRBYFLOAT m " 1"
    INCRBYFLOAT m "1 "
    INCRBYFLOAT m 1,5
    INCRBYFLOAT m 1e
    INCRBYFLOAT m 1e+
    INCRBYFLOAT m .
    INCRBYFLOAT m -.5
    INCRBYFLOAT m +.5e-1
    INCRBYFLOAT m 1E+2
    INCRBYFLOAT m 0x
    INCRBYFLOAT m 0x1p
    INCRBYFLOAT m 0x1p-1
    INCRBYFLOAT m 00012.5000
    INCRBYFLOAT m 9223372036854775807
    INCRBYFLOAT m 18446744073709551617
    INCRBYFLOAT m -18446744073709551617
    INCRBYFLOAT m 0.1
    INCRBYFLOAT m 3.3333333333333333333333333333
    INCRBYFLOAT m -0.1e-1
    SET t 1 PX 100000
    INCRBYFLOAT t 1
    @near=1 TTL t
    INCRBYFLOAT
    INCRBYFLOAT a
    INCRBYFLOAT a 1 2
  `,
  "INCRBYFLOAT on random increments": floatScript(),
});

diffTest(
  "string length limits follow proto-max-bulk-len",
  {
    "APPEND and SETRANGE stop at a lowered limit": script`
    SETRANGE k 1048575 x
    STRLEN k
    SETRANGE k 1048576 x
    SETRANGE k 1048575 xy
    APPEND k y
    STRLEN k
    SET small abc
    SETRANGE small 1048574 yz
    SETRANGE small 1048575 yz
    STRLEN small
    GETRANGE small 1048573 -1
  `,
  },
  ["--proto-max-bulk-len", "1048576"],
  ["--proto-max-bulk-len", "1048576"],
);
