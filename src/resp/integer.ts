// Decimal integers as Redis reads them (string2ll): one parser for request headers, reply
// headers and command arguments alike.

const MINUS = 45;

/**
 * Parses a decimal integer exactly as Redis's string2ll does: optional '-', no '+', no leading
 * zeros, no spaces, at most 20 bytes, within a signed 64-bit range. Returns undefined when
 * invalid. Values beyond 2^53 lose precision, which is harmless for the lengths parsed here.
 */
export function parseInteger(buf: Uint8Array, start: number, end: number): number | undefined {
  const len = end - start;
  if (len <= 0 || len >= 21) return undefined;
  let p = start;
  if (len === 1 && buf[p] === 48) return 0;
  let negative = false;
  if (buf[p] === MINUS) {
    negative = true;
    p++;
    if (p === end) return undefined;
  }
  let c = buf[p]!;
  if (c < 49 || c > 57) return undefined;
  let v = c - 48;
  p++;
  while (p < end) {
    c = buf[p]!;
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
    p++;
  }
  // 20 digits can only overflow a signed 64-bit integer when they start at 9.22e18.
  if (v > 9223372036854775807) return undefined;
  return negative ? -v : v;
}
