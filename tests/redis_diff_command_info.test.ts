// COMMAND INFO and COMMAND DOCS of every command and subcommand tokserver has, compared with
// redis-server 7.0.15 byte for byte in RESP2 and RESP3: arity, flags, key positions, ACL
// categories, tips, key specifications, and the docs (summary, since, group, complexity,
// doc_flags, history, arguments). A container (CLIENT, CONFIG, XINFO...) lists only the
// subcommands tokserver has, in any order (Redis's own order changes from run to run with its
// dict's hash seed), so it is compared with Redis's reply cut to those; each subcommand is
// compared byte for byte on its own.

import { assert, assertEquals } from "@std/assert";
import { type Reply, ReplyParser } from "../src/resp/reply_parser.ts";
import { RawConn, show, startPair } from "./_diff.ts";
import { which } from "./_util.ts";

const dec = new TextDecoder();

/** Names tokserver has that Redis 7.0.15 does not (CLIENT SETINFO is Redis 7.2's). */
const OURS_ONLY = new Set(["client|setinfo"]);

function parse(bytes: Uint8Array): Reply {
  const p = new ReplyParser();
  p.push(bytes);
  const r = p.next();
  if (r === undefined) throw new Error(`no whole reply in ${show(bytes)}`);
  return r;
}

function text(r: Reply): string {
  return r instanceof Uint8Array ? dec.decode(r) : String(r);
}

/** A COMMAND INFO entry with its subcommands (field 10) kept only when `keep`, and sorted. */
function cutInfo(entry: Reply, keep: (name: string) => boolean): string {
  const e = entry as Reply[];
  const subs = (e[9] as Reply[]).filter((s) => keep(text((s as Reply[])[0]!)));
  subs.sort((a, b) => text((a as Reply[])[0]!).localeCompare(text((b as Reply[])[0]!)));
  return JSON.stringify([...e.slice(0, 9), subs], replacer);
}

/** A COMMAND DOCS body (RESP2: field, value ...) with its subcommands cut and sorted likewise. */
function cutDocs(body: Reply, keep: (name: string) => boolean): string {
  const b = [...(body as Reply[])];
  const at = b.findIndex((x, i) => i % 2 === 0 && text(x) === "subcommands");
  if (at >= 0) {
    const subs = b[at + 1] as Reply[];
    const pairs: [string, Reply][] = [];
    for (let i = 0; i < subs.length; i += 2) {
      if (keep(text(subs[i]!))) pairs.push([text(subs[i]!), subs[i + 1]!]);
    }
    pairs.sort((x, y) => x[0].localeCompare(y[0]));
    b[at + 1] = pairs.flat() as Reply[];
  }
  return JSON.stringify(b, replacer);
}

function replacer(_k: string, v: unknown): unknown {
  return v instanceof Uint8Array ? dec.decode(v) : v;
}

Deno.test({
  name: "COMMAND INFO and COMMAND DOCS of every command match redis-server byte for byte",
  ignore: which("redis-server") === undefined,
  async fn() {
    await using pair = await startPair();
    if (pair === undefined) throw new Error("redis-server did not start");
    const red = await RawConn.connect(pair.redisPort);
    const tok = await RawConn.connect(pair.tokPort);
    try {
      const names = (parse(await tok.call(["COMMAND", "LIST"])) as Reply[]).map(text);
      const containers = new Map<string, Set<string>>();
      const all = [...names];
      for (const n of names) {
        const info = (parse(await tok.call(["COMMAND", "INFO", n])) as Reply[])[0] as Reply[];
        const subs = (info[9] as Reply[]).map((s) => text((s as Reply[])[0]!));
        if (subs.length > 0) containers.set(n, new Set(subs));
        all.push(...subs.filter((s) => !OURS_ONLY.has(s)));
      }
      // Every family is here: sorted sets, streams and scripting among them.
      for (const n of ["zadd", "bzmpop", "zscan", "xreadgroup", "xinfo|stream", "eval", "fcall"]) {
        assert(all.includes(n), n);
      }
      const problems: string[] = [];
      for (const resp of ["2", "3"]) {
        await red.call(["HELLO", resp]);
        await tok.call(["HELLO", resp]);
        for (const n of all) {
          for (const sub of ["INFO", "DOCS"]) {
            const a = await red.call(["COMMAND", sub, n]);
            const b = await tok.call(["COMMAND", sub, n]);
            const ours = containers.get(n);
            if (ours !== undefined) {
              if (resp === "3") continue; // the RESP2 comparison covers a container's fields
              const keep = (s: string) => ours.has(s) && !OURS_ONLY.has(s);
              const [x, y] = sub === "INFO"
                ? [
                  cutInfo((parse(a) as Reply[])[0]!, keep),
                  cutInfo((parse(b) as Reply[])[0]!, keep),
                ]
                : [
                  cutDocs((parse(a) as Reply[])[1]!, keep),
                  cutDocs((parse(b) as Reply[])[1]!, keep),
                ];
              if (x !== y) problems.push(`RESP${resp} COMMAND ${sub} ${n}:\n  ${x}\n  ${y}`);
            } else if (dec.decode(a) !== dec.decode(b)) {
              problems.push(`RESP${resp} COMMAND ${sub} ${n}:\n  ${show(a)}\n  ${show(b)}`);
            }
          }
        }
      }
      assertEquals(problems, []);
    } finally {
      red.close();
      tok.close();
    }
  },
});
