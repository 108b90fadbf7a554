// The sorted set's B+tree (src/redis/store/zset_tree.ts) against a sorted array, with tiny nodes
// (3 or 4 pairs a leaf, 3 or 4 children an inner node) so that random inserts and deletes split,
// even out and merge nodes at every level: after each step, ranks, seeks, bound counts and walks
// in both directions must agree with the model, and no node but the root may be under half full.

import { assertEquals } from "@std/assert";
import { pairLess, ZTree } from "../src/redis/store/zset_tree.ts";
import { Rng } from "./_fuzz.ts";

type Pair = [number, string];

function check(t: ZTree, model: Pair[], r: Rng): void {
  assertEquals(t.size, model.length);
  const all: Pair[] = [];
  t.walk(0, t.size, false, (m, s) => all.push([s, m]));
  assertEquals(all, model);
  const back: Pair[] = [];
  t.walk(t.size - 1, t.size, true, (m, s) => back.push([s, m]));
  assertEquals(back, model.slice().reverse());
  assertEquals(t.shape().sparse, 0);
  if (model.length === 0) return;
  const [s, m] = model[r.int(model.length)]!;
  assertEquals(t.rank(s, m), model.findIndex(([ms, mm]) => ms === s && mm === m));
  const bound = r.int(40) - 5;
  assertEquals(t.countBefore((x) => x < bound), model.filter(([x]) => x < bound).length);
  const at = r.int(model.length);
  const pos = t.seek(at);
  assertEquals([pos.leaf.s[pos.i], pos.leaf.m[pos.i]], model[at]);
}

Deno.test("the sorted set's tree agrees with a sorted array through splits and deletes", () => {
  const r = new Rng(42);
  const t = new ZTree(3, 3);
  let model: Pair[] = [];
  for (let step = 0; step < 4000; step++) {
    const s = r.int(30), m = `m${r.int(60)}`;
    const i = model.findIndex(([, mm]) => mm === m);
    if (i >= 0) {
      assertEquals(t.delete(model[i]![0], m), true);
      model.splice(i, 1);
    } else if (r.next() < 0.7) {
      t.insert(s, m);
      model.push([s, m]);
      model.sort((a, b) => pairLess(a[0], a[1], b[0], b[1]) ? -1 : 1);
    }
    assertEquals(t.delete(-1, "absent"), false);
    if (step % 500 === 499) {
      // Empty it from the low end now and then, as ZPOPMIN would.
      while (model.length > 0 && r.next() < 0.95) {
        const [fs, fm] = model.shift()!;
        assertEquals(t.delete(fs, fm), true);
      }
      model = model.slice();
    }
    check(t, model, r);
  }
});

for (const [leafMax, innerMax] of [[3, 3], [4, 4], [5, 3]] as const) {
  Deno.test(`the tree stays compact through delete-heavy sequences (${leafMax}/${innerMax})`, () => {
    const r = new Rng(7 + leafMax);
    const t = new ZTree(leafMax, innerMax);
    let model: Pair[] = [];
    const sortModel = () => model.sort((a, b) => pairLess(a[0], a[1], b[0], b[1]) ? -1 : 1);
    for (let round = 0; round < 6; round++) {
      // Grow to a few hundred pairs, then delete most of them: at random, from either end, or a
      // run of neighbours (as ZREMRANGEBYRANK), checking after each delete.
      for (let k = 0; k < 300; k++) {
        const s = r.int(1000), m = `m${round}.${k}`;
        t.insert(s, m);
        model.push([s, m]);
      }
      sortModel();
      check(t, model, r);
      const keep = r.int(20);
      while (model.length > keep) {
        const how = r.int(4);
        const at = how === 0
          ? 0
          : how === 1
          ? model.length - 1
          : how === 2
          ? r.int(model.length)
          : Math.min(model.length - 1, Math.floor(model.length / 2));
        const [s, m] = model[at]!;
        assertEquals(t.delete(s, m), true);
        model.splice(at, 1);
        model = model.slice();
        check(t, model, r);
      }
    }
    const { depth, leaves } = t.shape();
    assertEquals(depth <= 3, true, `depth ${depth} for ${model.length} pairs`);
    assertEquals(leaves <= Math.max(1, Math.ceil(model.length / ((leafMax + 1) >> 1))), true);
  });
}
