// COMMAND DOCS's texts live in src/redis/commands/docs/command_docs.json, apart from the table:
// every command and subcommand in the table has its entry, and no entry names a command that is
// not there.

import { assertEquals } from "@std/assert";
import { buildCommandTable } from "../src/redis/server/command_table.ts";
import { docsOf } from "../src/redis/commands/docs.ts";
import table from "../src/redis/commands/docs/command_docs.json" with { type: "json" };

Deno.test("every command in the table has COMMAND DOCS, and every entry has a command", () => {
  const names: string[] = [];
  for (const cmd of buildCommandTable().values()) {
    names.push(cmd.name);
    for (const sub of cmd.subcommands ?? []) names.push(sub.name);
  }
  assertEquals(names.filter((n) => docsOf(n) === undefined), []);
  assertEquals(Object.keys(table).filter((n) => !names.includes(n)), []);
});
