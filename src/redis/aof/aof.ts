// Durability: the append-only file. Every change the server propagates (the command, with
// relative expiries already made absolute) is encoded as a RESP array into one pending buffer,
// behind a SELECT when the database changes, as Redis writes it. At the end of each event-loop
// turn the buffer is written to the file, then fsynced as --appendfsync says:
//   always    one fsync at a time, covering every write made before it started; a client's
//             output waits (connection.ts asks the SyncGate) until the fsync that covers the
//             writes it may have seen is done, so no reply to a write leaves before it is on disk
//   everysec  an fsync in the background about once a second
//   no        the OS decides
// Persistence is what the server holds: the file (when enabled), loading at start, rewrites,
// INFO persistence, SHUTDOWN and the final flush when the server stops.

import type { Logger } from "../../net/log.ts";
import { RespWriter } from "../../resp/writer.ts";
import { writeAllSync } from "../../net/io.ts";
import { loadFile } from "./load.ts";
import { removeStaleTempFiles, Rewrite } from "./rewrite.ts";
import type { HeldOutput, Server, SyncGate } from "../commands/types.ts";

const encoder = new TextEncoder();
/** Above this capacity an emptied log buffer is given back rather than kept. */
const KEEP = 1024 * 1024;
const SELECT = encoder.encode("SELECT");

/** A rewrite starts on its own once the file is this big and twice its size after the last one. */
export const AUTO_REWRITE_MIN_SIZE = 64 * 1024 * 1024;

/** The append-only file being written. */
export class AppendOnlyFile implements SyncGate {
  readonly path: string;
  readonly policy: "always" | "everysec" | "no";
  readonly log: Logger;
  fed = 0;
  written = 0;
  synced = 0;
  /** Bytes in the file. */
  size: number;
  /** Size after loading or after the last rewrite (auto rewrite compares with it). */
  baseSize: number;
  /** A write failed; cleared by the next write that succeeds (retried every second). */
  #writeFailing = false;
  /** An fsync failed; cleared by the next fsync that succeeds (retried every second). */
  #syncFailing = false;
  /** Why the last write or fsync failed, as strerror says it (while `lastWriteOk` is false). */
  lastWriteError = "";
  #file: Deno.FsFile;

  /** No write or fsync failure outstanding (INFO's aof_last_write_status; writes refused if not). */
  get lastWriteOk(): boolean {
    return !this.#writeFailing && !this.#syncFailing;
  }
  readonly #pending = new RespWriter(4096);
  #selectedDb = -1;
  #scheduled = false;
  #syncing: Promise<void> | undefined;
  #lastSync = Date.now();
  readonly #held = new Set<HeldOutput>();
  #untils: Array<{ offset: number; resolve: () => void }> = [];
  #closed = false;
  /** Called after a write when the file has grown enough for an automatic rewrite. */
  onGrown: (() => void) | undefined;

  constructor(path: string, policy: AppendOnlyFile["policy"], size: number, log: Logger) {
    this.path = path;
    this.policy = policy;
    this.log = log;
    this.size = this.baseSize = size;
    this.#file = Deno.openSync(path, { write: true, append: true, create: true });
  }

  /** Bytes waiting to be written (INFO aof_buffer_length). */
  get pendingBytes(): number {
    return this.#pending.length;
  }

  /** Whether an fsync is running (INFO aof_pending_bio_fsync). */
  get syncing(): boolean {
    return this.#syncing !== undefined;
  }

  /** Appends one propagated change (copies the arguments). */
  feed(args: Uint8Array[], db: number): void {
    if (this.#closed) return;
    const pending = this.#pending;
    const before = pending.length;
    if (db !== this.#selectedDb) {
      pending.command([SELECT, encoder.encode(String(db))]);
      this.#selectedDb = db;
    }
    pending.command(args);
    this.fed += pending.length - before;
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#endOfTurn);
    }
  }

