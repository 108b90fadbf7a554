// One client connection of the Redis server and its hot path: read straight into the request
// parser's buffer, run every complete command of that read in order, encode every reply into the
// connection's one RespWriter, and send it all with one write. While a write is in flight, new
// output (replies, published messages) keeps accumulating and leaves in the next write; its size
// is tracked so a subscriber that stops reading is dropped at the pub/sub output limits.
//
// Memory per idle connection stays small: the read buffer starts at 512 bytes, grows while reads
// fill it, and shrinks back once traffic calms down; the output buffers come from a shared pool
// when a reply is written and go back to it once everything has left.

import { isDisconnect, sleep } from "../../net/server.ts";
import { ProtocolError, QueryBufferLimitError, RequestParser } from "../../resp/request_parser.ts";
import { execute } from "./dispatch.ts";
import type { Server } from "../commands/types.ts";
import type { OutputPool } from "../../resp/writer.ts";
import type { BusyPoll } from "../../net/busy_poll.ts";
import { ClientSession } from "./session.ts";
import { lowerName } from "../commands/args.ts";
import { SlabOutput } from "./slab_output.ts";

const MIN_READ = 512;
const MAX_READ = 64 * 1024;
/** Pending replies of this many bytes are written before the rest of a read's commands run. */
const EARLY_WRITE = 256 * 1024;

/** Rust's `b"..."` rendering of bytes, as mini-redis's frame Debug output shows them. */
export function debugBytes(b: Uint8Array): string {
  let s = 'b"';
  for (const c of b) {
    if (c === 34) s += '\\"';
    else if (c === 92) s += "\\\\";
    else if (c === 10) s += "\\n";
    else if (c === 13) s += "\\r";
    else if (c === 9) s += "\\t";
    else if (c === 0) s += "\\0";
    else if (c >= 32 && c < 127) s += String.fromCharCode(c);
    else s += "\\x" + c.toString(16).padStart(2, "0");
  }
  return s + '"';
}

/** A command as mini-redis logs a received frame: `Array([Bulk(b"set"), Bulk(b"k")])`. */
export function debugFrame(args: Uint8Array[]): string {
  return `Array([${args.map((a) => `Bulk(${debugBytes(a)})`).join(", ")}])`;
}

/** What a connection needs of its server beyond what commands see (server.ts implements it). */
export interface ConnectionHost extends Server {
  /** Log every command received (--verbose). */
  readonly verbose: boolean;
  /** Output buffers lent to connections while they write. */
  readonly outputPool: OutputPool;
  /** Keeps the event loop polling a little after each read. */
  readonly busyPoll: BusyPoll;
  /** Schedules a write for a connection that received output outside its own read loop. */
  queueFlush(c: RedisConnection): void;
  /** Forgets a connection that ended. */
  removeClient(c: RedisConnection): void;
}

/** A connected Redis client: a ClientSession driven by its TCP connection's read/write loop. */
export class RedisConnection extends ClientSession {
  declare readonly server: ConnectionHost;
  readonly #conn: Deno.TcpConn;
  readonly #parser: RequestParser;
  #readSize = MIN_READ;
  #smallReads = 0;
  #writing = false;
  #chunk: Uint8Array | undefined;
  #off = 0;
  #onWrote: ((n: number) => void) | undefined;
  #onFailed: ((err: unknown) => void) | undefined;
  #wake: (() => void) | undefined;
  #inflight = 0;
  #softSince = 0;
  /** Published frames pending ahead of `out`, sent without a copy (slab_output.ts). */
  #slabs: SlabOutput | undefined;
  /** An injected delay (ms) of the replies produced so far (store/faults.ts). */
  #delay = 0;
  /** Set while an injected delay holds the output (a published message waits too). */
  #holding = false;
  /** Set while this client waits in the server's flush queue. */
  flushQueued = false;

  /**
   * `peer` is the client's address, or the accepted connection that formats it on demand (most
   * clients never need it as a string).
   */
  constructor(
    server: ConnectionHost,
    id: number,
    conn: Deno.TcpConn,
    peer: string | { readonly remote: string },
  ) {
    super(server, id, peer, server.outputPool);
    this.#conn = conn;
    this.#parser = new RequestParser({ limits: server.config.parserLimits });
  }

