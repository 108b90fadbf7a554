// XINFO STREAM's radix-tree-keys and radix-tree-nodes against redis-server 7.0.15, byte for byte:
// streams of one and many nodes (100 entries each), ids whose big-endian bytes branch at
// different depths (ms 1, 255, 256, 65536, 2^40, seq past 2^32), nodes removed by XDEL and by
// trims, and a node that is the last again after XDEL taking the next appends.

import { diffTest, script, type Step } from "./_diff.ts";
import { Rng } from "./_fuzz.ts";

/** `n` XADDs to `key` with ids `ms-(from+i)`. */
function adds(key: string, ms: string, from: number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`XADD ${key} ${ms}-${from + i} f v${i}`);
  return out.join("\n");
}

const big = "x".repeat(1500);

/**
 * A seeded run: appends whose ms part jumps by 0 to 2^40 (so node keys branch at every byte),
 * XDELs of random earlier ids (whole nodes go), trims, and XINFO STREAM along the way.
 */
function randomRun(seed: number): Step[] {
  const rng = new Rng(seed);
  const lines: string[] = [];
  const ids: string[] = [];
  let ms = 1n, seq = 0;
  for (let step = 0; step < 1200; step++) {
    const op = rng.int(100);
    if (op < 80) {
      const jump = rng.pick([0n, 0n, 0n, 1n, 200n, 70000n, 1n << 33n, 1n << 40n]);
      if (jump === 0n) seq++;
      else {
        ms += jump;
        seq = rng.int(3) === 0 ? 4294967000 + rng.int(1000) : 0;
      }
      ids.push(`${ms}-${seq}`);
      lines.push(`XADD r ${ms}-${seq} f ${rng.int(1000)}`);
    } else if (op < 97 && ids.length > 0) {
      const from = rng.int(ids.length);
      lines.push(`XDEL r ${ids.slice(from, from + 1 + rng.int(150)).join(" ")}`);
    } else if (op < 98) {
      lines.push(`XTRIM r MAXLEN ~ ${rng.int(400)}`);
    } else lines.push("XINFO STREAM r");
  }
  lines.push("XINFO STREAM r");
  return script`${lines.join("\n")}`;
}

diffTest("stream radix tree figures: differential", {
  "empty, one entry, one node": script`
    XADD s 1-1 f v
    XINFO STREAM s
    XDEL s 1-1
    XINFO STREAM s
    XGROUP CREATE e g $ MKSTREAM
    XINFO STREAM e
  `,
  "nodes branching at different bytes": [
    ...script`${adds("a", "1", 0, 250)}`,
    ...script`${adds("a", "255", 0, 120)}`,
    ...script`${adds("a", "256", 0, 101)}`,
    ...script`${adds("a", "65536", 0, 100)}`,
    ...script`${adds("a", "1099511627776", 4294967290, 230)}`,
    ...script`
      XINFO STREAM a
      XDEL a 256-100
      XINFO STREAM a
      XTRIM a MAXLEN ~ 500
      XINFO STREAM a
      XTRIM a MINID 65536-50
      XINFO STREAM a
      XTRIM a MAXLEN 0
      XINFO STREAM a
    `,
  ] as Step[],
  "a node that is the last again takes appends": [
    ...script`
      XADD b 1-1 f ${big}
      XADD b 1-2 f ${big}
      XADD b 1-3 f ${big}
      XADD b 1-4 f ${big}
      XINFO STREAM b
      XDEL b 1-4
      XADD b 2-1 f small
      XINFO STREAM b
      XRANGE b - +
    `,
  ] as Step[],
  "seeded appends, deletions and trims (seed 1)": randomRun(1),
  "seeded appends, deletions and trims (seed 2)": randomRun(2),
});
