// How `tokserver redis-cli` shows replies: redis-cli's terminal and raw formats
// (cliFormatReplyTTY, cliFormatReplyRaw and sdscatrepr in redis-cli.c 7.0), RESP3 types
// included, byte for byte, so the two can be compared side by side.

import { ReplyError, type TypedReply } from "../resp/reply_parser.ts";

/**
 * A bulk string as redis-cli quotes it: `"..."` with `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b`
 * escaped and every byte outside printable ASCII as `\xHH` (so UTF-8 text shows as bytes, as
 * redis-cli shows it).
 */
export function quoteBytes(b: Uint8Array): string {
  let out = '"';
  let run = 0; // start of the current run of plain printable bytes
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    let esc: string | undefined;
    switch (c) {
      case 92:
        esc = "\\\\";
        break;
      case 34:
        esc = '\\"';
        break;
      case 10:
        esc = "\\n";
        break;
      case 13:
        esc = "\\r";
        break;
      case 9:
        esc = "\\t";
        break;
      case 7:
        esc = "\\a";
        break;
      case 8:
        esc = "\\b";
        break;
      default:
        if (c >= 0x20 && c <= 0x7e) continue;
        esc = `\\x${c.toString(16).padStart(2, "0")}`;
    }
    if (run < i) out += latin1(b.subarray(run, i));
    out += esc;
    run = i + 1;
  }
  if (run < b.length) out += latin1(b.subarray(run));
  return out + '"';
}

/** Printable ASCII bytes to a string, in chunks so long values do not overflow the stack. */
function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 8192)));
  }
  return s;
}

/**
 * A reply redis-cli 7.0 cannot show, which ends it: it prints `message` on stderr and exits
 * with 1 (`Unknown reply type: 13` for a RESP3 big number, `Error: Protocol error, ...` for
 * bytes hiredis cannot read, such as a RESP3 attribute), in the prompt too.
 */
export class FatalReply extends Error {
  override name = "FatalReply";
}

/** hiredis's number for a big number reply, the type redis-cli 7.0 does not know. */
const REDIS_REPLY_BIGNUM = 13;

/**
 * A reply in redis-cli's terminal format, ending in a newline: `OK`, `"world"`, `(nil)`,
 * `(integer) 1`, `(error) ERR ...`, `(empty array)`, and numbered arrays whose index column is
 * as wide as the largest index, nested arrays indented under their parent's number. RESP3 types
 * as redis-cli -3 shows them: `(double) 1.5`, `(true)`, verbatim text as it is, sets numbered
 * `1~`, maps `1# key => value` (a value of several lines starts on the next one).
 */
export function formatReply(r: TypedReply, prefix = ""): string {
  if (r === null) return "(nil)\n";
  if (typeof r === "string") return r + "\n";
  if (typeof r === "number") return `(integer) ${r}\n`;
  if (r instanceof Uint8Array) return quoteBytes(r) + "\n";
  if (r instanceof ReplyError) return `(error) ${r.message}\n`;
  if (Array.isArray(r)) return formatAggregate(r, ")", "(empty array)", prefix);
  switch (r.resp3) {
    case "double":
      return `(double) ${r.text}\n`;
    case "boolean":
      return r.value ? "(true)\n" : "(false)\n";
    case "verbatim":
      // Shown as it is, not quoted (INFO-like text, ASCII in practice).
      return decoder.decode(r.bytes) + "\n";
    case "bignum":
      throw new FatalReply(`Unknown reply type: ${REDIS_REPLY_BIGNUM}`);
    case "set":
      return formatAggregate(r.items, "~", "(empty set)", prefix);
    case "push":
      return formatAggregate(r.items, ")", "(empty push)", prefix);
    case "map":
      return formatAggregate(r.items, "#", "(empty hash)", prefix);
  }
}

