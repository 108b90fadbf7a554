// The byte window both parsers read from: bytes arrive at the end, parsing consumes from the
// front, and room is made by moving the live bytes to the start or by growing for the bytes that
// are here (never for a length merely announced). Large buffers are dropped once empty, so idle
// connections stay small.

/** Buffers larger than this are dropped once empty. */
export const SHRINK_OVER = 64 * 1024;
/** A shared empty buffer. */
export const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Unparsed input: `buf[pos..end)` holds the bytes received and not yet consumed.
 *
 * @example
 * ```ts
 * import { InputBuffer } from "./input_buffer.ts";
 * const input = new InputBuffer();
 * input.reserve(3).set([1, 2, 3]);
 * input.end += 3;
 * ```
 */
export class InputBuffer {
  buf: Uint8Array = EMPTY;
  pos = 0;
  end = 0;

  /** Bytes buffered and not yet consumed. */
  get buffered(): number {
    return this.end - this.pos;
  }

  /**
   * A writable view of at least `min` free bytes after the live ones (valid until the next
   * reserve or shrink); add the count written to `end`.
   */
  reserve(min: number): Uint8Array {
    let buf = this.buf;
    if (this.pos === this.end) {
      this.pos = this.end = 0;
      // A large buffer is dropped once empty, unless reads are still about as large (a client
      // sending big values would otherwise get a fresh buffer, grown again, for each).
      if (buf.length > SHRINK_OVER && buf.length > min * 4) buf = this.buf = new Uint8Array(min);
    }
    if (buf.length - this.end < min) {
      const live = this.end - this.pos;
      if (this.pos > 0 && buf.length - live >= min && live <= buf.length >> 1) {
        buf.copyWithin(0, this.pos, this.end);
      } else {
        let size = buf.length === 0 ? min : Math.max(buf.length * 2, 256);
        while (size - live < min) size *= 2;
        const next = new Uint8Array(size);
        next.set(buf.subarray(this.pos, this.end));
        buf = this.buf = next;
      }
      this.pos = 0;
      this.end = live;
    }
    // An empty buffer is handed out whole: no view object held by an idle connection's read.
    return this.end === 0 ? buf : buf.subarray(this.end);
  }

  /** Drops the buffer when it is empty and larger than `over` bytes (an idle connection). */
  shrink(over = 0): void {
    if (this.pos === this.end && this.buf.length > over) {
      this.buf = EMPTY;
      this.pos = this.end = 0;
    }
  }
}
