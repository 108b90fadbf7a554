// The accept loop every mode shares: a registry of live connections, a client limit, and graceful
// shutdown (stop accepting, let the mode say goodbye, close everything, wait for every task).

import { exitProcess } from "./exit.ts";
import { formatAddr, formatNetAddr } from "./listen.ts";
import { settleWithin } from "./deadline.ts";
import type { Logger } from "./log.ts";

/** One accepted client connection. */
export interface Connection {
  /** Unique, increasing from 1. */
  readonly id: number;
  readonly conn: Deno.TcpConn;
  /** The peer's address, `host:port`. */
  readonly remote: string;
  /** `Date.now()` at accept. */
  readonly since: number;
  /** `Date.now()` of the client's last input; modes update it as bytes arrive (idle timeout). */
  lastActive: number;
  /** Exempt from the idle timeout (e.g. a pub/sub subscriber, as in Redis). */
  noTimeout: boolean;
}

// An idle client costs what it holds, so a connection keeps few fields and its address is
// formatted only when someone asks for it (a log line, CLIENT LIST).
class Accepted implements Connection {
  readonly id: number;
  readonly conn: Deno.TcpConn;
  readonly since: number;
  lastActive: number;
  noTimeout = false;
  #remote: string | undefined;

  constructor(id: number, conn: Deno.TcpConn, now: number) {
    this.id = id;
    this.conn = conn;
    this.since = this.lastActive = now;
  }

  get remote(): string {
    if (this.#remote === undefined) {
      try {
        this.#remote = formatNetAddr(this.conn.remoteAddr);
      } catch {
        // the peer may already be gone.
        return "?";
      }
    }
    return this.#remote;
  }
}

/** How a {@linkcode TcpServer} serves. */
export interface ServerOptions {
  listener: Deno.TcpListener;
  log: Logger;
  /** Serves one client until it leaves; the server closes the connection afterwards. */
  handle: (c: Connection) => Promise<void>;
  /** Serve one client at a time: accept the next only when the current one has left. */
  sequential?: boolean;
  /** Clients at once; the next one is passed to `reject` and closed. */
  maxClients?: number;
  /** Tells a client over the limit why it is refused (bounded by a short deadline). */
  reject?: (conn: Deno.TcpConn) => Promise<void>;
  /** Says goodbye to the live clients at shutdown (bounded by `goodbyeMs`). */
  goodbye?: (live: Connection[]) => Promise<void> | void;
  /** How long `goodbye` may take. Default 500 ms. */
  goodbyeMs?: number;
  /** Close clients whose `lastActive` is older than this many seconds (0 or unset: never). */
  idleTimeout?: number;
  /** Says why an idle client is closed, just before it is (bounded by a short deadline). */
  idleGoodbye?: (c: Connection) => Promise<void>;
  /**
   * Called once the last client has left and none came back for a second, just before the idle
   * collection: the place to let go of what only clients needed (a hub's recent messages).
   */
  idle?: () => void;
}

/** Resolves after `ms`, or at once when `signal` aborts; never keeps the process alive past it. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Closes a connection, ignoring one already closed. */
export function closeQuietly(c: { close(): void }): void {
  try {
    c.close();
  } catch {
    // already closed
  }
}

/** A TCP server: tracks every live connection and shuts down gracefully. */
export class TcpServer {
  /** Live connections by id. */
  readonly connections = new Map<number, Connection>();
  /** Counters for INFO-like reports. */
  readonly stats = { accepted: 0, rejected: 0, timedOut: 0 };
  readonly #opts: ServerOptions;
  // Background tasks (idle sweep, refusals); connections are counted, not kept as promises.
  readonly #tasks = new Set<Promise<void>>();
  #running = 0;
  #allEnded: (() => void) | undefined;
  readonly #closing = new AbortController();
  #nextId = 1;
  #idleGc?: ReturnType<typeof setTimeout>;
  #loop?: Promise<void>;
  #stopping?: Promise<void>;

  constructor(opts: ServerOptions) {
    this.#opts = opts;
  }

  /** The bound address, `host:port`. */
  get addr(): string {
    const a = this.#opts.listener.addr;
    return formatAddr(a.hostname, a.port);
  }

