// Typed door to @std/bytes: the npm build we map it to ships no types.

import * as bytes from "@std/bytes";

/** Concatenates byte arrays into a new one. */
export const concat: (bufs: Uint8Array[]) => Uint8Array = bytes.concat;

/** Index of `needle` in `source` at or after `start`, or -1. */
export const indexOfNeedle: (
  source: Uint8Array,
  needle: Uint8Array,
  start?: number,
) => number = bytes.indexOfNeedle;

/** Whether two byte arrays hold the same bytes. */
export const equals: (a: Uint8Array, b: Uint8Array) => boolean = bytes.equals;

/** Whether `source` starts with `prefix`. */
export const startsWith: (source: Uint8Array, prefix: Uint8Array) => boolean = bytes.startsWith;
