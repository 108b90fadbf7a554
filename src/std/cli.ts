// Typed door to @std/cli's parseArgs: the npm build we map it to ships no types.

import { parseArgs as untypedParseArgs } from "@std/cli";

/** What parseArgs returns: flags by name, positional arguments in `_`, rest after `--` in `--`. */
export interface ParsedArgs {
  _: Array<string | number>;
  "--"?: string[];
  [flag: string]: unknown;
}

/** Options of parseArgs (the subset tokserver uses). */
export interface ParseOptions {
  string?: string[];
  boolean?: string[];
  alias?: Record<string, string | string[]>;
  default?: Record<string, unknown>;
  stopEarly?: boolean;
  "--"?: boolean;
  /** Called for each unknown flag; return false to leave it out. */
  unknown?: (arg: string, key?: string, value?: unknown) => unknown;
}

/** Parses command-line arguments (std's parseArgs). */
export const parseArgs: (args: string[], options?: ParseOptions) => ParsedArgs = untypedParseArgs;
