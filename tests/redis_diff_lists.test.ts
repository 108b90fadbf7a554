// The list commands replayed on a real redis-server and on tokserver redis: every reply, error and
// keyspace event must be byte for byte the same (tests/_diff.ts), in RESP2 and RESP3.

import { diffTest, script, type Step } from "./_diff.ts";

/** Random pushes, pops, moves and edits over three small lists. */
function randomLists(): Step[] {
  let seed = 4242;
  const r = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const steps: Step[] = [];
  const k = () => `l${r(3)}`;
  const side = () => (r(2) === 0 ? "LEFT" : "RIGHT");
  for (let i = 0; i < 500; i++) {
    const e = String(r(6));
    switch (r(12)) {
      case 0:
      case 1:
        steps.push({ cmd: [r(2) ? "LPUSH" : "RPUSH", k(), e, String(r(6))] });
        break;
      case 2:
        steps.push({ cmd: [r(2) ? "LPOP" : "RPOP", k(), ...(r(2) ? [String(r(4))] : [])] });
        break;
      case 3:
        steps.push({ cmd: ["LMOVE", k(), k(), side(), side()] });
        break;
      case 4:
        steps.push({ cmd: ["LRANGE", k(), String(r(8) - 4), String(r(8) - 4)] });
        break;
      case 5:
        steps.push({ cmd: ["LINSERT", k(), r(2) ? "BEFORE" : "AFTER", e, "x" + e] });
        break;
      case 6:
        steps.push({ cmd: ["LREM", k(), String(r(5) - 2), e] });
        break;
      case 7:
        steps.push({ cmd: ["LTRIM", k(), String(r(6) - 2), String(r(8) - 3)] });
        break;
      case 8:
        steps.push({
          cmd: ["LPOS", k(), e, "RANK", String(r(2) ? 1 + r(2) : -1 - r(2)), "COUNT", String(r(3))],
        });
        break;
      case 9:
        steps.push({ cmd: ["LMPOP", "2", k(), k(), side(), "COUNT", String(1 + r(3))] });
        break;
      case 10:
        steps.push({ cmd: ["LSET", k(), String(r(6) - 3), e] });
        break;
      default:
        steps.push({ cmd: ["LINDEX", k(), String(r(6) - 3)] }, { cmd: ["LLEN", k()] });
    }
  }
  for (const key of ["l0", "l1", "l2"]) steps.push({ cmd: ["LRANGE", key, "0", "-1"] });
  return steps;
}

