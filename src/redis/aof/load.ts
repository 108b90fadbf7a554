// Replaying the append-only file at start, before the server listens. The file is parsed as
// Redis's loader does: RESP arrays of bulk strings only, each command run through the command
// table as a client would send it, MULTI ... EXEC blocks applied whole. Running out of bytes in
// the middle of a command means the server died while writing it: that tail (or an unfinished
// MULTI block) is dropped with one warning and the file is cut back to the last whole command.
// Any other unexpected byte is corruption: the start stops with its byte offset and the file is
// left exactly as it is.
//
// Expiry is suspended for the whole replay (db.loading), as Redis loads: a logged PXAT that is
// in the past by now must not hide the key from the INCR, PERSIST, RENAME or APPEND logged after
// it. Keys whose time has passed are removed after the load, lazily or by the sweep, and their
// DELs are logged then.

import { isWord, lowerName } from "../commands/args.ts";
import { execute } from "../server/dispatch.ts";
import { ClientSession } from "../server/session.ts";
import type { Server } from "../commands/types.ts";

/** What a replay found. */
export type LoadResult =
  | {
    ok: true;
    /** Commands applied. */
    commands: number;
    /** Bytes of the file after loading (after a cut, its new size). */
    size: number;
    /** Set when an incomplete tail was dropped: the size the file had. */
    cutFrom?: number;
    /** Whether the dropped tail was (or included) an unfinished MULTI block. */
    cutMulti?: boolean;
  }
  | { ok: false; offset: number; message: string };

/** Thrown by the parser at an unexpected byte. */
class Corrupt {
  constructor(readonly offset: number, readonly message: string) {}
}

/** Marks a command that runs past the end of the data. */
const INCOMPLETE = null;

function show(b: number | undefined): string {
  if (b === undefined) return "end of file";
  if (b >= 32 && b < 127) return `'${String.fromCharCode(b)}'`;
  return `byte 0x${b.toString(16).padStart(2, "0")}`;
}

/**
 * Parses one command at `pos`: its arguments (views into `data`) and where it ends, or
 * {@linkcode INCOMPLETE} when the data ends first. Throws {@linkcode Corrupt}.
 */
export function parseCommand(
  data: Uint8Array,
  pos: number,
  len: number = data.length,
): { args: Uint8Array[]; end: number } | typeof INCOMPLETE {
  const start = pos;
  if (data[pos] !== 42) {
    throw new Corrupt(pos, `expected '*' starting a command, found ${show(data[pos])}`);
  }
  const count = numberLine(data, pos + 1, len, "argument count");
  if (count === INCOMPLETE) return INCOMPLETE;
  pos = lineEnd;
  if (count < 1) throw new Corrupt(start, "a command with no arguments");
  const args: Uint8Array[] = count <= 64 ? new Array(count) : [];
  for (let i = 0; i < count; i++) {
    if (pos >= len) return INCOMPLETE;
    if (data[pos] !== 36) {
      throw new Corrupt(pos, `expected '$' starting argument ${i + 1}, found ${show(data[pos])}`);
    }
    const n = numberLine(data, pos + 1, len, "argument length");
    if (n === INCOMPLETE) return INCOMPLETE;
    pos = lineEnd;
    if (pos + n + 2 > len) {
      // The data, or its CRLF, is cut short; whatever is there must still be right.
      if (pos + n < len && data[pos + n] !== 13) {
        throw new Corrupt(
          pos + n,
          `expected CR after argument ${i + 1}, found ${show(data[pos + n])}`,
        );
      }
      return INCOMPLETE;
    }
    if (data[pos + n] !== 13 || data[pos + n + 1] !== 10) {
      const at = data[pos + n] !== 13 ? pos + n : pos + n + 1;
      throw new Corrupt(at, `expected CRLF after argument ${i + 1}, found ${show(data[at])}`);
    }
    args[i] = data.subarray(pos, pos + n);
    pos += n + 2;
  }
  return { args, end: pos };
}

/** Where the line read by the last {@linkcode numberLine} ended (after its CRLF). */
let lineEnd = 0;

/**
 * The number on the line at `pos` (digits, then CRLF; the prefix byte already passed), setting
 * {@linkcode lineEnd}; {@linkcode INCOMPLETE} when the data ends first. Throws {@linkcode Corrupt}.
 */
function numberLine(
  data: Uint8Array,
  pos: number,
  len: number,
  what: string,
): number | typeof INCOMPLETE {
  let n = 0, digits = 0;
  while (true) {
    if (pos >= len) return INCOMPLETE;
    const c = data[pos]!;
    if (c >= 48 && c <= 57 && digits < 15) {
      n = n * 10 + (c - 48);
      digits++;
      pos++;
      continue;
    }
    if (c !== 13 || digits === 0) {
      throw new Corrupt(pos, `bad ${what}: expected a digit, found ${show(c)}`);
    }
    if (pos + 1 >= len) return INCOMPLETE;
    if (data[pos + 1] !== 10) {
      throw new Corrupt(pos + 1, `bad ${what}: expected LF, found ${show(data[pos + 1])}`);
    }
    lineEnd = pos + 2;
    return n;
  }
}

