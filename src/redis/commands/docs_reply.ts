// Writes the docs data (docs.ts) in the reply types Redis 7.0 uses for it: maps for objects,
// integers, bulk strings, and sets where Redis answers sets (argument and key-spec flags and
// doc_flags as sets of status strings, history as a set of pairs).

import type { RespWriter } from "../../resp/writer.ts";
import type { DocValue } from "./docs.ts";

/** Map keys whose lists Redis sends as sets of status strings. */
const STATUS_SETS = new Set(["flags", "doc_flags"]);

/** Writes `v`, the value of map key `key` (if any), as Redis does. */
export function writeDocValue(o: RespWriter, v: DocValue, key?: string): void {
  if (typeof v === "string") o.bulk(v);
  else if (typeof v === "number") o.integer(v);
  else if (Array.isArray(v)) {
    const list = v as readonly DocValue[];
    if (key !== undefined && STATUS_SETS.has(key)) {
      o.setHeader(list.length);
      for (const s of list) o.simple(s as string);
      return;
    }
    if (key === "history") o.setHeader(list.length);
    else o.arrayHeader(list.length);
    for (const e of list) writeDocValue(o, e);
  } else {
    const entries = Object.entries(v as { readonly [k: string]: DocValue });
    o.mapHeader(entries.length);
    for (const [k, e] of entries) {
      o.bulk(k);
      writeDocValue(o, e, k);
    }
  }
}