diffTest("list commands answer as Redis 7 does", {
  "pushes, pops and reads": script`
    LPUSH l a b c
    RPUSH l d e
    LRANGE l 0 -1
    LRANGE l -2 100
    LRANGE l 3 1
    LRANGE l x 1
    LRANGE nokey 0 -1
    LLEN l
    LLEN nokey
    LINDEX l 0
    LINDEX l -1
    LINDEX l 99
    LINDEX l x
    LINDEX nokey 0
    LPUSHX nokey a
    RPUSHX nokey a
    EXISTS nokey
    LPUSHX l z
    RPUSHX l y w
    LPOP l
    RPOP l
    LPOP l 2
    RPOP l 0
    LPOP l -1
    LPOP l x
    LPOP l 1 2
    LPOP nokey
    LPOP nokey 2
    LPOP nokey 0
    RPOP l 100
    EXISTS l
    TYPE l
    RPUSH l "bin\x00ary" ""
    LRANGE l 0 -1
    OBJECT ENCODING l
    SET s v
    LPUSH s a
    RPUSHX s a
    LPOP s
    LLEN s
    LRANGE s 0 1
    LINDEX s 0
    LPUSH l
  `,
  "LSET LINSERT LREM LTRIM": script`
    RPUSH l a b c a b c a
    LSET l 0 A
    LSET l -1 Z
    LSET l 7 x
    LSET l x y
    LSET nokey 0 x
    LINSERT l BEFORE b B
    LINSERT l AFTER c C
    LINSERT l AFTER nope C
    LINSERT l MIDDLE b B
    LINSERT nokey BEFORE a b
    LRANGE l 0 -1
    LREM l 1 b
    LREM l -1 c
    LREM l 0 a
    LREM l 0 nope
    LREM l x a
    LRANGE l 0 -1
    LTRIM l 1 -2
    LRANGE l 0 -1
    LTRIM l 0 100
    LTRIM l x 1
    LTRIM nokey 0 1
    LTRIM l 5 1
    EXISTS l
    RPUSH l a
    LREM l 1 a
    EXISTS l
    SET s v
    LSET s 0 x
    LINSERT s BEFORE a b
    LREM s 0 a
    LTRIM s 0 1
  `,
  "LPOS": script`
    RPUSH l a b c 1 2 3 c c
    LPOS l c
    LPOS l c RANK 2
    LPOS l c RANK -1
    LPOS l c RANK -2 COUNT 2
    LPOS l c COUNT 0
    LPOS l c COUNT 0 MAXLEN 3
    LPOS l c RANK -1 MAXLEN 2
    LPOS l nope
    LPOS l nope COUNT 2
    LPOS l c RANK 0
    LPOS l c COUNT -1
    LPOS l c MAXLEN -1
    LPOS l c RANK x
    LPOS l c RANK -9223372036854775808
    LPOS l c FOO 1
    LPOS l c COUNT
    LPOS nokey a
    LPOS nokey a COUNT 1
    SET s v
    LPOS s a
  `,
  "LMOVE RPOPLPUSH LMPOP": script`
    RPUSH a 1 2 3
    LMOVE a b LEFT RIGHT
    LMOVE a b RIGHT LEFT
    LMOVE a a LEFT RIGHT
    LRANGE a 0 -1
    LRANGE b 0 -1
    RPOPLPUSH b a
    RPOPLPUSH nokey a
    LMOVE a b UP LEFT
    LMOVE nokey b UP LEFT
    RPOPLPUSH a a
    LMOVE a b LEFT LEFT
    EXISTS a
    SET s v
    LMOVE b s LEFT LEFT
    LMOVE s b LEFT LEFT
    LRANGE b 0 -1
    LMPOP 2 nokey b LEFT
    LMPOP 2 nokey b RIGHT COUNT 10
    LMPOP 1 b LEFT
    LMPOP 0 b LEFT
    LMPOP x b LEFT
    LMPOP 3 b LEFT
    LMPOP 1 b MIDDLE
    LMPOP 1 b LEFT COUNT 0
    LMPOP 1 b LEFT COUNT x
    LMPOP 1 b LEFT COUNT 1 COUNT 1
    LMPOP 1 b LEFT FOO
    LMPOP 2 s b LEFT
    LMPOP 2 b s LEFT
  `,
  "SORT on lists and SORT STORE": script`
    RPUSH l 3 1 2 10
    SORT l
    SORT l DESC LIMIT 1 2
    SORT l ALPHA
    SORT l STORE dst
    TYPE dst
    LRANGE dst 0 -1
    SET w_1 x
    SORT l BY nosort GET # GET w_* STORE dst
    LRANGE dst 0 -1
    SORT nokey STORE dst
    EXISTS dst
  `,
  "config": script`
    @sorted CONFIG GET list-*
    CONFIG SET list-max-listpack-size 5
    CONFIG GET list-max-ziplist-size
    CONFIG SET list-max-ziplist-size -6
    CONFIG SET list-max-listpack-size x
    CONFIG SET list-max-listpack-size 99999999999
    CONFIG SET list-compress-depth -1
    CONFIG SET list-compress-depth 3
    CONFIG GET list-compress-depth
    CONFIG SET list-max-listpack-size -2
    CONFIG SET list-compress-depth 0
    RPUSH big ${"x".repeat(9000)}
    OBJECT ENCODING big
  `,
  "keyspace events": script`
    CONFIG SET notify-keyspace-events KEA
    @client=1 PSUBSCRIBE __key*__:*
    RPUSH l a b c d
    LPUSH l z
    LPOP l
    RPOP l 2
    LSET l 0 y
    LINSERT l AFTER y q
    LREM l 1 q
    LTRIM l 0 0
    LTRIM l 1 0
    RPUSH l a b
    LMOVE l m LEFT RIGHT
    LMPOP 1 l RIGHT
    RPUSHX m c
    SORT m ALPHA STORE n
    CONFIG SET notify-keyspace-events ""
    @client=1 PUNSUBSCRIBE
  `,
  "random operations": randomLists(),
});

diffTest("WATCH on list keys", {
  "a list changed by another client fails the EXEC": script`
    RPUSH l a b
    WATCH l
    @client=1 LPOP l
    MULTI
    LLEN l
    EXEC
    WATCH l
    @client=1 LRANGE l 0 -1
    @client=1 LTRIM l 0 -1
    @client=1 LPOS l b
    MULTI
    LLEN l
    EXEC
    WATCH l
    @client=1 LMOVE l m LEFT LEFT
    MULTI
    LLEN l
    EXEC
  `,
});
