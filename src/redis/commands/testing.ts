// TOKSERVER: what a test in any language needs to drive a tokserver it runs as a stand-in for
// Redis: move the clock expiry follows, arm faults, seed the random picks. The command table has
// it only when the server was started with --enable-test-commands yes (elsewhere it is an unknown
// command), so a server run for real cannot be made to jump in time. docs/testing.md has the syntax.

import type { Command, Session } from "./types.ts";
import { Err, helpReply } from "./replies.ts";
import { lowerName } from "./args.ts";
import { parseInteger } from "../../resp/integer.ts";
import type { FaultKind } from "../store/faults.ts";

const decoder = new TextDecoder();

/** A non-negative integer argument, or undefined after replying with Redis's error. */
function count(c: Session, arg: Uint8Array | undefined): number | undefined {
  const n = arg === undefined ? undefined : parseInteger(arg);
  if (n === undefined || n < 0) {
    c.out.error(Err.notInteger);
    return undefined;
  }
  return n;
}

/** TOKSERVER CLOCK GET|FREEZE|RESUME|RESET|ADVANCE ms|SET ms. */
function clock(c: Session, args: Uint8Array[]): void {
  const clock = c.server.clock, op = lowerName(args[2]!);
  if (args.length === 3) {
    if (op === "get") return void c.out.integer(clock.now());
    if (op === "freeze") clock.freeze();
    else if (op === "resume") clock.resume();
    else if (op === "reset") clock.reset();
    else return void c.out.error(Err.syntax);
    return void c.out.simple("OK");
  }
  if (args.length !== 4 || (op !== "advance" && op !== "set")) return void c.out.error(Err.syntax);
  const ms = count(c, args[3]);
  if (ms === undefined) return;
  if (op === "advance") clock.advance(ms);
  else clock.set(ms);
  c.out.simple("OK");
}

/**
 * TOKSERVER FAULT ERROR cmd message [COUNT n] | DELAY cmd ms [COUNT n] | DROP cmd [COUNT n] |
 * REFUSE n | CLOSE-AFTER n | CLEAR.
 */
function fault(c: Session, args: Uint8Array[]): void {
  const faults = c.server.faults, op = lowerName(args[2]!);
  if (op === "clear" && args.length === 3) {
    faults.clear();
    return void c.out.simple("OK");
  }
  if ((op === "refuse" || op === "close-after") && args.length === 4) {
    const n = count(c, args[3]);
    if (n === undefined) return;
    if (op === "refuse") faults.refuseConnections(n);
    else faults.closeAfterReplies(n);
    return void c.out.simple("OK");
  }
  const kind = op as FaultKind;
  const fixed = kind === "drop" ? 4 : kind === "error" || kind === "delay" ? 5 : 0;
  if (fixed === 0 || (args.length !== fixed && args.length !== fixed + 2)) {
    return void c.out.error(Err.syntax);
  }
  let times = Infinity;
  if (args.length === fixed + 2) {
    if (lowerName(args[fixed]!) !== "count") return void c.out.error(Err.syntax);
    const n = count(c, args[fixed + 1]);
    if (n === undefined) return;
    times = n;
  }
  const command = lowerName(args[3]!);
  if (kind === "error") {
    faults.add({ command, kind, times, message: decoder.decode(args[4]!).replace(/[\r\n]/g, " ") });
  } else if (kind === "delay") {
    const ms = count(c, args[4]);
    if (ms === undefined) return;
    faults.add({ command, kind, times, ms });
  } else {
    faults.add({ command, kind, times });
  }
  c.out.simple("OK");
}

const HELP = [
  "TOKSERVER <subcommand> [<arg> ...]. Subcommands are (docs/testing.md):",
  "CLOCK GET|FREEZE|RESUME|RESET",
  "    Show the time in ms, stop the clock, let it run on, or go back to the wall clock.",
  "CLOCK ADVANCE <ms> | CLOCK SET <unix-time-ms>",
  "    Move the clock expiry, TTL and TIME follow; expired keys are removed at once.",
  "FAULT ERROR <command> <message> [COUNT <n>]",
  "    Reply to <command> with the error <message> instead of running it.",
  "FAULT DELAY <command> <ms> [COUNT <n>] | FAULT DROP <command> [COUNT <n>]",
  "    Run <command>, then hold its reply <ms> milliseconds, or never send it.",
  "FAULT REFUSE <n> | FAULT CLOSE-AFTER <n> | FAULT CLEAR",
  "    Close the next <n> connections at once; close the connection that gets the <n>th reply",
  "    from now after it; disarm every fault.",
  "SEED <n>",
  "    Start the random picks (RANDOMKEY) over from seed <n>.",
  "HELP",
  "    Prints this help.",
];

const FLAGS = ["admin", "noscript", "loading", "stale"] as const;
const ACL = ["@admin", "@slow", "@dangerous"];

/** TOKSERVER and its subcommands (served only with --enable-test-commands yes). */
export const TEST_COMMANDS: readonly Command[] = [
  {
    name: "tokserver",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    subcommands: [
      { name: "tokserver|clock", arity: -3, flags: FLAGS, acl: ACL, handler: clock },
      { name: "tokserver|fault", arity: -3, flags: FLAGS, acl: ACL, handler: fault },
      {
        name: "tokserver|seed",
        arity: 3,
        flags: FLAGS,
        acl: ACL,
        handler: (c, args) => {
          const n = parseInteger(args[2]!);
          if (n === undefined || n < 0 || n > 0xffffffff) return void c.out.error(Err.notInteger);
          c.server.random.seed(n);
          c.out.simple("OK");
        },
      },
      {
        name: "tokserver|help",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@slow"],
        handler: (c) => helpReply(c, HELP),
      },
    ],
  },
];
