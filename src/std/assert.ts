// Typed door to @std/assert for the tests: the npm build we map it to ships no types.

import * as a from "@std/assert";

/** Fails unless `actual` deep-equals `expected`. */
export const assertEquals: <T>(actual: T, expected: T, msg?: string) => void = a.assertEquals;
/** Fails if `actual` deep-equals `expected`. */
export const assertNotEquals: <T>(actual: T, expected: T, msg?: string) => void = a.assertNotEquals;
/** Fails unless `expr` is truthy. */
export const assert: (expr: unknown, msg?: string) => asserts expr = a.assert;
/** Fails unless `actual` matches `expected`. */
export const assertMatch: (actual: string, expected: RegExp, msg?: string) => void = a.assertMatch;
/** Fails unless `actual` contains `expected`. */
export const assertStringIncludes: (actual: string, expected: string, msg?: string) => void =
  a.assertStringIncludes;
/** Fails unless `actual` < `expected`. */
export const assertLess: <T>(actual: T, expected: T, msg?: string) => void = a.assertLess;
/** Fails unless `actual` > `expected`. */
export const assertGreater: <T>(actual: T, expected: T, msg?: string) => void = a.assertGreater;
/** Fails unless `fn` rejects (optionally with an error of class `cls` whose message includes `msgIncludes`). */
export const assertRejects: (
  fn: () => PromiseLike<unknown>,
  // deno-lint-ignore no-explicit-any
  cls?: new (...args: any[]) => Error,
  msgIncludes?: string,
) => Promise<Error> = a.assertRejects;
/** Fails unless `fn` throws. */
export const assertThrows: (
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  cls?: new (...args: any[]) => Error,
  msgIncludes?: string,
) => Error = a.assertThrows;
/** Fails with `msg`. */
export const fail: (msg?: string) => never = a.fail;
