// The command table: every command family's list of commands, in COMMAND's order, gathered into
// one map from lowercase name to command. A new family is one import and one line here.

import type { Command } from "../commands/types.ts";
import { CONNECTION_COMMANDS } from "../commands/connection.ts";
import { CLIENT_COMMANDS } from "../commands/client_command.ts";
import { COUNTER_COMMANDS } from "../commands/counters.ts";
import { EXPIRE_COMMANDS } from "../commands/expire.ts";
import { KEY_COMMANDS } from "../commands/keys.ts";
import { SCAN_COMMANDS } from "../commands/scan.ts";
import { DATABASE_COMMANDS } from "../commands/databases.ts";
import { PUBSUB_COMMANDS } from "../commands/pubsub.ts";
import { COMMAND_COMMANDS } from "../commands/command_info.ts";
import { CONFIG_COMMANDS } from "../commands/config.ts";
import { INFO_COMMANDS } from "../commands/info.ts";
import { SHUTDOWN_COMMANDS } from "../commands/shutdown.ts";
import { STRING_OP_COMMANDS } from "../commands/string_ops.ts";
import { STRING_COMMANDS } from "../commands/strings.ts";
import { SCRIPTING_COMMANDS } from "../commands/scripting.ts";
import { FUNCTION_COMMANDS } from "../commands/functions.ts";
import { TRANSACTION_COMMANDS } from "../commands/transactions.ts";
import { AUTH_COMMANDS } from "../commands/auth.ts";
import { HASH_COMMANDS } from "../commands/hashes.ts";
import { SET_COMMANDS } from "../commands/sets.ts";
import { SET_OP_COMMANDS } from "../commands/set_ops.ts";
import { SORT_COMMANDS } from "../commands/sort.ts";
import { LIST_COMMANDS } from "../commands/lists.ts";
import { LIST_EDIT_COMMANDS } from "../commands/list_edit.ts";
import { BLOCKING_COMMANDS } from "../commands/blocking.ts";
import { MEMORY_COMMANDS } from "../commands/memory.ts";
import { OBJECT_COMMANDS } from "../commands/object.ts";
import { ZSET_COMMANDS } from "../commands/zsets.ts";
import { ZSET_RANGE_COMMANDS } from "../commands/zset_range.ts";
import { ZSET_OP_COMMANDS } from "../commands/zset_ops.ts";
import { ZSET_POP_COMMANDS } from "../commands/zset_pop.ts";
import { STREAM_COMMANDS } from "../commands/streams.ts";
import { STREAM_READ_COMMANDS } from "../commands/stream_read.ts";
import { STREAM_GROUP_COMMANDS } from "../commands/stream_groups.ts";
import { STREAM_CLAIM_COMMANDS } from "../commands/stream_claim.ts";
import { STREAM_INFO_COMMANDS } from "../commands/stream_info.ts";

/** Every command family, in COMMAND's order. */
export const FAMILIES: readonly (readonly Command[])[] = [
  CONNECTION_COMMANDS,
  CLIENT_COMMANDS,
  STRING_COMMANDS,
  STRING_OP_COMMANDS,
  COUNTER_COMMANDS,
  KEY_COMMANDS,
  SCAN_COMMANDS,
  DATABASE_COMMANDS,
  EXPIRE_COMMANDS,
  PUBSUB_COMMANDS,
  COMMAND_COMMANDS,
  CONFIG_COMMANDS,
  INFO_COMMANDS,
  SHUTDOWN_COMMANDS,
  TRANSACTION_COMMANDS,
  AUTH_COMMANDS,
  HASH_COMMANDS,
  SET_COMMANDS,
  SET_OP_COMMANDS,
  SORT_COMMANDS,
  LIST_COMMANDS,
  LIST_EDIT_COMMANDS,
  BLOCKING_COMMANDS,
  ZSET_COMMANDS,
  ZSET_RANGE_COMMANDS,
  ZSET_OP_COMMANDS,
  ZSET_POP_COMMANDS,
  MEMORY_COMMANDS,
  OBJECT_COMMANDS,
  STREAM_COMMANDS,
  STREAM_READ_COMMANDS,
  STREAM_GROUP_COMMANDS,
  STREAM_CLAIM_COMMANDS,
  STREAM_INFO_COMMANDS,
  SCRIPTING_COMMANDS,
  FUNCTION_COMMANDS,
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