/** Bytes read from the file at a time; a command longer than this grows the buffer to fit. */
const READ_CHUNK = 1024 * 1024;

/** Where {@linkcode replay} reads from: `readSync` as Deno.FsFile has it. */
export interface ReplaySource {
  readSync(p: Uint8Array): number | null;
}

/** What {@linkcode replay} found. */
export type ReplayResult = {
  ok: true;
  commands: number;
  whole: number;
  size: number;
  multi: boolean;
} | {
  ok: false;
  offset: number;
  message: string;
};

/**
 * Applies every command read from `source` (the file's bytes, read a chunk at a time, so memory
 * holds one chunk or one command, not the file) to `server`'s dataset, with expiry suspended.
 * Returns how far the data is whole and how long it is, or where it is corrupt; does not touch
 * the file.
 */
export function replay(server: Server, source: ReplaySource): ReplayResult {
  const dbs = server.dbs;
  const was = dbs.loading;
  dbs.loading = true;
  try {
    return replayCommands(server, source);
  } finally {
    dbs.loading = was;
  }
}

function replayCommands(server: Server, source: ReplaySource): ReplayResult {
  // The loading client: a client of the server with no connection, whose replies are dropped.
  const client = new ClientSession(server, 0, "append-only file");
  // As Redis's loading client, it needs no AUTH under --requirepass.
  client.authenticated = true;
  const lookup = server.lookup;
  // The unparsed bytes are buf[start, end); buf[0] is at file offset `base`.
  let buf = new Uint8Array(READ_CHUNK);
  let start = 0, end = 0, base = 0, eof = false;
  /** Reads more (keeping the unparsed bytes, growing the buffer when they fill it); false at EOF. */
  const fill = (): boolean => {
    if (eof) return false;
    if (start > 0) {
      buf.copyWithin(0, start, end);
      base += start;
      end -= start;
      start = 0;
    }
    if (end === buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = source.readSync(buf.subarray(end));
    if (n === null || n === 0) {
      eof = true;
      return false;
    }
    end += n;
    return true;
  };
  let whole = 0, commands = 0;
  let multiAt = -1;
  let queued: Uint8Array[][] = [];
  const run = (args: Uint8Array[], at: number): string | undefined => {
    const name = args[0]!;
    if (lookup.find(name) === undefined) {
      return `unknown command '${lowerName(name).slice(0, 64)}' at byte ${at}`;
    }
    execute(client, args, lookup);
    // Replies are dropped, as Redis's loader drops them; a failed SELECT (an index past
    // --databases) would load the following commands into the wrong database, so it stops
    // the load.
    if (!isWord(name, "select")) {
      client.out.clear();
    } else if (client.out.take()[0] === 45) {
      return `SELECT ${lowerName(args[1] ?? new Uint8Array())} failed at byte ${at} ` +
        `(this server has ${server.dbs.count} databases)`;
    }
    commands++;
    return undefined;
  };
  try {
    while (true) {
      if (start === end && !fill()) break;
      const at = base + start;
      const cmd = parseCommand(buf, start, end);
      if (cmd === INCOMPLETE) {
        if (fill()) continue;
        break;
      }
      start = cmd.end;
      const name = cmd.args[0]!;
      if (isWord(name, "multi")) {
        if (multiAt !== -1) return { ok: false, offset: at, message: `nested MULTI at byte ${at}` };
        multiAt = at;
        queued = [];
        continue;
      }
      if (isWord(name, "exec")) {
        if (multiAt === -1) {
          return { ok: false, offset: at, message: `EXEC without MULTI at byte ${at}` };
        }
        for (const args of queued) {
          const err = run(args, at);
          if (err !== undefined) return { ok: false, offset: at, message: err };
        }
        multiAt = -1;
        queued = [];
        whole = base + start;
        continue;
      }
      if (multiAt !== -1) {
        // The buffer is reused by the next read: a queued command keeps copies.
        queued.push(cmd.args.map((a) => a.slice()));
        continue;
      }
      const err = run(cmd.args, at);
      if (err !== undefined) return { ok: false, offset: at, message: err };
      whole = base + start;
    }
  } catch (err) {
    if (!(err instanceof Corrupt)) throw err;
    const offset = base + err.offset;
    return { ok: false, offset, message: `${err.message} at byte ${offset}` };
  }
  return { ok: true, commands, whole, size: base + end, multi: multiAt !== -1 };
}

/**
 * Loads the append-only file at `path` into `server` (a missing file is an empty one). An
 * incomplete tail is cut off the file; corruption is reported and the file left alone.
 */
export function loadFile(server: Server, path: string): LoadResult {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { ok: true, commands: 0, size: 0 };
    throw err;
  }
  let r;
  try {
    r = replay(server, file);
  } finally {
    file.close();
  }
  if (!r.ok) return r;
  if (r.whole === r.size) return { ok: true, commands: r.commands, size: r.size };
  Deno.truncateSync(path, r.whole);
  return { ok: true, commands: r.commands, size: r.whole, cutFrom: r.size, cutMulti: r.multi };
}
