// Published frames a connection sends as they are, without copying them into its own output:
// ranges of the pub/sub slabs (store/pubsub.ts), whose bytes are never written again. A fan-out
// to a thousand idle subscribers then costs a thousand writes of the same bytes, no memcpy.

/**
 * Slab ranges a connection keeps pending before it copies published frames instead (a new range
 * starts only with a new slab, so this many slabs).
 */
const MAX_RANGES = 32;

/**
 * The published frames pending ahead of a connection's RespWriter. The last range grows while
 * frames follow on in the same slab; a frame that does not is refused (the caller copies it).
 */
export class SlabOutput {
  #slab: ArrayBufferLike | undefined;
  #at = 0;
  #open = 0;
  #ranges: Uint8Array[] | undefined;
  /** Bytes pending in every range. */
  length = 0;

  /** Adds a frame (a view of a slab); false when it must be copied instead. */
  add(frame: Uint8Array): boolean {
    const n = frame.length;
    if (frame.buffer === this.#slab && frame.byteOffset === this.#at + this.#open) {
      this.#open += n;
    } else if (this.#slab === undefined || (frame.byteOffset === 0 && this.#close())) {
      this.#slab = frame.buffer;
      this.#at = frame.byteOffset;
      this.#open = n;
    } else {
      return false;
    }
    this.length += n;
    return true;
  }

  /** Ends the open range so that another can start; false when too many are pending. */
  #close(): boolean {
    const ranges = this.#ranges ??= [];
    if (ranges.length >= MAX_RANGES) return false;
    ranges.push(new Uint8Array(this.#slab!, this.#at, this.#open));
    this.#slab = undefined;
    this.#open = 0;
    return true;
  }

  /** The first pending range, taken off (only while `length` > 0). */
  take(): Uint8Array {
    const ranges = this.#ranges;
    let chunk: Uint8Array;
    if (ranges !== undefined && ranges.length > 0) {
      chunk = ranges.shift()!;
    } else {
      chunk = new Uint8Array(this.#slab!, this.#at, this.#open);
      this.#slab = undefined;
      this.#open = 0;
    }
    this.length -= chunk.length;
    return chunk;
  }

  /** Drops everything pending. */
  clear(): void {
    this.#slab = this.#ranges = undefined;
    this.#open = this.length = 0;
  }
}
