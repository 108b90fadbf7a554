// The one place every command goes through, for a client on a socket and for the append-only file
// alike: lookup (subcommands included), the unknown-command and arity errors with Redis's exact
// texts, the AUTH, disk-error, pub/sub context and busy-script checks, queuing inside MULTI, then
// call.ts (the handler, and propagation of dataset changes through the server's one hook).

import type { Command, CommandFinder, Session } from "../commands/types.ts";
import { cString, isWord, lowerName } from "../commands/args.ts";
import { Err } from "../commands/replies.ts";
import { queueCommand, rejection } from "../commands/transactions.ts";
import { NOAUTH } from "../commands/auth.ts";
import { call } from "../commands/call.ts";
import { afterCommand } from "../commands/tracking.ts";
import { busyRejection } from "../scripting/busy.ts";
import { isSharedName } from "../../resp/request_parser.ts";

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
export class CommandLookup implements CommandFinder {
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
    // The request parser hands over command names as shared copies: usually the same object.
    if (known === name) return this.#cmds[slot];
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
      this.#names[slot] = isSharedName(name) ? name : name.slice();
      this.#cmds[slot] = cmd;
    }
    return cmd;
  }
}

/**
 * Runs one command for `c`: what Redis's processCommand and call() do for a client that has
 * passed the protocol layer. The reply goes to `c.out`.
 */
export function execute(c: Session, args: Uint8Array[], lookup: CommandFinder): void {
  const tracking = c.server.tracking;
  tracking.current = c;
  run(c, args, lookup);
  tracking.current = undefined;
  afterCommand(c);
  // As Redis's handleClientsBlockedOnKeys: what the command (or its EXEC) pushed serves the
  // blocked clients now that it has finished.
  const blocked = c.server.blocked;
  if (blocked.pending) blocked.handle();
}

function run(c: Session, args: Uint8Array[], lookup: CommandFinder): void {
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
    c.subscribed && c.resp === 2 &&
    !cmd.flags.includes("pubsub_context")
  ) {
    reject(
      c,
      `ERR Can't execute '${cmd.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      cmd,
    );
    return;
  }
  // While a script runs past busy-reply-threshold, only a few commands may run (busy.ts).
  const busy = busyRejection(server, cmd, args);
  if (busy !== undefined) {
    reject(c, busy, cmd);
    return;
  }
  // Inside MULTI, commands are queued (transactions.ts).
  if (c.tx?.queue !== undefined && queueCommand(c, cmd, args)) return;
  call(c, cmd, args);
}

/** A write command, PING, or an EXEC with a write queued: what a disk error refuses. */
function deniedOnDiskError(c: Session, cmd: Command): boolean {
  if (cmd.flags.includes("write") || cmd.name === "ping") return true;
  return cmd.name === "exec" && c.tx?.queue?.some((q) => q.cmd.flags.includes("write")) === true;
}

function reject(c: Session, msg: string, cmd?: Command): void {
  c.server.stats.errorReplies++;
  // Inside MULTI a rejection fails the transaction; a rejected EXEC ends it.
  c.out.error(c.tx === undefined && cmd?.name !== "exec" ? msg : rejection(c, msg, cmd));
}
