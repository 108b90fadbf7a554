// The command table and the one place every command goes through: lookup (subcommands
// included), the unknown-command and arity errors with Redis's exact texts, the AUTH and pub/sub
// context checks, queuing inside MULTI, then call.ts (the handler, and propagation of dataset
// changes through the server's one hook). Command families register here by exporting a list of
// commands.

import { type Client, type Command, cString, Err, isWord, lowerName } from "./types.ts";
import { CONNECTION_COMMANDS } from "./connection.ts";
import { COUNTER_COMMANDS } from "./counters.ts";
import { EXPIRE_COMMANDS } from "./expire.ts";
import { KEY_COMMANDS } from "./keys.ts";
import { KEYSPACE_COMMANDS } from "./keyspace.ts";
import { PUBSUB_COMMANDS } from "./pubsub.ts";
import { SERVER_COMMANDS } from "./server.ts";
import { SHUTDOWN_COMMANDS } from "./shutdown.ts";
import { STRING_OP_COMMANDS } from "./string_ops.ts";
import { STRING_COMMANDS } from "./strings.ts";
import { queueCommand, rejection, TRANSACTION_COMMANDS } from "./transactions.ts";
import { AUTH_COMMANDS, NOAUTH } from "./auth.ts";
import { call } from "./call.ts";

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

/** Redis's reply to a command it does not know. */
export function unknownCommandError(args: Uint8Array[]): string {
  let rest = "";
  for (let i = 1; i < args.length && rest.length < 128; i++) {
    rest += `'${cString(args[i]!, 128 - rest.length)}' `;
  }
  return `ERR unknown command '${cString(args[0]!)}', with args beginning with: ${rest}`;
}

/** Redis turns CR and LF in rejection texts into spaces. */
function oneLine(s: string): string {
  return s.indexOf("\r") === -1 && s.indexOf("\n") === -1 ? s : s.replace(/[\r\n]/g, " ");
}

/** Finds commands by the name bytes as sent, remembering recent spellings without strings. */
export class CommandLookup {
  readonly table: Map<string, Command>;
  // A small direct-mapped cache: slot by a hash of the bytes, checked byte by byte.
  readonly #names: (Uint8Array | undefined)[] = new Array(256).fill(undefined);
  readonly #cmds: (Command | undefined)[] = new Array(256).fill(undefined);

  constructor(table: Map<string, Command>) {
    this.table = table;
  }

  /** The command named by `name` (any case), or undefined. */
  find(name: Uint8Array): Command | undefined {
    const n = name.length;
    if (n === 0 || n > 24) return this.table.get(lowerName(name));
    let h = n;
    for (let i = 0; i < n; i++) h = (h * 31 + name[i]!) | 0;
    const slot = h & 255;
    const known = this.#names[slot];
    if (known !== undefined && known.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (known[i] !== name[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.#cmds[slot];
    }
    const cmd = this.table.get(lowerName(name));
    if (cmd !== undefined) {
      this.#names[slot] = name.slice();
      this.#cmds[slot] = cmd;
    }
    return cmd;
  }
}

/**
 * Runs one command for `c`: what Redis's processCommand and call() do for a client that has
 * passed the protocol layer. The reply goes to `c.out`.
 */
export function execute(c: Client, args: Uint8Array[], lookup: CommandLookup): void {
  const server = c.server;
  server.stats.commandsProcessed++;
  const name = args[0]!;
  // QUIT is handled before the table, as Redis 7.0 does: any arguments, any context.
  if (isWord(name, "quit")) {
    c.lastCommand = "quit";
    c.out.simple("OK");
    c.closeAfterReply = true;
    return;
  }
  let cmd = lookup.find(name);
  if (cmd === undefined) {
    reject(c, oneLine(unknownCommandError(args)));
    return;
  }
  if (cmd.subcommands !== undefined && args.length >= 2) {
    const subName = `${cmd.name}|${lowerName(args[1]!)}`;
    const sub = cmd.subcommands.find((s) => s.name === subName);
    if (sub === undefined) {
      reject(c, oneLine(Err.unknownSubcommand(cString(args[1]!), cString(name))));
      return;
    }
    cmd = sub;
  }
  const arity = cmd.arity;
  if ((arity > 0 && arity !== args.length) || args.length < -arity) {
    reject(c, Err.arity(cmd.name), cmd);
    return;
  }
  if (!c.authenticated && !cmd.flags.includes("no_auth")) {
    reject(c, NOAUTH, cmd);
    return;
  }
  // As Redis: while the append-only file cannot be written, writes (and PING, which clients use
  // to check health) are refused, so nothing is acknowledged that may not be kept.
  const aof = server.persistence.aof;
  if (aof !== undefined && !aof.lastWriteOk && deniedOnDiskError(c, cmd)) {
    reject(c, `MISCONF Errors writing to the AOF file: ${aof.lastWriteError}`, cmd);
    return;
  }
  if (
    (c.channels.size > 0 || c.patterns.size > 0) && c.resp === 2 &&
    !cmd.flags.includes("pubsub_context")
  ) {
    reject(
      c,
      `ERR Can't execute '${cmd.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      cmd,
    );
    return;
  }
  // Inside MULTI, commands are queued (transactions.ts).
  if (c.tx?.queue !== undefined && queueCommand(c, cmd, args)) return;
  call(c, cmd, args);
}

/** A write command, PING, or an EXEC with a write queued: what a disk error refuses. */
function deniedOnDiskError(c: Client, cmd: Command): boolean {
  if (cmd.flags.includes("write") || cmd.name === "ping") return true;
  return cmd.name === "exec" && c.tx?.queue?.some((q) => q.cmd.flags.includes("write")) === true;
}

function reject(c: Client, msg: string, cmd?: Command): void {
  c.server.stats.errorReplies++;
  // Inside MULTI a rejection fails the transaction; a rejected EXEC ends it.
  c.out.error(c.tx === undefined && cmd?.name !== "exec" ? msg : rejection(c, msg, cmd));
}