  /** Bytes of published frames pending in slab ranges. */
  get #slabPending(): number {
    return this.#slabs?.length ?? 0;
  }

  /** Bytes of output not yet written to the socket. */
  override get pendingOutput(): number {
    return this.#slabPending + this.out.length + this.#inflight;
  }

  /** Bytes of input not yet parsed. */
  override get pendingInput(): number {
    return this.#parser.pending;
  }

  /** Bytes of the input buffer. */
  override get readBufferSize(): number {
    return this.#parser.capacity;
  }

  /** Serves the client until it leaves, QUITs, breaks the protocol or is killed. */
  async serve(): Promise<void> {
    const parser = this.#parser, conn = this.#conn, server = this.server;
    const busyPoll = server.busyPoll;
    try {
      while (!this.closeAfterReply && !this.dead) {
        const view = parser.reserve(this.#readSize);
        let n: number | null;
        try {
          n = await conn.read(view);
        } catch (err) {
          if (this.dead || isDisconnect(err)) break;
          throw err;
        }
        if (n === null || this.dead) break;
        // CONFIG RESETSTAT replaces the stats object: read it afresh for every read.
        const stats = server.stats;
        stats.netInputBytes += n;
        stats.readsProcessed++;
        this.lastInteraction = Date.now();
        try {
          parser.commit(n);
        } catch (err) {
          if (!(err instanceof QueryBufferLimitError)) throw err;
          // Redis closes such a client without a reply.
          this.server.log.client(`client ${this.addr}: closed, query buffer over the limit`);
          break;
        }
        const before = stats.commandsProcessed;
        this.#process();
        // (A RESETSTAT among the read's commands counts them as none: the read polls.)
        busyPoll.touch(server.stats === stats ? stats.commandsProcessed - before : 0);
        // An injected delay: hold the replies so far, then run what else the read brought.
        while (this.#delay > 0 && !this.dead) {
          const ms = this.#delay;
          this.#delay = 0;
          this.#holding = true;
          await sleep(ms);
          this.#holding = false;
          if (this.dead) break;
          this.#flush();
          this.#process();
        }
        const gate = this.server.persistence.gate;
        if (gate !== undefined) this.syncNeed = gate.fed;
        this.#adaptReadSize(n, view.length);
        if (this.subscribed && this.#overLimit()) break;
        this.#flush();
        // appendfsync always: a client that keeps sending while its replies wait for the fsync
        // (aof/file.ts) is read on only once they have left, when they pile up past 64 KiB.
        if (gate !== undefined && this.out.length > 65536 && this.syncNeed > gate.synced) {
          await gate.until(this.syncNeed);
        }
      }
      // Let the last replies leave (QUIT, a protocol error) before the connection is closed.
      const gate = this.server.persistence.gate;
      if (gate !== undefined && this.syncNeed > gate.synced) await gate.until(this.syncNeed);
      this.#flush();
      while (this.#writing) await this.#idle();
    } finally {
      this.markDead();
      this.server.removeClient(this);
    }
  }

  /** A client on a socket may block. */
  override get canBlock(): boolean {
    return true;
  }

  /** Served or timed out: runs what arrived meanwhile and sends the replies. */
  override resume(): void {
    if (this.dead) return;
    this.#process();
    this.#flush();
  }

  /** Runs every complete command buffered, in order (none while blocked); replies go to `out`. */
  #process(): void {
    const parser = this.#parser, server = this.server, lookup = server.lookup;
    while (!this.closeAfterReply && this.blockedOn === undefined) {
      let args: Uint8Array[] | undefined;
      try {
        args = parser.next();
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        this.out.error("ERR " + err.message);
        this.closeAfterReply = true;
        server.log.client(`client ${this.addr}: ${err.message}`);
        return;
      }
      if (args === undefined) return;
      if (server.verbose) server.log.info(`GOT: ${debugFrame(args)}`);
      if (!server.faults.active) execute(this, args, lookup);
      else if (!this.#faulted(args)) return;
      // A pipeline of large replies starts leaving before the read's last command has run: the
      // client reads the first ones meanwhile, and the buffer they were in is not grown further
      // (16 GETs of 64 KiB values: 0.62-0.73x redis-server's rate before, 0.79x after).
      if (this.out.length >= EARLY_WRITE && !this.#writing) this.#flush();
    }
  }

  /**
   * Runs a command while faults are armed or commands recorded (store/faults.ts); false when
   * processing must pause (a delayed reply).
   */
  #faulted(args: Uint8Array[]): boolean {
    const server = this.server, faults = server.faults;
    if (faults.recording) faults.record(this.id, this.db, args);
    const name = lowerName(args[0]!);
    // The test commands themselves are never faulted nor counted.
    const rule = name === "tokserver" ? undefined : faults.take(name);
    if (rule?.kind === "error") {
      server.stats.errorReplies++;
      this.out.error(rule.message ?? "ERR injected fault");
    } else {
      const mark = this.out.length;
      execute(this, args, server.lookup);
      if (rule?.kind === "drop") this.out.truncate(mark);
    }
    if (name !== "tokserver" && faults.countReply()) this.closeAfterReply = true;
    if (rule?.kind === "delay") {
      this.#delay = rule.ms ?? 0;
      return this.#delay === 0;
    }
    return true;
  }

  /** Grows the read size while reads fill it; shrinks it (and the buffer) when traffic calms. */
  #adaptReadSize(n: number, room: number): void {
    if (n === room) {
      this.#smallReads = 0;
      if (this.#readSize < MAX_READ) this.#readSize *= 2;
    } else if (n < this.#readSize >> 3 && this.#readSize > MIN_READ) {
      // Shrink only after many small reads in a row: a pipeline that sometimes fills the buffer
      // must not flip between sizes (one batch, two reads).
      if (++this.#smallReads < 256) return;
      this.#smallReads = 0;
      this.#readSize >>= 1;
      if (this.#parser.buffered === 0 && this.#parser.capacity > this.#readSize * 2) {
        this.#parser.shrink(0);
      }
    } else {
      this.#smallReads = 0;
    }
  }

  /**
   * Appends a published message's frame (pub/sub). A `stable` frame that follows the slab range
   * pending (or starts one while nothing is pending) extends it; otherwise the bytes are copied.
   * Pending output is that range first, then `out`, so the order holds either way.
   */
  override deliver(frame: Uint8Array, stable = false): void {
    if (this.dead) return;
    const out = this.out;
    if (
      !stable || out.length !== 0 || out.resp3 || !(this.#slabs ??= new SlabOutput()).add(frame)
    ) {
      out.pushFrame(frame);
    }
    if (this.#overLimit()) return;
    if (!this.#writing && !this.flushQueued) this.server.queueFlush(this);
  }

  /**
   * Applies the pub/sub output limits (Redis's client-output-buffer-limit pubsub): over the hard
   * limit, or over the soft limit for longer than its seconds, the client is closed at once.
   */
  #overLimit(): boolean {
    const limit = this.server.config.pubsubLimit;
    const used = this.#slabPending + this.out.length + this.#inflight;
    let over = limit.hard > 0 && used >= limit.hard;
    if (!over && limit.soft > 0 && used >= limit.soft) {
      const now = Date.now();
      if (this.#softSince === 0) this.#softSince = now;
      else if (now - this.#softSince > limit.seconds * 1000) over = true;
    } else if (!over) {
      this.#softSince = 0;
    }
    if (!over) return false;
    this.server.stats.pubsubClientsDropped++;
    this.server.log.client(
      `client ${this.addr} closed for overcoming of output buffer limits (${used} bytes pending)`,
    );
    this.kill();
    return true;
  }

  /** Starts writing pending output unless a write is already in flight. */
  override flush(): void {
    this.#flush();
  }

  #flush(): void {
    if (
      this.#writing || (this.out.length === 0 && this.#slabPending === 0) || this.dead ||
      this.#holding || this.#held()
    ) {
      return;
    }
    this.#writing = true;
    this.#send();
  }

  /** appendfsync always: output waits for the fsync of what it may depend on (aof/file.ts). */
  #held(): boolean {
    const gate = this.server.persistence.gate;
    return gate !== undefined && this.syncNeed > gate.synced && gate.hold(this);
  }

  // The write path is a chain of promise reactions rather than an async loop: a reply to one
  // read leaves with one write and its two callbacks (made once per client), no async frame.
  // Pending output that piled up meanwhile leaves in the next write, a partial write resumes
  // where it stopped.

  /** Hands the pending output to the socket (a write is in flight until #wrote/#failed). */
  #send(): void {
    const slabs = this.#slabs;
    const chunk = slabs !== undefined && slabs.length > 0 ? slabs.take() : this.out.take();
    this.#chunk = chunk;
    this.#off = 0;
    this.#inflight = chunk.length;
    this.#conn.write(chunk).then(
      this.#onWrote ??= (n) => this.#wrote(n),
      this.#onFailed ??= (err) => this.#failed(err),
    );
  }

  #wrote(n: number): void {
    const stats = this.server.stats, chunk = this.#chunk!;
    stats.writesProcessed++;
    const off = this.#off += n;
    this.#inflight = chunk.length - off;
    if (off < chunk.length && !this.dead) {
      this.#conn.write(chunk.subarray(off)).then(this.#onWrote, this.#onFailed);
      return;
    }
    stats.netOutputBytes += off;
    this.#chunk = undefined;
    const out = this.out;
    if ((out.length > 0 || this.#slabPending > 0) && !this.dead && !this.#held()) {
      this.#send();
      return;
    }
    // Nothing pending and no write in flight: the buffers go back to the shared pool.
    if (out.length === 0) out.release();
    this.#written();
  }

  #failed(err: unknown): void {
    if (!this.dead && !isDisconnect(err)) {
      this.server.log.info(`client ${this.addr}: ${err instanceof Error ? err.message : err}`);
    }
    this.kill();
    this.#chunk = undefined;
    this.#written();
  }

  /** No write in flight any more: wakes whoever waits for the output to leave. */
  #written(): void {
    this.#inflight = 0;
    this.#writing = false;
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  }

  /** Resolves once no write is in flight (made only when someone waits: drain, the end). */
  #idle(): Promise<void> {
    if (!this.#writing) return Promise.resolve();
    return new Promise((resolve) => {
      const prev = this.#wake;
      this.#wake = prev === undefined ? resolve : () => {
        prev();
        resolve();
      };
    });
  }

  /** Waits (bounded by the caller) until pending output has been written. */
  async drain(): Promise<void> {
    this.#flush();
    while (this.#writing) await this.#idle();
  }

  /** Closes the connection now, dropping pending output. */
  override kill(): void {
    if (this.dead) return;
    super.kill();
    this.#slabs = undefined;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}
