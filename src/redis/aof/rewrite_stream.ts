// How a rewrite writes a stream, as Redis 7.0's rewriteStreamObject: one XADD per entry (an
// empty stream as XADD ... MAXLEN 0 0-1 x y), an XSETID with the last id, ENTRIESADDED and
// MAXDELETEDID, then per group an XGROUP CREATE ... ENTRIESREAD, an XCLAIM ... JUSTID FORCE
// per pending entry (its time and delivery count kept) and an XGROUP CREATECONSUMER for each
// consumer without pending entries.

import type { StreamValue } from "../store/db.ts";
import { formatId, MAX_ID } from "../store/stream_value.ts";
import type { RespWriter } from "../../resp/writer.ts";

/** Appends one command whose arguments are binary strings. */
function cmd(out: RespWriter, args: readonly string[]): void {
  out.arrayHeader(args.length);
  for (const a of args) out.binary(a);
}

/** Appends the commands that rebuild stream `s` at `key`. */
export function encodeStream(key: string, s: StreamValue, out: RespWriter): void {
  if (s.length > 0) {
    for (const e of s.range(0n, MAX_ID)) {
      const items = e.fields;
      out.arrayHeader(3 + items.length);
      out.binary("XADD");
      out.binary(key);
      out.binary(formatId(e.id));
      for (const it of items) out.binary(it);
    }
  } else cmd(out, ["XADD", key, "MAXLEN", "0", "0-1", "x", "y"]);
  cmd(out, [
    "XSETID",
    key,
    formatId(s.lastId),
    "ENTRIESADDED",
    String(s.entriesAdded),
    "MAXDELETEDID",
    formatId(s.maxDeletedId),
  ]);
  const groups = [...(s.groups ?? [])].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [name, g] of groups) {
    cmd(out, [
      "XGROUP",
      "CREATE",
      key,
      name,
      formatId(g.lastId),
      "ENTRIESREAD",
      String(g.entriesRead),
    ]);
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) {
        cmd(out, ["XGROUP", "CREATECONSUMER", key, name, c.name]);
        continue;
      }
      for (const [id, n] of c.pel.range(0n, MAX_ID)) {
        cmd(out, [
          "XCLAIM",
          key,
          name,
          c.name,
          "0",
          formatId(id),
          "TIME",
          String(n.deliveryTime),
          "RETRYCOUNT",
          String(n.deliveryCount),
          "JUSTID",
          "FORCE",
        ]);
      }
    }
  }
}
