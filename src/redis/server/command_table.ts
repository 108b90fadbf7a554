// The command table: every command family's list of commands, in COMMAND's order, gathered into
// one map from lowercase name to command. A new family is one import and one line here.

import type { Command } from "../commands/types.ts";
import { CONNECTION_COMMANDS } from "../commands/connection.ts";
import { COUNTER_COMMANDS } from "../commands/counters.ts";
import { EXPIRE_COMMANDS } from "../commands/expire.ts";
import { KEY_COMMANDS } from "../commands/keys.ts";
import { KEYSPACE_COMMANDS } from "../commands/keyspace.ts";
import { PUBSUB_COMMANDS } from "../commands/pubsub.ts";
import { SERVER_COMMANDS } from "../commands/server.ts";
import { SHUTDOWN_COMMANDS } from "../commands/shutdown.ts";
import { STRING_OP_COMMANDS } from "../commands/string_ops.ts";
import { STRING_COMMANDS } from "../commands/strings.ts";
import { TRANSACTION_COMMANDS } from "../commands/transactions.ts";
import { AUTH_COMMANDS } from "../commands/auth.ts";

/** Every command family, in COMMAND's order. */
export const FAMILIES: readonly (readonly Command[])[] = [
  CONNECTION_COMMANDS,
  STRING_COMMANDS,
  STRING_OP_COMMANDS,
  COUNTER_COMMANDS,
  KEYSPACE_COMMANDS,
  KEY_COMMANDS,
  EXPIRE_COMMANDS,
  PUBSUB_COMMANDS,
  SERVER_COMMANDS,
  SHUTDOWN_COMMANDS,
  TRANSACTION_COMMANDS,
  AUTH_COMMANDS,
];

/** Builds the command table (lowercase name to command) from `families`. */
export function buildCommandTable(
  families: readonly (readonly Command[])[] = FAMILIES,
): Map<string, Command> {
  const table = new Map<string, Command>();
  for (const family of families) {
    for (const cmd of family) {
      if (table.has(cmd.name)) throw new Error(`command ${cmd.name} registered twice`);
      table.set(cmd.name, cmd);
    }
  }
  return table;
}
