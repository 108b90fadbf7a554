// A randomized model test of expiry and the append-only file: the same seeded stream of SET (EX,
// PX, EXAT, PXAT, KEEPTTL, NX, XX, GET), the EXPIRE family (NX, XX, GT, LT), PERSIST, GETEX,
// RENAME, APPEND, INCR, SETEX and MULTI blocks, with short TTLs and waits between rounds, goes to
// tokserver and redis-server (appendfsync always); every reply must match byte for byte. Then
// both are restarted (SIGTERM or SIGKILL), optionally after a BGREWRITEAOF in the middle of the
// stream, and every key's value and PTTL must match redis-server's, and the state before.
//
// Timing is kept out of the comparison: short TTLs are 300-400 ms, a round of commands is sent
// as one pipeline (a few ms), and a wait is 600 ms, so a short-lived key is alive for every
// command of the round that set it and gone for every round after a wait, on both servers.

import { AofPair, diffDumps } from "./_aof_pair.ts";
import { Rng } from "./_fuzz.ts";
import { assert, assertEquals, which } from "./_util.ts";

const KEYS = ["a", "b", "c", "d", "e", "f"];
const ROUNDS = 7;
const PER_ROUND = 14;
const WAIT_MS = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Generates the commands, with absolute times from `now` (the same bytes go to both). */
class Gen {
  constructor(readonly rng: Rng) {}

  key(): string {
    return this.rng.pick(KEYS);
  }

  /** A relative time in ms: short (expires before the next wait ends) or long. */
  relMs(): string {
    return this.rng.int(3) === 0
      ? `${100000 + this.rng.int(100000)}`
      : `${300 + this.rng.int(100)}`;
  }

  /** An absolute time in ms: short, long, past, or where doubles round. */
  absMs(): string {
    const now = Date.now();
    switch (this.rng.int(7)) {
      case 0:
        return `${now + 300 + this.rng.int(100)}`;
      case 1:
        return `${now + 100000 + this.rng.int(100000)}`;
      case 2:
        return `${now - 1000 - this.rng.int(100000)}`;
      case 3:
        return `${9007199254740991n + BigInt(this.rng.int(3))}`;
      case 4:
        return `${9223372036854775807n - BigInt(this.rng.int(3))}`;
      case 5:
        return "9223372036854775808";
      default:
        return `${now + 300000}`;
    }
  }

  /** Seconds, relative or absolute (long, past, or at the limits). */
  secs(abs: boolean): string {
    if (!abs) return this.rng.pick(["1000", "5000", "9223372036854775", "9223372036854776", "-3"]);
    const now = Math.floor(Date.now() / 1000);
    return this.rng.pick([`${now + 1000}`, `${now - 10}`, "9223372036854775", "9223372036854776"]);
  }

  value(): string {
    return this.rng.pick(["1", "7", "-3", "x", "abc", "10"]);
  }

