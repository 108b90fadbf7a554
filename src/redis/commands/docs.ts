// COMMAND DOCS's texts (summary, since, group, complexity, arguments) are data, not code: they
// live in docs/command_docs.json, keyed by command name (subcommands as `container|sub`), as
// Redis keeps them in its commands/*.json. A command added to the table gets its entry there.

import table from "./docs/command_docs.json" with { type: "json" };

/** One argument in COMMAND DOCS. */
export interface ArgDoc {
  readonly name: string;
  type:
    | "string"
    | "integer"
    | "double"
    | "key"
    | "pattern"
    | "unix-time"
    | "pure-token"
    | "oneof"
    | "block";
  token?: string;
  optional?: boolean;
  multiple?: boolean;
  arguments?: readonly ArgDoc[];
}

/** One command's entry in COMMAND DOCS. */
export interface CommandDocs {
  readonly summary: string;
  readonly since: string;
  readonly group: string;
  readonly complexity?: string;
  readonly arguments?: readonly ArgDoc[];
}

const DOCS = table as unknown as Readonly<Record<string, CommandDocs>>;

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
