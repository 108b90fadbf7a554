// Typed door to @std/streams: the npm build we map it to ships no types.

import * as streams from "@std/streams";

/** Options of {@linkcode TextLineStream}. */
export interface TextLineStreamOptions {
  /** Also split on a lone `\r`. */
  allowCR?: boolean;
}

/** Splits a text stream into lines, on `\n` or `\r\n` (std's TextLineStream). */
export const TextLineStream: new (
  options?: TextLineStreamOptions,
) => TransformStream<string, string> = streams.TextLineStream;