  /** The bound port (useful with port 0). */
  get port(): number {
    return this.#opts.listener.addr.port;
  }

  /** Aborts when shutdown begins; modes watch it to stop their own loops. */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** Starts accepting; resolves when the listener is closed. */
  serve(): Promise<void> {
    this.#loop ??= this.#acceptLoop();
    return this.#loop;
  }

  async #acceptLoop(): Promise<void> {
    const { listener, maxClients = Infinity } = this.#opts;
    if (this.#opts.idleTimeout) this.#track(this.#idleSweep(this.#opts.idleTimeout * 1000));
    while (!this.#closing.signal.aborted) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (this.#closing.signal.aborted || err instanceof Deno.errors.BadResource) break;
        // EMFILE and friends: report, breathe, keep serving those already connected.
        this.#opts.log.info(`accept failed: ${err instanceof Error ? err.message : err}`);
        await sleep(100, this.#closing.signal);
        continue;
      }
      if (this.connections.size >= maxClients) {
        this.stats.rejected++;
        this.#track(this.#refuse(conn));
        continue;
      }
      this.stats.accepted++;
      const task = this.#run(conn);
      if (this.#opts.sequential) await task;
    }
  }

  /**
   * Serves a connection that arrived some other way (the chat's WebSockets) as if accepted here:
   * the same client limit, idle timeout, goodbye and shutdown. Past the limit it goes to `reject`
   * and is closed; while shutting down it is closed. Returns whether it is served.
   */
  adopt(conn: Deno.TcpConn): boolean {
    if (this.#closing.signal.aborted) {
      closeQuietly(conn);
      return false;
    }
    if (this.connections.size >= (this.#opts.maxClients ?? Infinity)) {
      this.stats.rejected++;
      this.#track(this.#refuse(conn));
      return false;
    }
    this.stats.accepted++;
    this.#run(conn);
    return true;
  }

  /** Closes idle clients; checks about ten times per timeout, at most once per 100 ms. */
  async #idleSweep(timeoutMs: number): Promise<void> {
    const every = Math.min(1000, Math.max(100, timeoutMs / 10));
    while (!this.#closing.signal.aborted) {
      await sleep(every, this.#closing.signal);
      const now = Date.now();
      for (const c of this.connections.values()) {
        if (c.noTimeout || now - c.lastActive <= timeoutMs) continue;
        c.noTimeout = true; // close once
        this.stats.timedOut++;
        this.#opts.log.client(`client ${c.remote} idle for ${this.#opts.idleTimeout} s, closing`);
        const bye = this.#opts.idleGoodbye?.(c) ?? Promise.resolve();
        settleWithin(bye, 200).then(() => closeQuietly(c.conn));
      }
    }
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async #refuse(conn: Deno.TcpConn): Promise<void> {
    try {
      conn.setNoDelay(true);
      if (this.#opts.reject) await settleWithin(this.#opts.reject(conn), 200);
    } finally {
      closeQuietly(conn);
    }
  }

  // Per connection: one object, one registry entry and one promise reaction (no async frame of
  // its own, no promise kept per task): an idle client costs little beyond its pending read.
  #run(conn: Deno.TcpConn): Promise<void> {
    try {
      conn.setNoDelay(true);
    } catch {
      // the peer may already be gone; serve (and fail) normally.
    }
    const c = new Accepted(this.#nextId++, conn, Date.now());
    this.connections.set(c.id, c);
    this.#running++;
    const log = this.#opts.log;
    if (!log.quiet) log.client(`client ${c.remote} connected (${this.connections.size} connected)`);
    let served: Promise<void>;
    try {
      served = this.#opts.handle(c);
    } catch (err) {
      served = Promise.reject(err);
    }
    return served.then(() => this.#ended(c, false), (err) => this.#ended(c, true, err));
  }

  #ended(c: Accepted, failed: boolean, err?: unknown): void {
    const log = this.#opts.log;
    if (failed && !isDisconnect(err)) {
      log.info(`client ${c.remote}: ${err instanceof Error ? err.message : err}`);
    }
    closeQuietly(c.conn);
    this.connections.delete(c.id);
    if (!log.quiet) {
      log.client(`client ${c.remote} disconnected (${this.connections.size} connected)`);
    }
    if (--this.#running === 0 && this.#allEnded !== undefined) this.#allEnded();
    if (this.connections.size === 0) this.#collectWhenIdle();
  }

  /**
   * Once the last client has left and none came back for a second, calls the `idle` hook and runs
   * a full garbage collection where the runtime offers one (`--v8-flags=--expose-gc`, as the start
   * task sets): an idle server allocates nothing, so without it the memory of a past burst would
   * stay resident until the next one. Logs the heap left in use and the RSS (per-client level).
   */
  #collectWhenIdle(): void {
    const gc = (globalThis as { gc?: () => void }).gc;
    if ((gc === undefined && this.#opts.idle === undefined) || this.#idleGc !== undefined) return;
    this.#idleGc = setTimeout(() => {
      this.#idleGc = undefined;
      if (this.connections.size !== 0 || this.#closing.signal.aborted) return;
      this.#opts.idle?.();
      if (gc === undefined) return;
      gc();
      if (!this.#opts.log.quiet) {
        const m = Deno.memoryUsage();
        this.#opts.log.client(
          `idle: heap ${megabytes(m.heapUsed)} MB after collection, rss ${megabytes(m.rss)} MB`,
        );
      }
    }, 1000);
    // Never keep the process alive for it.
    (this.#idleGc as unknown as { unref?: () => void }).unref?.();
  }

  /** Resolves once every connection has ended. */
  #connectionsEnded(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const prev = this.#allEnded;
      this.#allEnded = () => {
        this.#allEnded = undefined;
        prev?.();
        resolve();
      };
    });
  }

