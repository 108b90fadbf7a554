// Rewriting the append-only file from the dataset (BGREWRITEAOF, and automatically when the
// file has doubled past 64 MB) while clients keep being served. Redis forks for a frozen
// snapshot; here the keyspace is walked a slice per event-loop turn instead, so the walk sees
// keys that change under it. Every key a write touches meanwhile is remembered (from the
// propagated commands and the command table's key positions), and once the walk is done the
// current state of exactly those keys is appended in one synchronous step, so the new file holds
// the dataset of that moment. The new file is fsynced, renamed over the old one (atomic) and
// the directory fsynced; the old file kept receiving every write until then, so a crash at any
// point leaves one complete file. A temporary file left by a process killed mid-rewrite is
// removed when the next server starts in the folder.
//
// Every database that holds keys is written behind its own SELECT, as Redis's rewrite does; the
// function libraries follow as FUNCTION LOAD REPLACE commands.

import {
  type Db,
  HashValue,
  keyOf,
  ListValue,
  SetValue,
  StreamValue,
  ZSetValue,
} from "../store/db.ts";
import { encodeStream } from "./rewrite_stream.ts";
import { lowerName } from "../commands/args.ts";
import { formatDouble, RespWriter } from "../../resp/writer.ts";
import { writeAll, writeAllSync } from "../../net/io.ts";
import type { Server } from "../commands/types.ts";
import { librariesOf } from "../commands/functions.ts";

const encoder = new TextEncoder();
const SET = encoder.encode("SET");
const HMSET = encoder.encode("HMSET");
const SADD = encoder.encode("SADD");
const RPUSH = encoder.encode("RPUSH");
const ZADD = encoder.encode("ZADD");
/** Elements per command for a large hash or set, as Redis's AOF_REWRITE_ITEMS_PER_CMD. */
const ITEMS_PER_CMD = 64;
const PEXPIREAT = encoder.encode("PEXPIREAT");
const DEL = encoder.encode("DEL");
const SELECT = encoder.encode("SELECT");
const FLUSHALL = [encoder.encode("FLUSHALL")];
const FUNCTION = encoder.encode("FUNCTION");
const LOAD = encoder.encode("LOAD");
const REPLACE = encoder.encode("REPLACE");

const TEMP_PREFIX = "temp-rewriteaof-bg-";
const TEMP_SUFFIX = ".aof";

/** Keys written per slice of the walk before the event loop gets a turn. */
const SLICE_KEYS = 2000;
/** Bytes gathered before they are written to the new file. */
const CHUNK = 256 * 1024;

/** Commands without keys that leave the keyspace alone (the final step writes the functions). */
const KEYLESS = new Set(["multi", "exec", "select", "ping", "function"]);
/** Writes whose effect reaches past their key positions: the final step writes everything. */
const WHOLE = new Set(["flushdb", "swapdb", "move", "copy"]);

/** Appends `SELECT index`. */
function select(out: RespWriter, index: number): void {
  out.command([SELECT, encoder.encode(String(index))]);
}

/** Appends `key`'s current state in `db` as commands; false when the key does not exist. */
export function encodeKey(db: Db, key: string, out: RespWriter): boolean {
  const v = db.peekStored(key);
  if (v === undefined) return false;
  if (v instanceof HashValue) {
    // HMSET key f v ... (at most ITEMS_PER_CMD pairs each), as Redis's rewriteHashObject.
    const kv = v.flat();
    for (let i = 0; i < kv.length; i += 2 * ITEMS_PER_CMD) {
      const end = Math.min(kv.length, i + 2 * ITEMS_PER_CMD);
      out.arrayHeader(2 + end - i);
      out.bulk(HMSET);
      out.binary(key);
      for (let j = i; j < end; j++) out.binary(kv[j]!);
    }
  } else if (v instanceof SetValue) {
    const m = v.members;
    for (let i = 0; i < m.length; i += ITEMS_PER_CMD) {
      const end = Math.min(m.length, i + ITEMS_PER_CMD);
      out.arrayHeader(2 + end - i);
      out.bulk(SADD);
      out.binary(key);
      for (let j = i; j < end; j++) out.binary(m[j]!);
    }
  } else if (v instanceof ListValue) {
    // RPUSH key e ... (at most ITEMS_PER_CMD elements each), as Redis's rewriteListObject.
    const n = v.size;
    for (let i = 0; i < n; i += ITEMS_PER_CMD) {
      const end = Math.min(n, i + ITEMS_PER_CMD);
      out.arrayHeader(2 + end - i);
      out.bulk(RPUSH);
      out.binary(key);
      for (let j = i; j < end; j++) out.binary(v.at(j));
    }
  } else if (v instanceof ZSetValue) {
    // ZADD key score member ... in order, scores as %.17g (exact), as rewriteSortedSetObject.
    const n = v.size;
    for (let i = 0; i < n; i += ITEMS_PER_CMD) {
      const end = Math.min(n, i + ITEMS_PER_CMD);
      out.arrayHeader(2 + 2 * (end - i));
      out.bulk(ZADD);
      out.binary(key);
      v.walk(i, end - i, false, (m, s) => {
        out.binary(formatDouble(s));
        out.binary(m);
      });
    }
  } else if (v instanceof StreamValue) {
    encodeStream(key, v, out);
  } else {
    out.arrayHeader(3);
    out.bulk(SET);
    out.binary(key);
    if (typeof v === "string") out.binary(v);
    else out.bulk(v);
  }
  const at = db.expireAt(key);
  if (at !== undefined) {
    out.arrayHeader(3);
    out.bulk(PEXPIREAT);
    out.binary(key);
    out.binary(String(at));
  }
  return true;
}