  // Runs once per turn in which something was fed, after the commands of that turn.
  readonly #endOfTurn = (): void => {
    this.#scheduled = false;
    if (this.#closed) return;
    this.#write();
    if (this.policy === "always") this.#startSync();
    else if (this.policy === "everysec" && Date.now() - this.#lastSync >= 1000) this.#startSync();
    if (this.size >= AUTO_REWRITE_MIN_SIZE && this.size >= 2 * Math.max(1, this.baseSize)) {
      this.onGrown?.();
    }
  };

  /** Writes the pending buffer to the file (to the OS; not yet fsynced). */
  #write(): boolean {
    const pending = this.#pending;
    if (pending.length === 0) return true;
    const data = pending.view();
    try {
      writeAllSync(this.#file, data);
    } catch (err) {
      this.#writeFailed(err, data.length);
      return false;
    }
    if (this.#writeFailing) {
      this.#writeFailing = false;
      if (this.lastWriteOk) this.log.info("append-only file: writes succeed again");
    }
    this.size += data.length;
    this.written = this.fed;
    pending.clear(KEEP);
    return true;
  }

  #writeFailed(err: unknown, n: number): void {
    const why = err instanceof Error ? err.message : String(err);
    this.lastWriteError = strerror(why);
    if (!this.#writeFailing) {
      this.log.info(`append-only file: error writing ${n} bytes to ${this.path}: ${why}`);
    }
    this.#writeFailing = true;
    // Cut off what part of the data may have landed, so a retry does not duplicate it.
    try {
      this.#file.truncateSync(this.size);
      this.#file.seekSync(this.size, Deno.SeekMode.Start);
    } catch {
      // the retry will report again
    }
    if (this.policy === "always") {
      // As Redis: acknowledged writes could not be kept, so the server stops.
      this.log.info(
        "append-only file: can't recover from a write error when the fsync policy is 'always'. " +
          "Exiting...",
      );
      Deno.exit(1);
    }
  }