  /**
   * Graceful shutdown: stop accepting, let the mode say goodbye, close every connection and
   * wait (bounded) for every connection task. Safe to call more than once.
   */
  shutdown(): Promise<void> {
    // A second call (runServer's, after a signal started the first) waits for the first to finish.
    return this.#stopping ??= this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    this.#closing.abort();
    closeQuietly(this.#opts.listener);
    const live = [...this.connections.values()];
    if (this.#opts.goodbye && live.length > 0) {
      await settleWithin(Promise.resolve(this.#opts.goodbye(live)), this.#opts.goodbyeMs ?? 500);
    }
    for (const c of this.connections.values()) closeQuietly(c.conn);
    await settleWithin(Promise.all([...this.#tasks, this.#connectionsEnded()]), 1000);
    await settleWithin(this.#loop ?? Promise.resolve(), 100);
  }
}

/**
 * Starts `tcp` serving and returns what stops it (an in-process server's `close`): shut down,
 * wait for the accept loop, then `stopped` (the server's own jobs and files). Safe to call twice.
 */
export function serveUntilClosed(
  tcp: TcpServer,
  stopped: () => void | Promise<void>,
): () => Promise<void> {
  const serving = tcp.serve();
  let closed: Promise<void> | undefined;
  return () =>
    closed ??= (async () => {
      await tcp.shutdown();
      await serving;
      await stopped();
    })();
}

/** Whether `err` is just a peer going away (reset, broken pipe, closed socket). */
export function isDisconnect(err: unknown): boolean {
  return err instanceof Deno.errors.ConnectionReset ||
    err instanceof Deno.errors.BrokenPipe ||
    err instanceof Deno.errors.ConnectionAborted ||
    err instanceof Deno.errors.BadResource ||
    err instanceof Deno.errors.NotConnected ||
    err instanceof Deno.errors.UnexpectedEof ||
    err instanceof Deno.errors.Interrupted ||
    (err instanceof TypeError && /closed|released|locked/i.test(err.message));
}

/**
 * Runs `onSignal` once on the first SIGINT or SIGTERM; a second signal exits at once.
 * Returns a function that removes the handlers.
 */
export function onShutdownSignal(onSignal: (sig: Deno.Signal) => void): () => void {
  let fired = false;
  const sigs: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const handlers = sigs.map((sig) => {
    const h = () => {
      if (fired) exitProcess(1);
      fired = true;
      onSignal(sig);
    };
    Deno.addSignalListener(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
  };
}

/** Bytes as megabytes with two decimals (log lines). */
function megabytes(n: number): string {
  return (n / 2 ** 20).toFixed(2);
}
