// COMMAND DOCS's texts live in src/redis/commands/docs/command_docs.json, and key specs and tips
// in key_specs.json, apart from the table: every command and subcommand in the table has its docs
// entry, and no entry of either file names a command that is not there.

import { assertEquals } from "@std/assert";
import { buildCommandTable, FAMILIES } from "../src/redis/server/command_table.ts";
import { TEST_COMMANDS } from "../src/redis/commands/testing.ts";
import { docsOf, keySpecNames } from "../src/redis/commands/docs.ts";
import table from "../src/redis/commands/docs/command_docs.json" with { type: "json" };

Deno.test("every command in the table has COMMAND DOCS, and every entry has a command", () => {
  const names: string[] = [];
  // TOKSERVER is in the table of a server started with --enable-test-commands yes.
  for (const cmd of buildCommandTable([...FAMILIES, TEST_COMMANDS]).values()) {
    names.push(cmd.name);
    for (const sub of cmd.subcommands ?? []) names.push(sub.name);
  }
  assertEquals(names.filter((n) => docsOf(n) === undefined), []);
  assertEquals(Object.keys(table).filter((n) => !names.includes(n)), []);
  assertEquals(keySpecNames().filter((n) => !names.includes(n)), []);
});
