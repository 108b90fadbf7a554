// Lua 5.1, which Redis runs, has only floats; fengari (Lua 5.3) makes integer literals integers,
// and its integers are 32-bit, so `1000000 * 5000` would wrap around. Before a script is compiled
// its integer literals are rewritten as floats (`5000` -> `5000.0`, `0x10` -> `16.0`), outside
// strings and comments and without moving any line, so arithmetic is done in doubles as in
// Redis. (With LUA_COMPAT_FLOATSTRING, fengari_conf.ts, 3.0 still prints as "3".)

const DOT = 46, DASH = 45, LBRACKET = 91, RBRACKET = 93, EQ = 61, NL = 10, BACKSLASH = 92;

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

function isIdent(c: number | undefined): boolean {
  return c !== undefined &&
    ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || isDigit(c) || c >= 128);
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && (isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102));
}

/** The level of a long bracket opening at `i` (`[[` is 0, `[==[` is 2), or -1. */
function longBracket(src: Uint8Array, i: number): number {
  if (src[i] !== LBRACKET) return -1;
  let j = i + 1, level = 0;
  while (src[j] === EQ) (j++, level++);
  return src[j] === LBRACKET ? level : -1;
}

/** Where the long bracket of `level` opened before `i` closes (the index after it). */
function skipLong(src: Uint8Array, i: number, level: number): number {
  for (let j = i; j < src.length; j++) {
    if (src[j] !== RBRACKET) continue;
    let k = j + 1, n = 0;
    while (src[k] === EQ) (k++, n++);
    if (n === level && src[k] === RBRACKET) return k + 1;
  }
  return src.length;
}

/** `src` with its integer literals written as floats; the same array when it has none. */
export function floatLiterals(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let changed = false;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === DASH && src[i + 1] === DASH) { // a comment
      const level = longBracket(src, i + 2);
      const end = level >= 0 ? skipLong(src, i + 2, level) : (src.indexOf(NL, i) + 1 || n);
      for (; i < end; i++) out.push(src[i]!);
      continue;
    }
    if (c === 34 || c === 39) { // a quoted string
      out.push(c);
      i++;
      while (i < n && src[i] !== c && src[i] !== NL) {
        if (src[i] === BACKSLASH && i + 1 < n) out.push(src[i++]!);
        out.push(src[i++]!);
      }
      if (i < n) out.push(src[i++]!);
      continue;
    }
    const level = longBracket(src, i);
    if (level >= 0) { // a long string
      const end = skipLong(src, i, level);
      for (; i < end; i++) out.push(src[i]!);
      continue;
    }
    if (isIdent(c) && !isDigit(c)) { // a name (digits inside it are not numbers)
      while (i < n && isIdent(src[i])) out.push(src[i++]!);
      continue;
    }
    if (isDigit(c) || (c === DOT && isDigit(src[i + 1]))) {
      const start = i;
      if (c === 48 && (src[i + 1] === 120 || src[i + 1] === 88)) { // hex
        i += 2;
        while (isHex(src[i])) i++;
        if (src[i] === DOT || src[i] === 112 || src[i] === 80) { // a hex float: leave it
          while (isHex(src[i]) || src[i] === DOT || src[i] === 112 || src[i] === 80) i++;
          for (let k = start; k < i; k++) out.push(src[k]!);
          continue;
        }
        const text = new TextDecoder().decode(src.subarray(start, i));
        const value = Number(text);
        const dec = Number.isSafeInteger(value) ? String(value) + ".0" : text;
        for (let k = 0; k < dec.length; k++) out.push(dec.charCodeAt(k));
        changed = true;
        continue;
      }
      let float = false;
      while (isDigit(src[i])) i++;
      if (src[i] === DOT) {
        float = true;
        i++;
        while (isDigit(src[i])) i++;
      }
      if (src[i] === 101 || src[i] === 69) {
        float = true;
        i++;
        if (src[i] === 43 || src[i] === DASH) i++;
        while (isDigit(src[i])) i++;
      }
      for (let k = start; k < i; k++) out.push(src[k]!);
      if (!float) {
        out.push(DOT, 48);
        changed = true;
      }
      continue;
    }
    out.push(c);
    i++;
  }
  return changed ? Uint8Array.from(out) : src;
}