  /** Starts an fsync covering everything written so far, unless one is running. */
  #startSync(): void {
    if (this.#syncing !== undefined || this.synced >= this.written || this.#closed) return;
    const target = this.written, file = this.#file;
    this.#lastSync = Date.now();
    const p: Promise<void> = file.syncData().then(
      () => {
        if (this.#syncing === p) this.#syncing = undefined;
        // An fsync of a file replaced by a rewrite meanwhile says nothing about the new one.
        if (file !== this.#file) return;
        if (target > this.synced) this.synced = target;
        if (this.#syncFailing) {
          this.#syncFailing = false;
          if (this.lastWriteOk) this.log.info("append-only file: fsync succeeds again");
        }
        this.#release();
        if (this.policy === "always") this.#startSync();
      },
      (err) => {
        if (this.#syncing === p) this.#syncing = undefined;
        if (file !== this.#file || this.#closed) return;
        const why = err instanceof Error ? err.message : String(err);
        this.lastWriteError = strerror(why);
        if (!this.#syncFailing || this.policy === "always") {
          this.log.info(`append-only file: fsync failed: ${why}`);
        }
        this.#syncFailing = true;
        if (this.policy === "always") Deno.exit(1);
      },
    );
    this.#syncing = p;
  }

  /** The everysec timer: an fsync when something written is not yet on disk. */
  tick(): void {
    if (this.#closed) return;
    if (this.#writeFailing) this.#write();
    if (this.policy === "everysec") this.#startSync();
  }

  /** Lets the output of every held client whose writes are on disk leave. */
  #release(): void {
    const synced = this.synced;
    for (const c of this.#held) {
      if (c.syncNeed <= synced) {
        this.#held.delete(c);
        c.flush();
      }
    }
    if (this.#untils.length > 0) {
      const keep = [];
      for (const u of this.#untils) {
        if (u.offset <= synced || this.#closed) u.resolve();
        else keep.push(u);
      }
      this.#untils = keep;
    }
  }

  hold(client: HeldOutput): boolean {
    this.#held.add(client);
    return true;
  }

  until(offset: number): Promise<void> {
    if (offset <= this.synced || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#untils.push({ offset, resolve }));
  }

  /** Waits until no fsync is running. */
  async idle(): Promise<void> {
    while (this.#syncing !== undefined) await this.#syncing;
  }

  /** Writes and fsyncs everything now (blocking), and releases every held client. */
  flushSync(): void {
    if (this.#closed) return;
    if (!this.#write()) throw new Error("the append-only file cannot be written");
    if (this.synced < this.written || this.#syncing !== undefined) this.#file.syncDataSync();
    this.synced = this.written;
    this.#lastSync = Date.now();
    this.#release();
  }

  /**
   * Switches to a rewritten file (already fsynced and renamed over `path`): everything fed so
   * far is in it, so the pending buffer is dropped and every held client released.
   */
  switchTo(file: Deno.FsFile, size: number): void {
    const old = this.#file, inflight = this.#syncing;
    this.#file = file;
    this.#syncing = undefined;
    const closeOld = () => {
      try {
        old.close();
      } catch {
        // already closed
      }
    };
    // An fsync still running on the old file finishes first.
    if (inflight !== undefined) inflight.then(closeOld);
    else closeOld();
    this.#pending.clear(KEEP);
    this.#selectedDb = 0;
    this.written = this.synced = this.fed;
    this.size = this.baseSize = size;
    this.#release();
  }

  /** Flushes, fsyncs and closes the file; held clients are released. */
  close(): void {
    if (this.#closed) return;
    try {
      this.flushSync();
    } finally {
      this.#closed = true;
      this.#release();
      for (const c of this.#held) c.flush();
      this.#held.clear();
      this.#file.close();
    }
  }
}

/** The --dir folder without a trailing slash ("" for the root, so `${dir}/name` works). */
function dirOf(dir: string): string {
  return dir.replace(/\/+$/, "");
}

/** What INFO persistence reports about rewrites. */
interface RewriteStats {
  count: number;
  failuresInARow: number;
  lastOk: boolean;
  lastSeconds: number;
}

/** The server's persistence: the append-only file, rewrites, SHUTDOWN. */
export class Persistence {
  readonly server: Server;
  readonly path: string;
  /** The open file, with --appendonly yes. */
  aof: AppendOnlyFile | undefined;
  /** Set with appendfsync always: connections ask it before their output leaves. */
  gate: SyncGate | undefined;
  #rewrite: Rewrite | undefined;
  #rewriteDone: Promise<void> | undefined;
  readonly #rewriteStats: RewriteStats = {
    count: 0,
    failuresInARow: 0,
    lastOk: true,
    lastSeconds: -1,
  };
  #stopServer: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopping = false;
  #listening = false;
  /** No automatic rewrite before this time (a failed one is not retried at once). */
  #autoAfter = 0;

  constructor(server: Server) {
    this.server = server;
    const o = server.options;
    this.path = `${dirOf(o.dir)}/${o.appendfilename}`;
  }

  get #log(): Logger {
    return this.server.log;
  }

  /**
   * Replays the file (with --appendonly yes) and starts logging; call before listening.
   * Returns false, after one explanatory line, when the server must not start.
   */
  load(): boolean {
    const o = this.server.options;
    const server = this.server;
    for (const name of removeStaleTempFiles(dirOf(o.dir))) {
      this.#log.info(`removed ${name}, left by a rewrite that did not finish`);
    }
    if (o.appendonly) {
      const started = performance.now();
      let r;
      try {
        r = loadFile(server, this.path);
      } catch (err) {
        this.#log.info(
          `tokserver redis: cannot read the append-only file ${this.path}: ${
            err instanceof Error ? err.message : err
          }`,
        );
        return false;
      }
      if (!r.ok) {
        this.#log.info(
          `tokserver redis: bad format in the append-only file ${this.path}: ${r.message}; ` +
            "not starting (the file is left as it is)",
        );
        return false;
      }
      if (r.cutFrom !== undefined) {
        this.#log.info(
          `warning: the append-only file ${this.path} ended with an incomplete ` +
            `${r.cutMulti ? "MULTI/EXEC block" : "command"}: it was dropped and the file ` +
            `truncated from ${r.cutFrom} to ${r.size} bytes`,
        );
      }
      try {
        this.aof = new AppendOnlyFile(this.path, o.appendfsync, r.size, this.#log);
      } catch (err) {
        this.#log.info(
          `tokserver redis: cannot open the append-only file ${this.path}: ${
            err instanceof Error ? err.message : err
          }`,
        );
        return false;
      }
      if (r.commands > 0 || r.size > 0) {
        const ms = (performance.now() - started).toFixed(0);
        this.#log.info(
          `loaded ${r.commands} commands (${r.size} bytes) from ${this.path} in ${ms} ms`,
        );
      }
      if (o.appendfsync === "always") this.gate = this.aof;
      this.aof.onGrown = () => {
        if (this.#rewrite === undefined && Date.now() >= this.#autoAfter) this.startRewrite();
      };
      // The loaded commands are not counted as served, nor as unsaved changes.
      server.resetStats();
      server.db.dirty = 0;
    }
    if (this.aof !== undefined) this.#listen();
    return true;
  }

  /** Subscribes to the server's changes (once: with the file, or at the first rewrite). */
  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    this.server.onPropagate((args, db) => {
      this.aof?.feed(args, db);
      this.#rewrite?.note(args);
    });
  }

  /** Starts the background jobs; `stopServer` begins a graceful shutdown (SHUTDOWN). */
  start(stopServer: () => void): void {
    this.#stopServer = stopServer;
    if (this.aof !== undefined && this.aof.policy !== "always") {
      this.#timer = setInterval(() => this.aof?.tick(), 1000);
      Deno.unrefTimer(this.#timer);
    }
  }

  /** Whether a rewrite is running. */
  get rewriting(): boolean {
    return this.#rewrite !== undefined;
  }

  /** Starts a rewrite (BGREWRITEAOF); false if one is already running. */
  startRewrite(): boolean {
    if (this.#rewrite !== undefined || this.#stopping) return false;
    this.#listen();
    const rewrite = new Rewrite(this.server, dirOf(this.server.options.dir));
    this.#rewrite = rewrite;
    this.#log.info("background append-only file rewrite started");
    this.#rewriteDone = this.#runRewrite(rewrite);
    return true;
  }

  async #runRewrite(rewrite: Rewrite): Promise<void> {
    const stats = this.#rewriteStats;
    try {
      const file = await rewrite.walk();
      const aof = this.aof;
      if (rewrite.aborted) {
        file.close();
        rewrite.discard();
        throw new Error("aborted");
      }
      // From here to the switch nothing else runs: the new file holds the dataset of now.
      const size = rewrite.finish(file, this.path);
      if (aof !== undefined) aof.switchTo(file, size);
      else file.close();
      stats.count++;
      stats.failuresInARow = 0;
      stats.lastOk = true;
      stats.lastSeconds = Math.floor((Date.now() - rewrite.started) / 1000);
      this.#log.info(`background append-only file rewrite finished (${size} bytes)`);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (!rewrite.aborted) {
        this.#autoAfter = Date.now() + 10_000;
        stats.failuresInARow++;
        stats.lastOk = false;
        this.#log.info(`background append-only file rewrite failed: ${why}`);
      }
    } finally {
      this.#rewrite = undefined;
    }
  }

  /** Writes and fsyncs what is pending, releasing held replies (before the goodbyes). */
  flush(): void {
    try {
      this.aof?.flushSync();
    } catch (err) {
      this.#log.info(`append-only file: ${err instanceof Error ? err.message : err}`);
    }
  }

  /**
   * SHUTDOWN: flushes and fsyncs the file, then stops the server. Returns false (and the
   * server keeps running) when the file cannot be written, unless `force`.
   */
  shutdown(force: boolean): boolean {
    if (this.aof !== undefined) {
      this.#log.info("SHUTDOWN requested: flushing and fsyncing the append-only file");
      try {
        this.aof.flushSync();
      } catch (err) {
        this.#log.info(
          `error trying to shut down: ${err instanceof Error ? err.message : err}${
            force ? " (FORCE: exiting anyway)" : ""
          }`,
        );
        if (!force) return false;
      }
    } else {
      this.#log.info("SHUTDOWN requested");
    }
    this.#stopServer?.();
    return true;
  }

  /** At exit: stops a rewrite, flushes, fsyncs and closes the file. */
  async close(): Promise<void> {
    this.#stopping = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#rewrite?.abort();
    await this.#rewriteDone;
    const aof = this.aof;
    if (aof === undefined) return;
    try {
      await aof.idle();
      aof.close();
      this.#log.info(`append-only file flushed and fsynced (${aof.size} bytes)`);
    } catch (err) {
      this.#log.info(`append-only file: ${err instanceof Error ? err.message : err}`);
    }
  }

  /** The INFO persistence section, field for field as Redis 7.0 prints it. */
  info(): string[] {
    const server = this.server, aof = this.aof, rw = this.#rewriteStats;
    const lines = [
      "loading:0",
      "async_loading:0",
      "current_cow_peak:0",
      "current_cow_size:0",
      "current_cow_size_age:0",
      "current_fork_perc:0.00",
      "current_save_keys_processed:0",
      "current_save_keys_total:0",
      `rdb_changes_since_last_save:${server.db.dirty}`,
      "rdb_bgsave_in_progress:0",
      `rdb_last_save_time:${Math.floor(server.startTime / 1000)}`,
      "rdb_last_bgsave_status:ok",
      "rdb_last_bgsave_time_sec:-1",
      "rdb_current_bgsave_time_sec:-1",
      "rdb_saves:0",
      "rdb_last_cow_size:0",
      "rdb_last_load_keys_expired:0",
      "rdb_last_load_keys_loaded:0",
      `aof_enabled:${aof !== undefined ? 1 : 0}`,
      `aof_rewrite_in_progress:${this.#rewrite !== undefined ? 1 : 0}`,
      "aof_rewrite_scheduled:0",
      `aof_last_rewrite_time_sec:${rw.lastSeconds}`,
      `aof_current_rewrite_time_sec:${
        this.#rewrite !== undefined ? Math.floor((Date.now() - this.#rewrite.started) / 1000) : -1
      }`,
      `aof_last_bgrewrite_status:${rw.lastOk ? "ok" : "err"}`,
      `aof_rewrites:${rw.count}`,
      `aof_rewrites_consecutive_failures:${rw.failuresInARow}`,
      `aof_last_write_status:${aof === undefined || aof.lastWriteOk ? "ok" : "err"}`,
      "aof_last_cow_size:0",
      "module_fork_in_progress:0",
      "module_fork_last_cow_size:0",
    ];
    if (aof !== undefined) {
      lines.push(
        `aof_current_size:${aof.size}`,
        `aof_base_size:${aof.baseSize}`,
        "aof_pending_rewrite:0",
        `aof_buffer_length:${aof.pendingBytes}`,
        `aof_pending_bio_fsync:${aof.syncing ? 1 : 0}`,
        "aof_delayed_fsync:0",
      );
    }
    return lines;
  }
}

/** An OS error as C's strerror words it: Deno's message without its ` (os error N)` suffix. */
function strerror(message: string): string {
  return message.replace(/ \(os error \d+\)$/, "");
}