/** An array, set, push (`sep` `)` or `~`) or map (`#`, `items` alternating keys and values). */
function formatAggregate(items: TypedReply[], sep: string, empty: string, prefix: string): string {
  if (items.length === 0) return empty + "\n";
  const map = sep === "#";
  const width = String(map ? items.length / 2 : items.length).length;
  const inner = prefix + " ".repeat(width + 2);
  let out = "";
  for (let i = 0; i < items.length; i++) {
    const n = map ? i / 2 : i;
    out += `${i === 0 ? "" : prefix}${String(n + 1).padStart(width)}${sep} `;
    out += formatReply(items[i]!, inner);
    if (map) {
      const value = items[++i]!;
      out = out.slice(0, -1) + " => " + (multiline(value) ? "\n" + inner : "");
      out += formatReply(value, inner);
    }
  }
  return out;
}

/** Whether formatReply shows `r` on more than one line (redis-cli's cliIsMultilineValueTTY). */
function multiline(r: TypedReply): boolean {
  if (r === null || typeof r !== "object" || r instanceof Uint8Array || r instanceof ReplyError) {
    return false;
  }
  const items = Array.isArray(r) ? r : "items" in r ? r.items : [];
  const per = !Array.isArray(r) && r.resp3 === "map" ? 2 : 1;
  if (items.length === 0) return false;
  return items.length > per || multiline(items[per - 1]!);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NL = encoder.encode("\n");
const SPACE = encoder.encode(" ");
const TRUE = encoder.encode("(true)");
const FALSE = encoder.encode("(false)");

/**
 * A reply in redis-cli's raw format (cliFormatReplyRaw), without the newline redis-cli adds after
 * each reply: bulk and status strings as their bytes, integers in decimal, errors as their text
 * and a newline, nil as nothing, arrays' elements (nested ones flattened) one per line; RESP3:
 * doubles as sent, `(true)`/`(false)`, verbatim text as it is, sets and pushes as arrays, a map
 * as one `key value` line per entry.
 */
export function formatRaw(r: TypedReply): Uint8Array[] {
  if (r === null) return [];
  if (r instanceof Uint8Array) return [r];
  if (typeof r === "string") return [encoder.encode(r)];
  if (typeof r === "number") return [encoder.encode(String(r))];
  if (r instanceof ReplyError) return [encoder.encode(r.message), NL];
  if (Array.isArray(r)) return rawLines(r, 1);
  switch (r.resp3) {
    case "double":
      return [encoder.encode(r.text)];
    case "boolean":
      return [r.value ? TRUE : FALSE];
    case "verbatim":
      return [r.bytes];
    case "bignum":
      throw new FatalReply(`Unknown reply type: ${REDIS_REPLY_BIGNUM}`);
    case "set":
    case "push":
      return rawLines(r.items, 1);
    case "map":
      return rawLines(r.items, 2);
  }
}

/** Elements one per line, `per` of them (a map's key and value) on a line, space-separated. */
function rawLines(items: TypedReply[], per: 1 | 2): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0) parts.push(i % per === 0 ? NL : SPACE);
    parts.push(...formatRaw(items[i]!));
  }
  return parts;
}

/**
 * Whether redis-cli shows this command's reply raw whatever the output mode (its list in
 * cliSendCommand): INFO, LOLWUT, CLIENT LIST/INFO, MEMORY DOCTOR, LATENCY DOCTOR/GRAPH, CLUSTER
 * NODES/INFO... Their text replies print as they are, with no newline added. `cmd` and `sub` are
 * the first two words in lower case, `n` the number of words.
 */
export function forcesRaw(cmd: string, sub: string, n: number): boolean {
  switch (cmd) {
    case "info":
    case "lolwut":
      return true;
    case "debug":
      return n >= 2 && ["htstats", "htstats-key", "client-eviction"].includes(sub);
    case "memory":
      return n >= 2 && (sub === "malloc-stats" || sub === "doctor");
    case "cluster":
      return n === 2 && (sub === "nodes" || sub === "info");
    case "client":
      return n >= 2 && (sub === "list" || sub === "info");
    case "latency":
      return (n === 3 && sub === "graph") || (n === 2 && sub === "doctor");
    case "proxy":
      return n >= 2 && sub === "info";
  }
  return false;
}
