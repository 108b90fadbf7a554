// Counters, as Redis's t_string.c: INCR, DECR, INCRBY, DECRBY on signed 64-bit integers (a value
// must be exactly what string2ll accepts, and overflow is an error, checked exactly with BigInt
// once numbers leave the range a double holds), and INCRBYFLOAT in x87 long double arithmetic
// (see ../long_double.ts), stored as the formatted string and propagated as SET ... KEEPTTL.

import { KEEP_TTL, keyBytes, keyOf, type Str } from "../store/db.ts";
import {
  addLongDouble,
  formatLongDouble,
  type LongDouble,
  parseLongDouble,
} from "../store/long_double.ts";
import { bytes } from "./args.ts";
import { type Command, type Session } from "./types.ts";
import { Err } from "./replies.ts";
import { parseInt64 } from "../../resp/integer.ts";
import { Notify, notify } from "./events.ts";
import { asStr } from "./strings.ts";

const SET = bytes("SET");
const KEEPTTL = bytes("KEEPTTL");
const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

/** A stored value as an integer, by the same rules (string2ll) as an argument. */
function parseCounterValue(v: Str): number | bigint | undefined {
  if (typeof v !== "string") return parseInt64(v);
  const len = v.length;
  if (len > 15) return parseInt64(keyBytes(v));
  if (len === 0) return undefined;
  if (len === 1 && v === "0") return 0;
  let p = 0;
  const neg = v.charCodeAt(0) === 45;
  if (neg && ++p === len) return undefined;
  let c = v.charCodeAt(p);
  if (c < 49 || c > 57) return undefined;
  let n = c - 48;
  for (p++; p < len; p++) {
    c = v.charCodeAt(p);
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + c - 48;
  }
  return neg ? -n : n;
}

/** Adds `incr` to the integer at args[1], as Redis's incrDecrCommand. */
function incrDecr(c: Session, args: Uint8Array[], incr: number | bigint): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const v = asStr(c, db.peekStored(key));
  if (v === null) return;
  let value: number | bigint = 0;
  if (v !== undefined) {
    const parsed = parseCounterValue(v);
    if (parsed === undefined) {
      c.out.error(Err.notInteger);
      return;
    }
    value = parsed;
  }
  let result: number | bigint;
  if (typeof value === "number" && typeof incr === "number" && Number.isSafeInteger(value + incr)) {
    result = value + incr;
  } else {
    const sum = BigInt(value) + BigInt(incr);
    if (sum > LLONG_MAX || sum < LLONG_MIN) {
      c.out.error("ERR increment or decrement would overflow");
      return;
    }
    result = Number.isSafeInteger(Number(sum)) ? Number(sum) : sum;
  }
  // The digits are ASCII, so the JS string is the value's binary-string form.
  db.set(key, String(result), v === undefined ? undefined : KEEP_TTL);
  notify(c, Notify.STRING, "incrby", key);
  c.out.integer(result);
}

function incrby(c: Session, args: Uint8Array[], negate: boolean): void {
  const incr = parseInt64(args[2]!);
  if (incr === undefined) {
    c.out.error(Err.notInteger);
    return;
  }
  if (!negate) {
    incrDecr(c, args, incr);
    return;
  }
  if (incr === LLONG_MIN) {
    c.out.error("ERR decrement would overflow");
    return;
  }
  incrDecr(c, args, -incr);
}

const ZERO: LongDouble = { kind: "finite", neg: false, m: 0n, e: 0 };

function incrbyfloat(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  const key = keyOf(args[1]!);
  const v = asStr(c, db.peekStored(key));
  if (v === null) return;
  const value = v === undefined ? ZERO : parseLongDouble(typeof v === "string" ? keyBytes(v) : v);
  const incr = value === undefined ? undefined : parseLongDouble(args[2]!);
  if (value === undefined || incr === undefined) {
    c.out.error("ERR value is not a valid float");
    return;
  }
  const sum = addLongDouble(value, incr);
  if (sum.kind !== "finite") {
    c.out.error("ERR increment would produce NaN or Infinity");
    return;
  }
  const text = formatLongDouble(sum);
  const out = bytes(text);
  db.set(key, text.length <= 64 ? text : out, v === undefined ? undefined : KEEP_TTL);
  notify(c, Notify.STRING, "incrbyfloat", key);
  c.propagateAs = [SET, args[1]!, out, KEEPTTL];
  c.out.bulk(out);
}

function counter(
  name: string,
  arity: number,
  handler: Command["handler"],
): Command {
  return {
    name,
    arity,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    acl: ["@write", "@string", "@fast"],
    handler,
  };
}

/** The counter commands. */
export const COUNTER_COMMANDS: readonly Command[] = [
  counter("incr", 2, (c, a) => incrDecr(c, a, 1)),
  counter("decr", 2, (c, a) => incrDecr(c, a, -1)),
  counter("incrby", 3, (c, a) => incrby(c, a, false)),
  counter("decrby", 3, (c, a) => incrby(c, a, true)),
  counter("incrbyfloat", 3, incrbyfloat),
];