  command(): string[] {
    const r = this.rng;
    const k = this.key();
    switch (r.int(13)) {
      case 0:
      case 1: {
        const cmd = ["SET", k, this.value()];
        const kind = r.int(6);
        if (kind === 0) cmd.push("EX", this.secs(false));
        else if (kind === 1) cmd.push("PX", this.relMs());
        else if (kind === 2) cmd.push("EXAT", this.secs(true));
        else if (kind === 3) cmd.push("PXAT", this.absMs());
        else if (kind === 4) cmd.push("KEEPTTL");
        if (r.int(4) === 0) cmd.push(r.pick(["NX", "XX"]));
        if (r.int(4) === 0) cmd.push("GET");
        return cmd;
      }
      case 2:
      case 3: {
        const name = r.pick(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"]);
        const t = name === "PEXPIRE"
          ? this.relMs()
          : name === "PEXPIREAT"
          ? this.absMs()
          : this.secs(name === "EXPIREAT");
        const cmd = [name, k, t];
        if (r.int(2) === 0) cmd.push(r.pick(["NX", "XX", "GT", "LT"]));
        return cmd;
      }
      case 4:
        return ["PERSIST", k];
      case 5: {
        const kind = r.int(6);
        if (kind === 0) return ["GETEX", k, "EX", this.secs(false)];
        if (kind === 1) return ["GETEX", k, "PX", this.relMs()];
        if (kind === 2) return ["GETEX", k, "EXAT", this.secs(true)];
        if (kind === 3) return ["GETEX", k, "PXAT", this.absMs()];
        if (kind === 4) return ["GETEX", k, "PERSIST"];
        return ["GETEX", k];
      }
      case 6:
        return [r.pick(["RENAME", "RENAMENX"]), k, this.key()];
      case 7:
        return ["APPEND", k, r.pick(["0", "z", "12"])];
      case 8:
      case 9:
        return [r.pick(["INCR", "DECR"]), k];
      case 10:
        return r.int(2) === 0
          ? ["SETEX", k, r.pick(["1000", "0", "9223372036854776"]), this.value()]
          : ["PSETEX", k, this.relMs(), this.value()];
      case 11:
        return ["DEL", k];
      default:
        return ["GET", k];
    }
  }

  /** One round: single commands and MULTI blocks. */
  round(): string[][] {
    const out: string[][] = [];
    while (out.length < PER_ROUND) {
      if (this.rng.int(5) === 0) {
        out.push(["MULTI"]);
        const n = 1 + this.rng.int(4);
        for (let i = 0; i < n; i++) out.push(this.command());
        out.push(["EXEC"]);
      } else {
        out.push(this.command());
      }
    }
    return out;
  }
}

async function variant(seed: number, signal: Deno.Signal, rewrite: boolean): Promise<void> {
  await using pair = await AofPair.start();
  assert(pair);
  const gen = new Gen(new Rng(seed));
  const where = `seed ${seed}, ${signal}${rewrite ? ", rewrite" : ""}`;
  let compared = 0;
  // The two servers see each command at slightly different moments (and answer a dump's PTTLs at
  // different moments too): PTTLs may differ by up to the longest such window, which a loaded
  // machine stretches. The slack is 200 ms beyond the longest window measured.
  let window = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const cmds = gen.round();
    const sent = performance.now();
    const problems = await pair.compare(cmds, `${where}, round ${round}: `);
    window = Math.max(window, performance.now() - sent);
    assertEquals(problems, []);
    compared += cmds.length;
    // A rewrite takes a while (redis-server forks): a wait follows it, as after the last round.
    const rewriteNow = rewrite && round === Math.floor(ROUNDS / 2);
    if (rewriteNow) await pair.rewrite();
    if (gen.rng.int(2) === 0 || rewriteNow || round === ROUNDS - 1) await sleep(WAIT_MS);
  }
  const dumped = performance.now();
  const [redisBefore, tokBefore] = await pair.dump();
  window = Math.max(window, performance.now() - dumped);
  const slack = 200 + Math.ceil(window);
  assertEquals(diffDumps(redisBefore, tokBefore, slack), [], `${where}: before the restart`);
  const stopped = performance.now();
  await pair.restart(signal);
  const redumped = performance.now();
  const [redis, tok] = await pair.dump();
  const elapsed = Math.ceil(performance.now() - stopped);
  const slackAfter = slack + Math.ceil(performance.now() - redumped);
  assertEquals(diffDumps(redis, tok, slackAfter), [], `${where}: after the restart`);
  assertEquals(
    diffDumps(tokBefore, tok, elapsed + 50, ["before", "after"]),
    [],
    `${where}: tokserver before and after the restart (${elapsed} ms apart)`,
  );
  console.log(`${where}: ${compared} commands, ${tok.size} keys after the restart`);
}

/** Seeds to run each variant with (AOF_MODEL_SEEDS=1,2,3 for more); variants add 100 each. */
const SEEDS = (Deno.env.get("AOF_MODEL_SEEDS") ?? "1").split(",").map(Number);
let variants = 0;

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  for (const rewrite of [false, true]) {
    const offset = 100 * variants++;
    Deno.test({
      name: `model: random expiry commands, ${signal} restart${
        rewrite ? ", BGREWRITEAOF in the middle" : ""
      }: same keys, values and PTTLs as redis-server`,
      ignore: which("redis-server") === undefined,
      async fn() {
        for (const seed of SEEDS) await variant(seed + offset, signal, rewrite);
      },
    });
  }
}
