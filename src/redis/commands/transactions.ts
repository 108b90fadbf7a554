// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, and the hooks the dispatcher
// (server/dispatch.ts) calls for a client inside MULTI: queue a command and answer +QUEUED, or fail
// the transaction when a command is rejected while queuing (EXEC then answers EXECABORT).
// Semantics, replies and error texts are Redis 7.0's.
//
// EXEC runs the queued commands back to back with Redis's call() (call.ts) and collects what they
// propagate (expired keys' DELs included); more than one change goes out wrapped in MULTI ... EXEC,
// a single one alone, as Redis writes its append-only file.

import { keyOf } from "../store/db.ts";
import { expiredSinceWatch, unwatchAll, watchesOf } from "../store/watch.ts";
import { call, propagateAtomically } from "./call.ts";
import type { Command, Session, Transaction } from "./types.ts";

/** Commands that run at once inside MULTI instead of being queued (QUIT never reaches here). */
const NOT_QUEUED: ReadonlySet<string> = new Set(["exec", "discard", "multi", "watch", "reset"]);

function stateOf(c: Session): Transaction {
  return c.tx ??= { queue: undefined, failed: false, touched: false, watched: undefined };
}

/**
 * For a client inside MULTI: queues `cmd` and answers +QUEUED, or answers a command not allowed
 * in a transaction. Returns false for the commands that run at once (EXEC, DISCARD, MULTI,
 * WATCH, RESET). Call only when `c.tx?.queue` is defined, after the command passed the checks.
 */
export function queueCommand(c: Session, cmd: Command, args: Uint8Array[]): boolean {
  const tx = c.tx!;
  if (NOT_QUEUED.has(cmd.name)) return false;
  if (cmd.flags.includes("no_multi")) {
    tx.failed = true;
    c.server.stats.errorReplies++;
    c.out.error("ERR Command not allowed inside a transaction");
    return true;
  }
  // The arguments are views into the read buffer: the queue keeps copies.
  const copy = new Array<Uint8Array>(args.length);
  for (let i = 0; i < args.length; i++) copy[i] = args[i]!.slice();
  tx.queue!.push({ cmd, args: copy });
  c.lastCommand = cmd.name;
  c.out.simple("QUEUED");
  return true;
}

/**
 * What Redis's rejectCommand adds for transactions, given the error a command is rejected with
 * (unknown command, arity, NOAUTH, ...): inside MULTI the transaction is marked failed; a rejected
 * EXEC ends the transaction and answers EXECABORT with the reason. Returns the error to reply.
 */
export function rejection(c: Session, msg: string, cmd: Command | undefined): string {
  const tx = c.tx;
  if (tx !== undefined && tx.queue !== undefined) tx.failed = true;
  if (cmd === undefined || cmd.name !== "exec") return msg;
  discardTransaction(c);
  // Redis formats the reason without the ERR code its formatted errors get (shared replies such
  // as NOAUTH keep theirs).
  const reason = msg.startsWith("ERR ") ? msg.slice(4) : msg;
  return `EXECABORT Transaction discarded because of: ${reason}`;
}

/** Ends MULTI (dropping the queue) and forgets watched keys: DISCARD, RESET, a closed client. */
export function discardTransaction(c: Session): void {
  const tx = c.tx;
  if (tx === undefined) return;
  tx.queue = undefined;
  tx.failed = false;
  tx.touched = false;
  unwatchAll(tx);
}

function multi(c: Session): void {
  const tx = stateOf(c);
  if (tx.queue !== undefined) {
    c.out.error("ERR MULTI calls can not be nested");
    return;
  }
  tx.queue = [];
  c.out.simple("OK");
}

function discard(c: Session): void {
  if (c.tx?.queue === undefined) {
    c.out.error("ERR DISCARD without MULTI");
    return;
  }
  discardTransaction(c);
  c.out.simple("OK");
}

function exec(c: Session): void {
  const tx = c.tx;
  const queue = tx?.queue;
  if (tx === undefined || queue === undefined) {
    c.out.error("ERR EXEC without MULTI");
    return;
  }
  const server = c.server;
  if (!tx.touched && expiredSinceWatch(tx)) tx.touched = true;
  if (tx.failed || tx.touched) {
    if (tx.failed) c.out.error("EXECABORT Transaction discarded because of previous errors.");
    else c.out.nullArray();
    discardTransaction(c);
    return;
  }
  // Unwatch before running: the transaction's own writes must not touch its watches.
  discardTransaction(c);
  const changes: [args: Uint8Array[], db: number][] = [];
  const outer = server.propagateBatch;
  server.propagateBatch = changes;
  c.out.arrayHeader(queue.length);
  try {
    // Each queued command was counted in INFO's total_commands_processed when it was queued.
    for (const q of queue) call(c, q.cmd, q.args);
  } finally {
    server.propagateBatch = outer;
  }
  propagateAtomically(server, changes);
}

function watch(c: Session, args: Uint8Array[]): void {
  const tx = stateOf(c);
  if (tx.queue !== undefined) {
    c.out.error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  const watches = watchesOf(c.keyspace);
  for (let i = 1; i < args.length; i++) watches.watch(tx, keyOf(args[i]!));
  c.out.simple("OK");
}

function unwatch(c: Session): void {
  const tx = c.tx;
  if (tx !== undefined) {
    unwatchAll(tx);
    tx.touched = false;
  }
  c.out.simple("OK");
}

const TX_ACL = ["@fast", "@transaction"] as const;

/** The transaction command family. */
export const TRANSACTION_COMMANDS: readonly Command[] = [
  {
    name: "multi",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
    handler: multi,
    acl: TX_ACL,
  },
  {
    name: "exec",
    arity: 1,
    flags: ["noscript", "loading", "stale", "skip_slowlog"],
    handler: exec,
    acl: ["@slow", "@transaction"],
  },
  {
    name: "discard",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
    handler: discard,
    acl: TX_ACL,
  },
  {
    name: "watch",
    arity: -2,
    flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
    keys: [1, -1, 1],
    handler: watch,
    acl: TX_ACL,
  },
  {
    name: "unwatch",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
    handler: unwatch,
    acl: TX_ACL,
  },
];
