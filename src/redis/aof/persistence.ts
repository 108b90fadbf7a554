// Persistence is what the server holds: the append-only file (file.ts) when enabled, loading
// at start (load.ts), rewrites (rewrite.ts), INFO persistence, SHUTDOWN and the final flush when
// the server stops.

import type { Logger } from "../../net/log.ts";
import { loadFile } from "./load.ts";
import { removeStaleTempFiles, Rewrite } from "./rewrite.ts";
import type { Server, SyncGate } from "../commands/types.ts";
import { AppendOnlyFile } from "./file.ts";

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
      server.dbs.dirty = 0;
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
      this.#rewrite?.note(args, db);
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
      `rdb_changes_since_last_save:${server.dbs.dirty}`,
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
