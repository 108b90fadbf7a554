// Bytes the request parser hands to every command that sends them again (a hot key, a field, a
// small value): one object, never written to, so what is derived from its bytes once can be kept
// on it. The keyspace keeps the binary string it makes of them (store/stored.ts keyOf), which
// spares hashing and comparing the bytes for each command that names the same key again.

/**
 * Bytes shared between commands, with their binary string once it has been made.
 *
 * @example
 * ```ts
 * import { SharedBytes } from "./shared_bytes.ts";
 * const b = SharedBytes.copyOf(new Uint8Array([107, 49]), 0, 2);
 * b.text ??= String.fromCharCode(...b); // "k1", kept for the next user
 * ```
 */
export class SharedBytes extends Uint8Array {
  /** The bytes as a binary string (one char per byte), once someone has made it. */
  text: string | undefined = undefined;

  /** Copies and views made of shared bytes (`slice`, `subarray`) are plain `Uint8Array`s. */
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  /** A shared copy of `buf[start..start+len)`. */
  static copyOf(buf: Uint8Array, start: number, len: number): SharedBytes {
    const b = new SharedBytes(len);
    b.set(buf.subarray(start, start + len));
    return b;
  }
}