/** One rewrite in progress. */
export class Rewrite {
  readonly server: Server;
  /** The temporary file being written. */
  readonly tempPath: string;
  readonly started: number = Date.now();
  /** Keys written to since the walk began, by database (null once any key may have changed). */
  #touched: Map<number, Set<string>> | null = new Map();
  #flushed = false;
  #aborted = false;

  constructor(server: Server, dir: string) {
    this.server = server;
    this.tempPath = `${dir}/${TEMP_PREFIX}${Deno.pid}${TEMP_SUFFIX}`;
  }

  /** Notes the keys a propagated write changed in database `index`. */
  note(args: Uint8Array[], index: number): void {
    const all = this.#touched;
    if (all === null) return;
    let cmd = this.server.lookup.find(args[0]!);
    if (cmd?.subcommands !== undefined && args.length > 1) {
      // A container (XGROUP SETID ...): the subcommand knows its keys.
      const sub = `${cmd.name}|${lowerName(args[1]!)}`;
      cmd = cmd.subcommands.find((s) => s.name === sub) ?? cmd;
    }
    const name = cmd?.name;
    if (name === "flushall") {
      all.clear();
      this.#flushed = true;
      return;
    }
    const keys = cmd?.keys;
    if (keys === undefined || keys[0] === 0 || WHOLE.has(name!)) {
      // A write whose keys are unknown: the final step writes the whole dataset again.
      if (name === undefined || !KEYLESS.has(name)) this.#touched = null;
      return;
    }
    let touched = all.get(index);
    if (touched === undefined) all.set(index, touched = new Set());
    const [first, last, step] = keys;
    const end = last < 0 ? args.length + last : Math.min(last, args.length - 1);
    for (let i = first; i <= end; i += step) touched.add(keyOf(args[i]!));
  }

  /** Asks the walk to stop at its next slice (shutdown). */
  abort(): void {
    this.#aborted = true;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /**
   * Walks the dataset into the temporary file and fsyncs it. Resolves with the open file; the
   * caller then runs {@linkcode finish} in the same turn. Throws on an I/O error or an abort.
   */
  async walk(): Promise<Deno.FsFile> {
    const file = await Deno.open(this.tempPath, { write: true, create: true, truncate: true });
    try {
      const buf = new RespWriter(CHUNK + 4096);
      let n = 0;
      for (const db of this.server.dbs.made()) {
        if (db.size === 0) continue;
        select(buf, db.index);
        for (const key of db.keys()) {
          encodeKey(db, key, buf);
          if (buf.length >= CHUNK) {
            await writeAll(file, buf.view());
            buf.clear(CHUNK + 4096);
          }
          if (++n % SLICE_KEYS === 0) {
            await new Promise((r) => setTimeout(r, 0));
            if (this.#aborted) throw new Error("aborted");
          }
        }
      }
      await writeAll(file, buf.view());
      await file.syncData();
      if (this.#aborted) throw new Error("aborted");
      return file;
    } catch (err) {
      file.close();
      this.discard();
      throw err;
    }
  }

  /**
   * Synchronously appends the current state of every key changed during the walk, fsyncs the
   * file and renames it to `path`. Nothing else may run between this and the switch to the new
   * file. Returns the new file's size.
   */
  finish(file: Deno.FsFile, path: string): number {
    try {
      const fix = new RespWriter();
      const dbs = this.server.dbs, touched = this.#touched;
      if (touched === null || this.#flushed) fix.command(FLUSHALL);
      if (touched === null) {
        for (const db of dbs.made()) {
          if (db.size === 0) continue;
          select(fix, db.index);
          for (const key of db.keys()) encodeKey(db, key, fix);
        }
      } else {
        for (const [index, keys] of touched) {
          const db = dbs.get(index);
          select(fix, index);
          for (const key of keys) {
            if (!encodeKey(db, key, fix) && !this.#flushed) {
              fix.arrayHeader(2);
              fix.bulk(DEL);
              fix.binary(key);
            }
          }
        }
      }
      // The function libraries as they are now (FLUSHALL leaves them; REPLACE makes it idempotent).
      for (const lib of librariesOf(this.server)) fix.command([FUNCTION, LOAD, REPLACE, lib.code]);
      writeAllSync(file, fix.view());
      file.syncDataSync();
      Deno.renameSync(this.tempPath, path);
      syncDir(path);
      return file.statSync().size;
    } catch (err) {
      file.close();
      this.discard();
      throw err;
    }
  }

  /** Removes the temporary file. */
  discard(): void {
    try {
      Deno.removeSync(this.tempPath);
    } catch {
      // not there
    }
  }
}

/** Fsyncs the folder holding `path`, so a rename in it is on disk. */
export function syncDir(path: string): void {
  const slash = path.lastIndexOf("/");
  const dir = slash <= 0 ? (slash === 0 ? "/" : ".") : path.slice(0, slash);
  let d: Deno.FsFile | undefined;
  try {
    d = Deno.openSync(dir, { read: true });
    d.syncSync();
  } catch {
    // Some systems cannot fsync a folder; the rename is still atomic.
  } finally {
    d?.close();
  }
}

/**
 * Removes the temporary rewrite files in `dir` (named `temp-rewriteaof-bg-<pid>.aof`, as Redis
 * names them) that a process killed while rewriting left behind; called at start, before this
 * process could have begun a rewrite of its own. Returns the names removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync(dir === "" ? "/" : dir);
  } catch {
    return removed;
  }
  for (const e of entries) {
    const name = e.name;
    if (!e.isFile || !name.startsWith(TEMP_PREFIX) || !name.endsWith(TEMP_SUFFIX)) continue;
    if (!/^[0-9]+$/.test(name.slice(TEMP_PREFIX.length, -TEMP_SUFFIX.length))) continue;
    try {
      Deno.removeSync(`${dir}/${name}`);
      removed.push(name);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}
