// The stream store (store/stream_value.ts and its blocks, store/stream_block.ts) against a plain
// array model, seeded and bounded: appends with the block's master fields or others, values of
// every byte and past the one-byte length, ids with large ms and seq halves, deletions, exact
// and `~` trims, forward and reverse ranges with counts, and copies; both the open block (one
// byte array) and closed ones (packed) are read back exactly.

import { assertEquals } from "./_util.ts";
import { Rng } from "./_fuzz.ts";
import { MAX_ID, type StreamId, StreamValue } from "../src/redis/store/stream_value.ts";

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

interface ModelEntry {
  id: StreamId;
  fields: string[];
}

function check(s: StreamValue, model: ModelEntry[], rng: Rng, where: string): void {
  assertEquals(s.length, model.length, where);
  assertEquals([...s.range(0n, MAX_ID)], model, where);
  if (model.length === 0) return;
  const a = model[rng.int(model.length)]!.id, b = model[rng.int(model.length)]!.id;
  const [lo, hi] = a < b ? [a, b] : [b, a];
  const count = rng.int(4) === 0 ? 0 : 1 + rng.int(20);
  const fwd = model.filter((e) => e.id >= lo && e.id <= hi);
  assertEquals([...s.range(lo, hi, false, count)], count ? fwd.slice(0, count) : fwd, where);
  const rev = fwd.slice().reverse();
  assertEquals([...s.range(lo, hi, true, count)], count ? rev.slice(0, count) : rev, where);
  const pick = model[rng.int(model.length)]!;
  assertEquals(s.get(pick.id), pick.fields, where);
  assertEquals(s.get(pick.id + 1n) === undefined, !model.some((e) => e.id === pick.id + 1n));
}

Deno.test("stream store: appends, deletions, trims and ranges match an array model", () => {
  for (let seed = 1; seed <= 12; seed++) {
    const rng = new Rng(seed);
    const s = new StreamValue();
    let model: ModelEntry[] = [];
    let last = 0n;
    const master = ["name", "score"];
    for (let step = 0; step < 1500; step++) {
      const op = rng.int(100);
      const where = `seed ${seed} step ${step}`;
      if (op < 75) {
        // Ids: small steps, sometimes a jump into the high halves.
        const big = rng.int(50) === 0;
        last = big ? last + (BigInt(rng.int(1 << 30)) << 70n) + 7n : last + 1n + BigInt(rng.int(3));
        const same = rng.int(3) !== 0;
        const names = same ? master : Array.from({ length: 1 + rng.int(3) }, (_, k) => `f${k}`);
        const args: Uint8Array[] = [];
        const fields: string[] = [];
        for (const n of names) {
          const len = rng.int(10) === 0 ? 120 + rng.int(300) : rng.int(12);
          const v = rng.bytes(len);
          args.push(new TextEncoder().encode(n), v);
          fields.push(n, latin1(v));
        }
        s.append(last, args, 0);
        model.push({ id: last, fields });
      } else if (op < 88 && model.length > 0) {
        const e = model[rng.int(model.length)]!;
        assertEquals(s.delete(e.id), true, where);
        assertEquals(s.delete(e.id), false, where);
        model = model.filter((x) => x !== e);
      } else if (op < 94) {
        const maxlen = rng.int(model.length + 5);
        const approx = rng.int(2) === 0;
        const before = model.length;
        const gone = s.trim({ maxlen, approx, limit: 0 });
        if (!approx) assertEquals(gone, Math.max(0, before - maxlen), where);
        // An approximate trim removes from the start, never below maxlen.
        assertEquals(s.length >= Math.min(before, maxlen), true, where);
        model = model.slice(gone);
      } else if (op < 97) {
        const copy = s.clone();
        check(copy, model, rng, `${where} (copy)`);
      } else {
        check(s, model, rng, where);
      }
    }
    check(s, model, rng, `seed ${seed} end`);
  }
});
