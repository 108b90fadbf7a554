// The blocking list pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, as Redis 7.0's t_list.c and
// blocked.c. A key that holds a list serves at once; otherwise the client blocks on its keys
// (store/blocking.ts) until a push serves it, its timeout passes or CLIENT UNBLOCK wakes it.
// Inside MULTI (or without a socket) the timeout reply comes at once. What a served pop did is
// propagated as LPOP/RPOP/LMOVE/RPOPLPUSH, never in its blocking form.

import { keyBytes, keyOf } from "../store/db.ts";
import type { Waiter } from "../store/blocking.ts";
import { bytes } from "./args.ts";
import { ceilMillis, parseLongDouble } from "../store/long_double.ts";
import type { Command, Session } from "./types.ts";
import { ListValue, writeOf } from "./collections.ts";
import { entry as listCmd } from "./entry.ts";
import {
  moveElement,
  type MpopArgs,
  mpopArgs,
  mpopFirst,
  popElements,
  replyElements,
  sideArg,
} from "./lists.ts";

const LPOP = bytes("LPOP"), RPOP = bytes("RPOP"), LMOVE = bytes("LMOVE");
const RPOPLPUSH = bytes("RPOPLPUSH"), LEFT = bytes("LEFT"), RIGHT = bytes("RIGHT");

/** CLIENT UNBLOCK ... ERROR's reply to the blocked client. */
export const UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

/** A timeout of a few whole seconds (1 to 9 digits) read without long double arithmetic. */
function plainSeconds(b: Uint8Array): number | undefined {
  if (b.length === 0 || b.length > 9) return undefined;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n;
}

/**
 * A timeout in seconds (decimals allowed, 0: forever) as a deadline on the server's clock (0:
 * none), or undefined after Redis's error reply. As Redis 7.0: read by strtold, times 1000 in
 * long double, rounded up to a millisecond, so "0.0001" waits 1 ms, "-0.0001" forever and "inf"
 * is "negative".
 */
export function deadlineArg(c: Session, b: Uint8Array): number | undefined {
  let ms = plainSeconds(b);
  if (ms !== undefined) ms *= 1000;
  else {
    const x = parseLongDouble(b);
    if (x === undefined || x.kind === "nan") {
      c.out.error("ERR timeout is not a float or out of range");
      return undefined;
    }
    const n = ceilMillis(x);
    if (n < 0n) {
      c.out.error("ERR timeout is negative");
      return undefined;
    }
    ms = Number(n);
  }
  return ms === 0 ? 0 : c.server.clock.now() + ms;
}

/** What a blocked pop does once a key serves it with a value of its kind. */
type Serve<T> = (c: Session, key: string, v: T) => void;

/** The kind of value a waiter pops from: a list or a sorted set. */
type PopKind<T> = new () => T;

class PopWaiter<T extends { size: number }> implements Waiter {
  readonly db: number;
  constructor(
    readonly c: Session,
    readonly keys: readonly string[],
    readonly deadline: number,
    readonly onServe: Serve<T>,
    readonly timeoutReply: (c: Session) => void,
    readonly kind: PopKind<T>,
  ) {
    this.db = c.db;
  }

  serve(key: string): boolean {
    const c = this.c;
    const v = c.keyspace.peekStored(key);
    if (!(v instanceof this.kind) || (v as T).size === 0) return false;
    // Found by a write lookup, as Redis's handleClientsBlockedOnKeys: the key counts as used.
    c.keyspace.touch(key, v);
    this.#done();
    this.onServe(c, key, v as T);
    return true;
  }

  expire(error?: string): void {
    this.#done();
    if (error === undefined) this.timeoutReply(this.c);
    else this.c.out.error(error);
  }

  resume(): void {
    this.c.resume();
  }

  #done(): void {
    this.c.blockedOn = undefined;
    this.c.server.blocked.remove(this);
  }
}

/**
 * Blocks `c` on `keys` until one holds a non-empty `kind` (a list unless given), or replies at
 * once when it may not block (inside MULTI): the timeout reply, or BLMOVE's null bulk string.
 */
export function block<T extends { size: number }>(
  c: Session,
  keys: Uint8Array[],
  deadline: number,
  onServe: Serve<T>,
  timeoutReply: (c: Session) => void,
  noBlockReply = timeoutReply,
  kind: PopKind<T> = ListValue as unknown as PopKind<T>,
): void {
  if (!c.canBlock || c.server.propagateBatch !== undefined || c.tx?.queue !== undefined) {
    noBlockReply(c);
    return;
  }
  const w = new PopWaiter<T>(c, keys.map(keyOf), deadline, onServe, timeoutReply, kind);
  c.blockedOn = w;
  c.server.blocked.add(w);
}

