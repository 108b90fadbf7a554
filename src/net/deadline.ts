// Bounding a wait: shutdown steps, goodbyes, backplane queries and health checks each give a
// promise a time limit. One helper does it, and clears its timer whichever way the race ends.

/** A wait passed its deadline; `message` says what was waited for. */
export class DeadlineError extends Error {
  override name = "DeadlineError";
}

/**
 * `p`'s value, or a {@linkcode DeadlineError} with `what` once `ms` have passed.
 *
 * @example
 * ```ts
 * import { withDeadline } from "./deadline.ts";
 * const v = await withDeadline(Promise.resolve(1), 100, "no answer");
 * ```
 */
export async function withDeadline<T>(p: Promise<T>, ms: number, what = "timed out"): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => t = setTimeout(() => reject(new DeadlineError(what)), ms)),
    ]);
  } finally {
    clearTimeout(t);
  }
}

/**
 * Waits for `p` to settle, at most `ms`; its value, its error and a timeout are all ignored.
 *
 * @example
 * ```ts
 * import { settleWithin } from "./deadline.ts";
 * await settleWithin(new Promise(() => {}), 10); // returns after 10 ms
 * ```
 */
export function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  return withDeadline(p, ms).then(() => {}, () => {});
}
