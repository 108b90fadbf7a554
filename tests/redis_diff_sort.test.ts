// SORT and SORT_RO replayed on a real redis-server and on tokserver redis, byte for byte (see
// tests/_diff.ts), in RESP2 and RESP3: numeric and ALPHA orders, BY with `*`, `->field` and no
// `*`, GET with `#` and `->field`, LIMIT edge cases, STORE of an empty result, the errors.
// Sets sorted without a sort are intsets (whose order both servers share). Out-of-range numbers
// (1e400) are left out: redis-server reads strtod's errno without clearing it first, so after one
// of them every later numeric SORT of that process fails too.

import { diffTest, script, type Step } from "./_diff.ts";

/** Random numeric weights and names for a set of 40 members, sorted every way. */
function randomSorts(): Step[] {
  let seed = 77;
  const r = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const steps: Step[] = [{ cmd: ["FLUSHALL"] }];
  const members: string[] = [];
  for (let i = 0; i < 40; i++) {
    const m = `m${i}`;
    members.push(m);
    steps.push({ cmd: ["SET", `w_${m}`, String(r(50) - 25 + r(100) / 10)] });
    steps.push({ cmd: ["HSET", `h_${m}`, "name", `n${r(1000)}_${i}`, "n", String(r(30))] });
  }
  steps.push({ cmd: ["SADD", "s", ...members] });
  for (let i = 0; i < 30; i++) {
    const cmd = ["SORT", "s"];
    const by = r(3);
    if (by === 0) cmd.push("BY", "w_*");
    else if (by === 1) cmd.push("BY", "h_*->n");
    else cmd.push("BY", "h_*->name", "ALPHA");
    if (r(2)) cmd.push("DESC");
    if (r(2)) cmd.push("LIMIT", String(r(45) - 3), String(r(50) - 5));
    if (r(2)) cmd.push("GET", "#", "GET", "w_*", "GET", "h_*->name");
    steps.push({ cmd });
  }
  return steps;
}

diffTest("SORT and SORT_RO answer as Redis 7 does", {
  "numeric and ALPHA sorts": script`
    FLUSHALL
    SADD n 3 -1 10 2.5 0 1e3 -0.5
    SORT n
    SORT n DESC
    SORT n ALPHA
    SORT n ALPHA DESC
    SORT_RO n
    SORT_RO n ALPHA desc
    SADD w b a c 10 "\\xff" "a\\x00b"
    SORT w ALPHA
    SORT w
    SADD bad 1 x 2
    SORT bad
    SORT bad ALPHA
    SADD odd " 7" "0x10" "inf" "-inf" ""
    SORT odd
    SADD odd 3.5abc
    SORT odd
    SADD nan nan
    SORT nan
    SADD tie 1.0 1 01 1.00
    SORT tie
    SORT tie DESC
    SORT nokey
    SORT_RO nokey ALPHA
    SET str x
    SORT str
    HSET hh a 1
    SORT hh
    SORT str LIMIT 0 x
  `,
  "BY and GET patterns": script`
    FLUSHALL
    SADD s 1 2 3 4 5
    MSET w_1 50 w_2 40 w_3 30 w_4 ok w_5 10
    SORT s BY w_*
    SET w_4 20
    SORT s BY w_*
    SORT s BY w_* DESC
    SORT s BY nosort
    SORT s BY nosort DESC
    SORT s BY nosort LIMIT 1 2
    SORT s BY w_* GET #
    SORT s BY w_* GET # GET w_* GET missing_* GET nostar
    HSET h_1 f a g 9
    HSET h_2 f c g 7
    HSET h_3 f b g 8
    SORT s BY h_*->g
    SORT s BY h_*->f ALPHA
    SORT s BY h_*->f ALPHA DESC
    SORT s GET h_*->f GET h_*->g GET h_*-> GET w_*->f
    SORT s BY h_*-> GET #
    SORT s BY w_*->f
    SORT s GET h_*->nofield
    SADD big 100 200 300
    SET w_100 x
    SORT big BY w_* ALPHA
    SORT big BY w_*
    SORT s BY w_* LIMIT 1 2 GET w_*
    SORT_RO s BY w_* GET # GET w_*
  `,
  "LIMIT": script`
    FLUSHALL
    SADD s 5 4 3 2 1
    SORT s LIMIT 0 2
    SORT s LIMIT 2 100
    SORT s LIMIT -3 2
    SORT s LIMIT 1 -1
    SORT s LIMIT 5 1
    SORT s LIMIT 10 1
    SORT s LIMIT 0 0
    SORT s LIMIT 4 1 DESC
    SORT s LIMIT 0 9223372036854775807
    SORT s LIMIT 1 2 GET #
    SORT nokey LIMIT 0 1
    SORT s LIMIT 0
    SORT s LIMIT a 1
    SORT s LIMIT 0 1.5
  `,
  "STORE and the errors": script`
    FLUSHALL
    SET dst x
    SORT nokey STORE dst
    EXISTS dst
    SORT nokey STORE dst
    SADD s 1
    SORT s LIMIT 5 5 STORE dst
    SORT_RO s STORE dst
    SORT s FOO
    SORT s BY
    SORT s GET
    SORT s STORE
    SORT
    SORT_RO
  `,
  "random sorts": randomSorts(),
});
