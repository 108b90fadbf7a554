// Encoding lines into shared slabs rather than one small buffer each: one allocation per MiB of
// chat instead of one per line, and lines encoded one after another lie back to back, so a
// subscriber's pending lines are usually one view of one slab and go out without copying. A slab
// is never written twice, so bytes handed out never change; it is freed once nothing refers to it.

const encoder = new TextEncoder();

/** Size of one slab. */
export const SLAB_BYTES = 1024 * 1024;
/** Lines that may take more than this (UTF-8 worst case) get a buffer of their own. */
export const SLAB_LINE_MAX = 4 * 1024;

/** Encodes lines (text + CRLF) into slabs, in order. */
export class SlabEncoder {
  #slab = new Uint8Array(0);
  #used = 0;

  #room(most: number): number {
    if (this.#used + most > this.#slab.length) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#used = 0;
    }
    return this.#used;
  }

  /** Lets go of the current slab; the next line starts a new one. */
  release(): void {
    this.#slab = new Uint8Array(0);
    this.#used = 0;
  }

  /** `text` + CRLF as UTF-8; short lines go into the current slab, right after the last one. */
  line(text: string): Uint8Array {
    const most = text.length * 3 + 2;
    if (most > SLAB_LINE_MAX) return encoder.encode(text + "\r\n");
    const start = this.#room(most);
    const slab = this.#slab;
    let end = start;
    // ASCII, the usual chat line, is copied char by char; anything else goes to the encoder.
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        end = start + encoder.encodeInto(text, slab.subarray(start)).written;
        break;
      }
      slab[end++] = c;
    }
    slab[end] = 13;
    slab[end + 1] = 10;
    this.#used = end + 2;
    return slab.subarray(start, this.#used);
  }

  /** A copy of `bytes` in the current slab (or `bytes` itself when long). */
  copy(bytes: Uint8Array): Uint8Array {
    if (bytes.length > SLAB_LINE_MAX) return bytes;
    const start = this.#room(bytes.length);
    this.#slab.set(bytes, start);
    this.#used = start + bytes.length;
    return this.#slab.subarray(start, this.#used);
  }
}
