// A randomized model test of sorted sets: 10,000 random commands from one seed, sent to a real
// redis-server and to tokserver redis, every reply compared byte for byte (tests/_diff.ts), in
// RESP2. Small sets (listpack) and large ones (skiplist, a few hundred members) are mixed, scores
// include ties, infinities and decimals, and lex commands run on a set whose scores are all 0
// (Redis leaves lex ranges over mixed scores unspecified).

import { diffTest, type Step } from "./_diff.ts";
import { Rng } from "./_fuzz.ts";

const SCORES = ["0", "1", "2", "2", "3", "-1", "1.5", "0.25", "-inf", "+inf", "10", "1e3", "-2.5"];

function randomZsets(seed: number, n: number): Step[] {
  const r = new Rng(seed);
  const steps: Step[] = [{ cmd: ["FLUSHALL"] }, {
    cmd: ["CONFIG", "SET", "zset-max-listpack-entries", "16"],
  }];
  const key = () => r.pick(["z0", "z1", "z2", "big", "s0"]);
  const zkey = () => r.pick(["z0", "z1", "z2", "big"]);
  const member = (k = "") => k === "big" ? `m${r.int(600)}` : `m${r.int(24)}`;
  const score = () => r.next() < 0.2 ? String(r.int(1000) - 500) : r.pick(SCORES);
  const bound = () => {
    const s = r.next() < 0.3 ? String(r.int(12) - 3) : r.pick(SCORES);
    return r.next() < 0.3 && s !== "-inf" && s !== "+inf" ? "(" + s : s;
  };
  const lexBound = () => {
    const x = r.int(10);
    if (x === 0) return "-";
    if (x === 1) return "+";
    return (r.next() < 0.5 ? "[" : "(") + String.fromCharCode(97 + r.int(8));
  };
  const int = () => String(r.int(14) - 6);
  for (let i = 0; steps.length < n; i++) {
    const k = zkey();
    switch (r.int(30)) {
      case 0:
      case 1:
      case 2: {
        const args = ["ZADD", k];
        const f = r.int(8);
        if (f === 1) args.push("NX");
        if (f === 2) args.push("XX");
        if (f === 3) args.push("GT", "CH");
        if (f === 4) args.push("LT");
        if (f === 5) args.push("CH");
        const pairs = k === "big" ? 1 + r.int(30) : 1 + r.int(3);
        for (let j = 0; j < pairs; j++) args.push(score(), member(k));
        steps.push({ cmd: args });
        break;
      }
      case 3:
        steps.push({ cmd: ["ZADD", k, "INCR", score(), member(k)] });
        break;
      case 4:
        steps.push({ cmd: ["ZINCRBY", k, r.pick(["1", "-1", "0.5", "inf"]), member(k)] });
        break;
      case 5:
        steps.push({ cmd: ["ZREM", k, member(k), member(k)] });
        break;
      case 6:
        steps.push({ cmd: ["ZCARD", key()] }, { cmd: ["ZSCORE", k, member(k)] });
        break;
      case 7:
        steps.push({ cmd: ["ZMSCORE", k, member(k), member(k)] });
        break;
      case 8:
        steps.push({ cmd: [r.next() < 0.5 ? "ZRANK" : "ZREVRANK", k, member(k)] });
        break;
      case 9:
        steps.push({ cmd: ["ZCOUNT", k, bound(), bound()] });
        break;
      case 10: {
        const args = ["ZRANGE", k, int(), int()];
        if (r.next() < 0.3) args.push("REV");
        if (r.next() < 0.5) args.push("WITHSCORES");
        steps.push({ cmd: args });
        break;
      }
      case 11:
      case 12: {
        const rev = r.next() < 0.4;
        const args = ["ZRANGE", k, bound(), bound(), "BYSCORE"];
        if (rev) args.push("REV");
        if (r.next() < 0.5) args.push("LIMIT", String(r.int(6) - 1), String(r.int(8) - 1));
        if (r.next() < 0.5) args.push("WITHSCORES");
        steps.push({ cmd: args });
        break;
      }
      case 13:
        steps.push({
          cmd: [r.next() < 0.5 ? "ZRANGEBYSCORE" : "ZREVRANGEBYSCORE", k, bound(), bound()],
        });
        break;
      case 14:
        steps.push({ cmd: ["ZREMRANGEBYRANK", k, int(), int()] });
        break;
      case 15:
        steps.push({ cmd: ["ZREMRANGEBYSCORE", k, bound(), bound()] });
        break;
      case 16: {
        const args = [r.next() < 0.5 ? "ZPOPMIN" : "ZPOPMAX", k];
        if (r.next() < 0.5) args.push(String(r.int(4)));
        steps.push({ cmd: args });
        break;
      }
      case 17:
        steps.push({
          cmd: ["ZMPOP", "2", zkey(), zkey(), r.pick(["MIN", "MAX"]), "COUNT", "2"],
        });
        break;
      case 18:
      case 19: {
        const op = r.pick(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]);
        const dst = r.pick(["z0", "z1", "z2", "d"]);
        const args = [op, dst, "2", key(), key()];
        if (op !== "ZDIFFSTORE" && r.next() < 0.5) args.push("WEIGHTS", score(), "2");
        if (op !== "ZDIFFSTORE" && r.next() < 0.5) {
          args.push("AGGREGATE", r.pick(["SUM", "MIN", "MAX"]));
        }
        steps.push({ cmd: args }, { cmd: ["ZRANGE", dst, "0", "-1", "WITHSCORES"] });
        break;
      }
      case 20: {
        const op = r.pick(["ZUNION", "ZINTER", "ZDIFF"]);
        steps.push({ cmd: [op, "3", key(), key(), key(), "WITHSCORES"] });
        break;
      }
      case 21:
        steps.push({ cmd: ["ZINTERCARD", "2", key(), key(), "LIMIT", String(r.int(4))] });
        break;
      case 22:
        steps.push({ cmd: ["ZRANGESTORE", r.pick(["d", "z2"]), k, bound(), bound(), "BYSCORE"] });
        break;
      case 23:
        steps.push({ cmd: ["OBJECT", "ENCODING", k] });
        break;
      case 24:
        steps.push({ cmd: ["SADD", "s0", member(), member()] });
        break;
      case 25: {
        const args = ["ZADD", "lex"];
        for (let j = 0; j < 3; j++) {
          args.push("0", String.fromCharCode(97 + r.int(8)).repeat(1 + r.int(2)));
        }
        steps.push({ cmd: args });
        break;
      }
      case 26:
        steps.push({ cmd: ["ZLEXCOUNT", "lex", lexBound(), lexBound()] });
        break;
      case 27: {
        const rev = r.next() < 0.5;
        const args = [rev ? "ZREVRANGEBYLEX" : "ZRANGEBYLEX", "lex", lexBound(), lexBound()];
        if (r.next() < 0.4) args.push("LIMIT", String(r.int(3)), String(r.int(4) - 1));
        steps.push({ cmd: args });
        break;
      }
      case 28:
        steps.push({ cmd: ["ZREMRANGEBYLEX", "lex", lexBound(), lexBound()] });
        break;
      default:
        steps.push({ cmd: ["ZRANDMEMBER", k, "1000", "WITHSCORES"] });
    }
  }
  return steps;
}

diffTest(
  "sorted sets: 10,000 random commands, same seed on both servers",
  {
    "random sorted-set commands": randomZsets(2611, 10_000),
  },
  [],
  [],
  { resp: [2] },
);
