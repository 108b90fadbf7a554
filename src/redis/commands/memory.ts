// MEMORY USAGE key [SAMPLES n]: an estimate of a key's bytes (store/memory_usage.ts explains
// how it is computed), with redis-server 7.0's argument handling and errors.

import { keyOf } from "../store/db.ts";
import { memoryUsage } from "../store/memory_usage.ts";
import { isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { Err } from "./replies.ts";
import { parseInt64 } from "../../resp/integer.ts";

/** Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES. */
const DEFAULT_SAMPLES = 5;

function memoryUsageCommand(c: Session, args: Uint8Array[]): void {
  let samples = DEFAULT_SAMPLES;
  for (let j = 3; j < args.length; j++) {
    if (isWord(args[j]!, "samples") && j + 1 < args.length) {
      const n = parseInt64(args[j + 1]!);
      if (n === undefined) {
        c.out.error(Err.notInteger);
        return;
      }
      if (n < 0) {
        c.out.error(Err.syntax);
        return;
      }
      samples = n > 2147483647n ? 0 : Number(n);
      j++;
    } else {
      c.out.error(Err.syntax);
      return;
    }
  }
  const key = keyOf(args[2]!);
  const v = c.keyspace.peekStored(key);
  if (v === undefined) c.out.nullBulk();
  else c.out.integer(memoryUsage(key, v, samples));
}

/** MEMORY (USAGE). */
export const MEMORY_COMMANDS: readonly Command[] = [
  {
    name: "memory",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    subcommands: [
      {
        name: "memory|usage",
        arity: -3,
        flags: ["readonly"],
        keys: [2, 2, 1],
        acl: ["@read", "@slow"],
        handler: memoryUsageCommand,
      },
    ],
  },
];
