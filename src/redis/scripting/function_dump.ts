// FUNCTION DUMP's payload as Redis 7.0 writes it, so a dump moves between tokserver and Redis:
// per library the RDB opcode FUNCTION2 (245) and its code as an RDB string, then the RDB version
// (10, two bytes little-endian) and a CRC64 (Jones polynomial, eight bytes little-endian) of all
// that. Reading accepts Redis's LZF-compressed strings; writing stores strings uncompressed.

const OPCODE_FUNCTION2 = 245;
const RDB_VERSION = 10;

const TABLE = (() => {
  const poly = 0x95ac9329ac4bc9b5n;
  const t: bigint[] = [];
  for (let i = 0n; i < 256n; i++) {
    let crc = i;
    for (let j = 0; j < 8; j++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
    t.push(crc);
  }
  return t;
})();

/** Redis's crc64 (Jones, reflected, init 0): crc64(0, "123456789") is 0xe9c6d914c4b8d9ca. */
export function crc64(data: Uint8Array, crc = 0n): bigint {
  for (const b of data) crc = TABLE[Number((crc ^ BigInt(b)) & 0xffn)]! ^ (crc >> 8n);
  return crc;
}

function lengthBytes(n: number): number[] {
  if (n < 64) return [n];
  if (n < 16384) return [0x40 | (n >> 8), n & 0xff];
  return [0x80, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** The payload of FUNCTION DUMP for libraries' codes. */
export function dumpLibraries(codes: readonly Uint8Array[]): Uint8Array {
  const parts: number[] = [];
  for (const code of codes) {
    parts.push(OPCODE_FUNCTION2, ...lengthBytes(code.length));
    for (const b of code) parts.push(b);
  }
  parts.push(RDB_VERSION & 0xff, RDB_VERSION >> 8);
  let crc = crc64(Uint8Array.from(parts));
  for (let i = 0; i < 8; i++) {
    parts.push(Number(crc & 0xffn));
    crc >>= 8n;
  }
  return Uint8Array.from(parts);
}

/** LZF decompression (Redis's lzf_d.c), for compressed RDB strings. */
function lzfDecompress(input: Uint8Array, outLen: number): Uint8Array | undefined {
  const out = new Uint8Array(outLen);
  let ip = 0, op = 0;
  while (ip < input.length) {
    let ctrl = input[ip++]!;
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > input.length) return undefined;
      out.set(input.subarray(ip, ip + ctrl), op);
      ip += ctrl;
      op += ctrl;
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (len === 7) len += input[ip++]!;
      ref -= input[ip++]!;
      len += 2;
      if (op + len > outLen || ref < 0) return undefined;
      for (let i = 0; i < len; i++) out[op++] = out[ref++]!;
    }
  }
  return op === outLen ? out : undefined;
}

/** The libraries' codes in a FUNCTION DUMP payload, or undefined when it is not one. */
export function restoreLibraries(payload: Uint8Array): Uint8Array[] | undefined {
  if (payload.length < 10) return undefined;
  const body = payload.subarray(0, payload.length - 8);
  const version = body[body.length - 2]! | (body[body.length - 1]! << 8);
  let crc = 0n;
  for (let i = 7; i >= 0; i--) crc = (crc << 8n) | BigInt(payload[payload.length - 8 + i]!);
  if (version > RDB_VERSION || crc64(body) !== crc) return undefined;
  const data = body.subarray(0, body.length - 2);
  let pos = 0;
  const length = (): { n: number; encoded: boolean } | undefined => {
    const b = data[pos++];
    if (b === undefined) return undefined;
    const type = b >> 6;
    if (type === 0) return { n: b & 0x3f, encoded: false };
    if (type === 1) return { n: ((b & 0x3f) << 8) | data[pos++]!, encoded: false };
    if (b === 0x80) {
      const n = new DataView(data.buffer, data.byteOffset + pos, 4).getUint32(0);
      pos += 4;
      return { n, encoded: false };
    }
    if (type === 3) return { n: b & 0x3f, encoded: true };
    return undefined;
  };
  const codes: Uint8Array[] = [];
  while (pos < data.length) {
    if (data[pos++] !== OPCODE_FUNCTION2) return undefined;
    const len = length();
    if (len === undefined) return undefined;
    if (!len.encoded) {
      codes.push(data.slice(pos, pos + len.n));
      pos += len.n;
    } else if (len.n === 3) {
      const clen = length(), ulen = length();
      if (clen === undefined || ulen === undefined) return undefined;
      const s = lzfDecompress(data.subarray(pos, pos + clen.n), ulen.n);
      if (s === undefined) return undefined;
      codes.push(s);
      pos += clen.n;
    } else return undefined;
  }
  return codes;
}
