// Deterministic input generators for the fuzz tests: a seeded PRNG, random and mutated RESP
// frames, and hostile telnet byte streams. The same seed always gives the same bytes.

const enc = new TextEncoder();

/** A small seeded PRNG (mulberry32). */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A command as a RESP array of bulk strings. */
export function respCommand(args: Array<string | Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [enc.encode(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === "string" ? enc.encode(a) : a;
    parts.push(enc.encode(`$${b.length}\r\n`), b, enc.encode("\r\n"));
  }
  return concat(parts);
}

/** Commands that are safe to send at random (nothing that stops or reconfigures the server). */
const SAFE = ["PING", "ECHO", "GET", "SET", "DEL", "EXISTS", "PUBLISH", "DBSIZE", "INCR", "NOPE"];

/** One valid-looking command with random keys and binary values. */
export function validFrame(rng: Rng): Uint8Array {
  const cmd = rng.pick(SAFE);
  const key = `k${rng.int(100)}`;
  switch (cmd) {
    case "PING":
    case "DBSIZE":
      return respCommand([cmd]);
    case "SET":
      return respCommand(["SET", key, rng.bytes(rng.int(64))]);
    case "ECHO":
    case "PUBLISH":
      return respCommand(cmd === "ECHO" ? [cmd, rng.bytes(rng.int(32))] : [cmd, key, "m"]);
    default:
      return respCommand([cmd, key]);
  }
}

const NASTY = [
  "*-1\r\n",
  "*0\r\n",
  "*1\r\n$-1\r\n",
  "*1\r\n$abc\r\n",
  "*1\r\nx3\r\nfoo\r\n",
  "*3000000000\r\n",
  "*1\r\n$600000000\r\n",
  "*2\r\n$3\r\nGET\r\n$1\r\nab\r\n",
  "PING\r\n",
  'SET a "unbalanced\r\n',
  "ECHO 'x\r\n",
  "\r\n",
  "\n",
  "*1\r\n$4\r\nPING",
  "$5\r\nhello\r\n",
  ":12\r\n",
  "+OK\r\n",
  "*1\r\n*1\r\n$4\r\nPING\r\n",
];

/**
 * A frame that is valid (most of them, so connections live long enough to be interesting),
 * mutated, hand-picked nasty, or plain random bytes. `bad` tells which kind it is.
 */
export function fuzzFrame(rng: Rng): { frame: Uint8Array; bad: boolean } {
  const roll = rng.int(20);
  if (roll < 16) return { frame: validFrame(rng), bad: false };
  if (roll === 16 || roll === 17) {
    const f = validFrame(rng).slice();
    const flips = 1 + rng.int(3);
    for (let i = 0; i < flips; i++) {
      const at = rng.int(f.length);
      switch (rng.int(3)) {
        case 0:
          f[at] = rng.int(256);
          break;
        case 1:
          f[at] = rng.pick([13, 10, 42, 36, 45, 48, 57]);
          break;
        default:
          return { frame: f.subarray(0, at), bad: true }; // truncated
      }
    }
    return { frame: f, bad: true };
  }
  if (roll === 18) return { frame: enc.encode(rng.pick(NASTY)), bad: true };
  return { frame: rng.bytes(1 + rng.int(48)), bad: true };
}

/** A hostile chunk for a telnet chat: control bytes, IAC, ANSI, invalid UTF-8, long lines. */
export function chatChunk(rng: Rng, maxLine: number): Uint8Array {
  switch (rng.int(6)) {
    case 0:
      return enc.encode(`hello ${rng.int(1000)}\r\n`);
    case 1:
      return enc.encode(`\x1b[2J\x1b[31mred\x07\x1b]0;title\x07\r\n`);
    case 2:
      return new Uint8Array([255, 253, 1, 255, 250, 24, 0, 65, 255, 240, 0, 0, 10]);
    case 3:
      return rng.bytes(1 + rng.int(200));
    case 4:
      return new Uint8Array([0xc3, 0x28, 0xe2, 0x82, 0xf0, 0x9f, 0x92, 10]);
    default: {
      const n = maxLine - 8 + rng.int(16); // around the cap
      const b = new Uint8Array(n + 1).fill(97);
      b[n] = 10;
      return b;
    }
  }
}
