// How `tokserver redis-cli` shows replies: redis-cli's terminal format (cliFormatReplyTTY and
// sdscatrepr in redis-cli.c), byte for byte, so the two can be compared side by side.

import { type Reply, ReplyError } from "../resp/reply_parser.ts";

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
 * A reply in redis-cli's terminal format, ending in a newline: `OK`, `"world"`, `(nil)`,
 * `(integer) 1`, `(error) ERR ...`, `(empty array)`, and numbered arrays whose index column is
 * as wide as the largest index, nested arrays indented under their parent's number.
 */
export function formatReply(r: Reply, prefix = ""): string {
  if (r === null) return "(nil)\n";
  if (typeof r === "string") return r + "\n";
  if (typeof r === "number") return `(integer) ${r}\n`;
  if (r instanceof Uint8Array) return quoteBytes(r) + "\n";
  if (r instanceof ReplyError) return `(error) ${r.message}\n`;
  if (r.length === 0) return "(empty array)\n";
  const width = String(r.length).length;
  const inner = prefix + " ".repeat(width + 2);
  let out = "";
  for (let i = 0; i < r.length; i++) {
    out += `${i === 0 ? "" : prefix}${String(i + 1).padStart(width)}) `;
    out += formatReply(r[i]!, inner);
  }
  return out;
}

const encoder = new TextEncoder();
const NL = encoder.encode("\n");

/**
 * A reply in redis-cli's raw format (cliFormatReplyRaw), without the newline redis-cli adds after
 * each reply: bulk and status strings as their bytes, integers in decimal, errors as their text
 * and a newline, nil as nothing, arrays' elements (nested ones flattened) one per line.
 */
export function formatRaw(r: Reply): Uint8Array[] {
  if (r === null) return [];
  if (r instanceof Uint8Array) return [r];
  if (typeof r === "string") return [encoder.encode(r)];
  if (typeof r === "number") return [encoder.encode(String(r))];
  if (r instanceof ReplyError) return [encoder.encode(r.message), NL];
  const parts: Uint8Array[] = [];
  for (let i = 0; i < r.length; i++) {
    if (i > 0) parts.push(NL);
    parts.push(...formatRaw(r[i]!));
  }
  return parts;
}
