// COMMAND DOCS's texts and COMMAND INFO's key specifications and tips are data, not code: they
// live in docs/command_docs.json and docs/key_specs.json, keyed by command name (subcommands as
// `container|sub`), taken from redis-server 7.0.15's own replies. A command added to the table
// gets its entries there. The JSON keeps Redis's field order; docs_reply.ts writes it back in
// Redis's reply types.

import table from "./docs/command_docs.json" with { type: "json" };
import specs from "./docs/key_specs.json" with { type: "json" };

/** A value of the docs data: text, integer, list or map (in Redis's field order). */
export type DocValue = string | number | readonly DocValue[] | { readonly [k: string]: DocValue };

/** One command's entry in COMMAND DOCS (without its subcommands, which come from the table). */
export interface CommandDocs {
  readonly summary: string;
  readonly since: string;
  readonly group: string;
  readonly [field: string]: DocValue;
}

/** A command's COMMAND INFO fields that are data: tips and key specifications. */
export interface KeySpecs {
  readonly tips?: readonly string[];
  readonly key_specs?: readonly { readonly [k: string]: DocValue }[];
}

const DOCS = table as unknown as Readonly<Record<string, CommandDocs>>;
const SPECS = specs as unknown as Readonly<Record<string, KeySpecs>>;
const NONE: KeySpecs = {};

/**
 * The documentation of the command named `name` (lowercase; `container|sub` for a subcommand).
 *
 * @example
 * ```ts
 * import { docsOf } from "./docs.ts";
 * docsOf("get")?.summary; // "Get the value of a key"
 * ```
 */
export function docsOf(name: string): CommandDocs | undefined {
  return Object.hasOwn(DOCS, name) ? DOCS[name] : undefined;
}

/** The tips and key specifications of the command named `name` (none when it has neither). */
export function keySpecsOf(name: string): KeySpecs {
  return Object.hasOwn(SPECS, name) ? SPECS[name]! : NONE;
}

/** Every name with key specs or tips in the data. */
export function keySpecNames(): string[] {
  return Object.keys(SPECS);
}
