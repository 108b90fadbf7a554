// KEYS and SCAN: walking the keyspace, with a glob pattern, COUNT and TYPE, as Redis's db.c
// answers them.
//
// SCAN's cursor: Redis walks hash buckets in reverse-binary order; our keyspace is a JS Map, whose
// live iterators keep their place while keys come and go (new keys are visited at the end). A
// cursor names a parked iterator (id * 2^32 + position), so a full scan returns every key that
// existed throughout exactly once. A cursor that is no longer parked (or never was) restarts
// from its position, which is Redis's guarantee as long as no key was deleted in between.

import { type Db, keyOf } from "../store/db.ts";
import { compileGlob } from "../store/glob.ts";
import type { Command, Session } from "./types.ts";
import { parseInteger } from "../../resp/integer.ts";
import { Err } from "./replies.ts";
import {} from "./args.ts";
import { typeName } from "./keys.ts";

function keys(c: Session, args: Uint8Array[]): void {
  const db = c.keyspace;
  const glob = compileGlob(keyOf(args[1]!));
  const found: string[] = [];
  for (const k of db.keys()) if (glob.all || glob.match(k)) found.push(k);
  c.out.arrayHeader(found.length);
  for (const k of found) c.out.binary(k);
}

// ---- SCAN ----

/** A parked scan: the live iterator, how many keys it has passed, a key read ahead. */
interface Parked {
  it: Iterator<string>;
  pos: number;
  ahead: string | undefined;
}

interface ScanState {
  parked: Map<number, Parked>;
  nextId: number;
}

const states = new WeakMap<Db, ScanState>();
const POSITIONS = 2 ** 32;
const MAX_IDS = 2 ** 20;
/** Scans parked at once; the oldest is forgotten first. */
const MAX_PARKED = 1024;
const U64_MAX = (1n << 64n) - 1n;

function stateOf(db: Db): ScanState {
  let s = states.get(db);
  if (!s) {
    s = { parked: new Map(), nextId: 1 };
    states.set(db, s);
  }
  return s;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Parses a cursor as Redis does (strtoul on the whole string: optional sign, a negative value
 * wraps, "" is 0, no leading space, no overflow); undefined when invalid.
 */
export function parseCursor(b: Uint8Array): bigint | undefined {
  if (b.length === 0) return 0n;
  if (isSpace(b[0]!)) return undefined;
  let p = 0;
  const neg = b[0] === 45;
  if (neg || b[0] === 43) p++;
  if (p === b.length) return undefined;
  let s = "";
  for (; p < b.length; p++) {
    const c = b[p]!;
    if (c < 48 || c > 57) return undefined;
    s += String.fromCharCode(c);
  }
  const v = BigInt(s);
  if (v > U64_MAX) return undefined;
  return neg ? (U64_MAX + 1n - v) & U64_MAX : v;
}

const TYPE_NAMES = ["string", "list", "hash", "set", "zset", "stream"];

function scan(c: Session, args: Uint8Array[]): void {
  const cursor = parseCursor(args[1]!);
  if (cursor === undefined) {
    c.out.error("ERR invalid cursor");
    return;
  }
  let count = 10;
  let pattern: string | undefined;
  let typeFilter: string | undefined;
  for (let i = 2; i < args.length; i += 2) {
    const opt = args[i]!;
    const hasValue = i + 1 < args.length;
    const name = hasValue ? optionName(opt) : "";
    if (name === "count") {
      const n = countArg(c, args[i + 1]!);
      if (n === undefined) return;
      count = n;
    } else if (name === "match") {
      const p = keyOf(args[i + 1]!);
      pattern = p === "*" ? undefined : p;
    } else if (name === "type") {
      const t = args[i + 1]!;
      const nul = t.indexOf(0);
      typeFilter = optionName(nul === -1 ? t : t.subarray(0, nul));
    } else {
      c.out.error(Err.syntax);
      return;
    }
  }
  const db = c.keyspace;
  const state = stateOf(db);
  let parked: Parked | undefined;
  if (cursor !== 0n && cursor < BigInt(MAX_IDS) * BigInt(POSITIONS)) {
    const id = Number(cursor);
    parked = state.parked.get(id);
    if (parked) state.parked.delete(id);
  }
  if (!parked) {
    parked = { it: db.keys(), pos: 0, ahead: undefined };
    const skip = Number(cursor % BigInt(POSITIONS));
    while (parked.pos < skip && !parked.it.next().done) parked.pos++;
  }
  const glob = pattern === undefined ? undefined : compileGlob(pattern);
  const wantType = typeFilter === undefined || TYPE_NAMES.includes(typeFilter);
  const found: string[] = [];
  let visited = 0;
  let done = false;
  while (visited < count) {
    let k = parked.ahead;
    parked.ahead = undefined;
    if (k === undefined) {
      const r = parked.it.next();
      if (r.done) {
        done = true;
        break;
      }
      k = r.value;
    }
    visited++;
    parked.pos++;
    if (glob && !glob.match(k)) continue;
    const v = db.peekStored(k); // removes the key if it has expired since the walk started
    if (v === undefined || !wantType || (typeFilter !== undefined && typeName(v) !== typeFilter)) {
      continue;
    }
    found.push(k);
  }
  if (!done) {
    // Read one key ahead, so a walk that has just finished says so with cursor 0.
    const r = parked.it.next();
    if (r.done) done = true;
    else parked.ahead = r.value;
  }
  let next = "0";
  if (!done) {
    const id = state.nextId;
    state.nextId = id + 1 >= MAX_IDS ? 1 : id + 1;
    const key = id * POSITIONS + (parked.pos % POSITIONS);
    state.parked.set(key, parked);
    if (state.parked.size > MAX_PARKED) {
      state.parked.delete(state.parked.keys().next().value!);
    }
    next = String(key);
  }
  c.out.arrayHeader(2);
  c.out.bulk(next);
  c.out.arrayHeader(found.length);
  for (const k of found) c.out.binary(k);
}

/** ASCII-lowercased option word (no allocation for the few options we know). */
function optionName(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length && i < 16; i++) {
    const ch = b[i]!;
    s += String.fromCharCode(ch >= 65 && ch <= 90 ? ch + 32 : ch);
  }
  return b.length > 16 ? s + "\u0100" : s;
}

/** KEYS and SCAN. */
export const SCAN_COMMANDS: readonly Command[] = [
  {
    name: "keys",
    arity: 2,
    flags: ["readonly"],
    acl: ["@keyspace", "@read", "@slow", "@dangerous"],
    handler: keys,
  },
  {
    name: "scan",
    arity: -2,
    flags: ["readonly"],
    acl: ["@keyspace", "@read", "@slow"],
    handler: scan,
  },
];

/**
 * SCAN's (and HSCAN's, SSCAN's) COUNT value: a positive integer, or the error Redis answers
 * (not an integer; then a syntax error below 1) written and undefined.
 */
export function countArg(c: Session, arg: Uint8Array): number | undefined {
  const n = parseInteger(arg);
  if (n === undefined) {
    c.out.error(Err.notInteger);
    return undefined;
  }
  if (n < 1) {
    c.out.error(Err.syntax);
    return undefined;
  }
  return n;
}
