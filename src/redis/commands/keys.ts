// Keyspace commands beyond DEL/EXISTS: UNLINK, TOUCH, TYPE, KEYS, SCAN, RANDOMKEY, RENAME and
// RENAMENX, answering as Redis's db.c does.
//
// SCAN's cursor: Redis walks hash buckets in reverse-binary order; our keyspace is a JS Map, whose
// live iterators keep their place while keys come and go (new keys are visited at the end). A
// cursor names a parked iterator (id * 2^32 + position), so a full scan returns every key that
// existed throughout exactly once. A cursor that is no longer parked (or never was) restarts
// from its position, which is Redis's guarantee as long as no key was deleted in between.

import { type Db, keyOf, type Stored } from "../store/db.ts";
import { compileGlob } from "../store/glob.ts";
import { type Client, type Command } from "./types.ts";
import { Err } from "./errors.ts";
import { parseLong } from "./args.ts";

/** Redis's TYPE name of a value. Strings only for now; other types join with theirs. */
export function typeName(_v: Stored): string {
  return "string";
}

function unlink(c: Client, args: Uint8Array[]): void {
  const db = c.server.db;
  let n = 0;
  for (let i = 1; i < args.length; i++) if (db.delete(keyOf(args[i]!))) n++;
  c.out.integer(n);
}

function touch(c: Client, args: Uint8Array[]): void {
  const db = c.server.db;
  let n = 0;
  for (let i = 1; i < args.length; i++) if (db.getStored(keyOf(args[i]!)) !== undefined) n++;
  c.out.integer(n);
}

function type(c: Client, args: Uint8Array[]): void {
  const v = c.server.db.peekStored(keyOf(args[1]!));
  c.out.simple(v === undefined ? "none" : typeName(v));
}

function keys(c: Client, args: Uint8Array[]): void {
  const db = c.server.db;
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
  /** RANDOMKEY's walk over large keyspaces. */
  walk: Iterator<string> | undefined;
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
    s = { parked: new Map(), nextId: 1, walk: undefined };
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

const TYPE_NAMES = ["string"];

function scan(c: Client, args: Uint8Array[]): void {
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
      const n = parseLong(args[i + 1]!);
      if (n === undefined) {
        c.out.error(Err.notInteger);
        return;
      }
      if (n < 1) {
        c.out.error(Err.syntax);
        return;
      }
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
  const db = c.server.db;
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

// ---- RANDOMKEY ----

/** Keyspaces up to this size pick uniformly; larger ones take a random stride of a walk. */
const UNIFORM_UP_TO = 4096;

function randomKey(db: Db): string | undefined {
  const state = stateOf(db);
  for (let tries = 0; tries < 100 && db.size > 0; tries++) {
    let k: string | undefined;
    if (db.size <= UNIFORM_UP_TO) {
      let i = Math.floor(Math.random() * db.size);
      for (const key of db.keys()) {
        if (i-- === 0) {
          k = key;
          break;
        }
      }
    } else {
      let steps = 1 + Math.floor(Math.random() * 64);
      let restarts = 0;
      while (steps > 0 && restarts < 2) {
        state.walk ??= db.keys();
        const r = state.walk.next();
        if (r.done) {
          // At the end, start over; a fresh walk that ends at once means no live key.
          state.walk = undefined;
          restarts++;
          continue;
        }
        k = r.value;
        restarts = 0;
        steps--;
      }
    }
    // db.keys() skips keys past their time, so a pick can miss; has() removes a stale one.
    if (k === undefined) break;
    if (db.has(k)) return k;
  }
  // Many picks found only expired keys: choose among the live ones, if any, as Redis would.
  const live = [...db.keys()];
  return live.length === 0 ? undefined : live[Math.floor(Math.random() * live.length)];
}

function randomkey(c: Client): void {
  const k = randomKey(c.server.db);
  if (k === undefined) c.out.nullBulk();
  else c.out.binary(k);
}

// ---- RENAME ----

function renameGeneric(c: Client, args: Uint8Array[], nx: boolean): void {
  const db = c.server.db;
  const src = keyOf(args[1]!), dst = keyOf(args[2]!);
  const v = db.peekStored(src);
  if (v === undefined) {
    c.out.error("ERR no such key");
    return;
  }
  if (src === dst) {
    if (nx) c.out.integer(0);
    else c.out.simple("OK");
    return;
  }
  if (nx && db.has(dst)) {
    c.out.integer(0);
    return;
  }
  const at = db.expireAt(src);
  db.set(dst, v, at);
  db.delete(src);
  if (nx) c.out.integer(1);
  else c.out.simple("OK");
}

/** The keyspace commands of this file. */
export const KEY_COMMANDS: readonly Command[] = [
  {
    name: "unlink",
    arity: -2,
    flags: ["write", "fast"],
    keys: [1, -1, 1],
    acl: ["@keyspace", "@write", "@fast"],
    handler: unlink,
  },
  {
    name: "touch",
    arity: -2,
    flags: ["readonly", "fast"],
    keys: [1, -1, 1],
    acl: ["@keyspace", "@read", "@fast"],
    handler: touch,
  },
  {
    name: "type",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    acl: ["@keyspace", "@read", "@fast"],
    handler: type,
  },
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
  {
    name: "randomkey",
    arity: 1,
    flags: ["readonly"],
    acl: ["@keyspace", "@read", "@slow"],
    handler: randomkey,
  },
  {
    name: "rename",
    arity: 3,
    flags: ["write"],
    keys: [1, 2, 1],
    acl: ["@keyspace", "@write", "@slow"],
    handler: (c, args) => renameGeneric(c, args, false),
  },
  {
    name: "renamenx",
    arity: 3,
    flags: ["write", "fast"],
    keys: [1, 2, 1],
    acl: ["@keyspace", "@write", "@fast"],
    handler: (c, args) => renameGeneric(c, args, true),
  },
];
