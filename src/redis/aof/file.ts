// The append-only file being written. Every change the server propagates (the command, with
// relative expiries already made absolute) is encoded as a RESP array into one pending buffer,
// behind a SELECT when the database changes, as Redis writes it. At the end of each event-loop
// turn the buffer is written to the file, then fsynced as --appendfsync says:
//   always    one fsync at a time, covering every write made before it started; a client's
//             output waits (the socket loop asks the SyncGate) until the fsync that covers the
//             writes it may have seen is done, so no reply to a write leaves before it is on disk
//   everysec  an fsync in the background about once a second
//   no        the OS decides

import { exitProcess } from "../../net/exit.ts";
import type { Logger } from "../../net/log.ts";
import { RespWriter } from "../../resp/writer.ts";
import { writeAllSync } from "../../net/io.ts";
import type { HeldOutput, SyncGate } from "../commands/types.ts";

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
      exitProcess(1);
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
        if (this.policy === "always") exitProcess(1);
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
    // The new file's last SELECT may be any database: the next write names its own.
    this.#selectedDb = -1;
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

/** An OS error as C's strerror words it: Deno's message without its ` (os error N)` suffix. */
export function strerror(message: string): string {
  return message.replace(/ \(os error \d+\)$/, "");
}