/** The timeout reply of the pops that answer a null array. */
export const nullArray = (c: Session) => c.out.nullArray();

/** BLPOP/BRPOP's reply and propagation for an element popped from `key`. */
function popOne(c: Session, key: string, l: ListValue, left: boolean): Uint8Array[] {
  const elem = popElements(c, key, l, left, 1)[0]!;
  c.out.arrayHeader(2);
  c.out.binary(key);
  c.out.binary(elem);
  return [left ? LPOP : RPOP, keyBytes(key)];
}

function bpop(c: Session, args: Uint8Array[], left: boolean): void {
  const deadline = deadlineArg(c, args[args.length - 1]!);
  if (deadline === undefined) return;
  const keys = args.slice(1, args.length - 1);
  for (const kb of keys) {
    const key = keyOf(kb);
    const l = writeOf(c, key, ListValue);
    if (l === null) return;
    if (l === undefined) continue;
    c.propagateAs = popOne(c, key, l, left);
    return;
  }
  block<ListValue>(c, keys, deadline, (c, key, l) => {
    c.server.propagate(popOne(c, key, l, left), c.db);
  }, nullArray);
}

/** The LMOVE (or RPOPLPUSH) that a move did, for propagation. */
function moveArgs(src: string, dst: string, from: boolean, to: boolean, rpoplpush: boolean) {
  if (rpoplpush) return [RPOPLPUSH, keyBytes(src), keyBytes(dst)];
  return [LMOVE, keyBytes(src), keyBytes(dst), from ? LEFT : RIGHT, to ? LEFT : RIGHT];
}

function bmove(
  c: Session,
  args: Uint8Array[],
  from: boolean,
  to: boolean,
  rpoplpush: boolean,
): void {
  const deadline = deadlineArg(c, args[args.length - 1]!);
  if (deadline === undefined) return;
  const src = keyOf(args[1]!), dst = keyOf(args[2]!);
  const l = writeOf(c, src, ListValue);
  if (l === null) return;
  if (l !== undefined) {
    const elem = moveElement(c, src, l, dst, from, to);
    if (elem === undefined) return;
    c.propagateAs = moveArgs(src, dst, from, to, rpoplpush);
    c.out.binary(elem);
    return;
  }
  block<ListValue>(
    c,
    [args[1]!],
    deadline,
    (c, key, l) => {
      const elem = moveElement(c, key, l, dst, from, to);
      if (elem === undefined) return;
      c.server.propagate(moveArgs(key, dst, from, to, rpoplpush), c.db);
      c.out.binary(elem);
    },
    nullArray,
    (c) => c.out.nullBulk(),
  );
}

function blmove(c: Session, args: Uint8Array[]): void {
  const from = sideArg(c, args[3]!);
  if (from === undefined) return;
  const to = sideArg(c, args[4]!);
  if (to !== undefined) bmove(c, args, from, to, false);
}

function blmpop(c: Session, args: Uint8Array[]): void {
  const deadline = deadlineArg(c, args[1]!);
  if (deadline === undefined) return;
  const p: MpopArgs | undefined = mpopArgs(c, args, 2);
  if (p === undefined) return;
  const found = mpopFirst(c, p);
  if (found !== false) return;
  block<ListValue>(c, p.keys, deadline, (c, key, l) => {
    const elems = popElements(c, key, l, p.left, p.count);
    c.out.arrayHeader(2);
    c.out.binary(key);
    replyElements(c, elems);
    c.server.propagate([p.left ? LPOP : RPOP, keyBytes(key), bytes(String(elems.length))], c.db);
  }, nullArray);
}

const W = ["@write", "@list", "@slow", "@blocking"];
const F: Command["flags"] = ["write", "noscript", "blocking"];

/** The blocking list commands. */
export const BLOCKING_COMMANDS: readonly Command[] = [
  listCmd("blpop", -3, F, W, (c, a) => bpop(c, a, true), [1, -2, 1]),
  listCmd("brpop", -3, F, W, (c, a) => bpop(c, a, false), [1, -2, 1]),
  listCmd("blmove", 6, ["write", "denyoom", "noscript", "blocking"], W, blmove, [1, 2, 1]),
  listCmd(
    "brpoplpush",
    4,
    ["write", "denyoom", "noscript", "blocking"],
    W,
    (c, a) => bmove(c, a, false, true, true),
    [1, 2, 1],
  ),
  listCmd("blmpop", -5, ["write", "blocking", "movablekeys"], W, blmpop, [0, 0, 0]),
];
