// One chat client's two halves: its lines come in through the capped line reader, and its queue
// goes out through a writer task that sends everything pending in one write per turn. Every mode
// serves its clients through this, so limits, goodbyes and disconnects behave the same everywhere.

import { lineStream, LineTooLongError } from "../net/line_reader.ts";
import { closeQuietly, type Connection, isDisconnect } from "../net/server.ts";
import { settleWithin } from "../net/deadline.ts";
import type { Outbox } from "./outbox.ts";
import { SocketSource } from "./socket_source.ts";

const encoder = new TextEncoder();

/** Sent before closing a client whose line passed `--max-line`. */
export const LINE_TOO_LONG: Uint8Array = encoder.encode("*** line too long\r\n");
/** Sent to every client at shutdown. */
export const SHUTTING_DOWN: Uint8Array = encoder.encode("*** server shutting down\r\n");
/** Sent to a client closed by `--timeout`. */
export const IDLE_TIMEOUT: Uint8Array = encoder.encode("*** idle timeout\r\n");
/** Sent to a client refused because the server is full. */
export const SERVER_FULL: Uint8Array = encoder.encode("*** server full\r\n");

/** How long a leaving client's writer may take to send what is still queued. */
export const FLUSH_MS = 1000;

/** A connected client and the writer task draining its queue into the socket. */
export class ChatClient {
  readonly connection: Connection;
  readonly queue: Outbox;
  /** Resolves when the writer has stopped (queue ended and sent, or the peer went away). */
  readonly written: Promise<void>;

  /** Counts what every client of a server received; shared through the {@linkcode ClientSet}. */
  readonly #totals: { lines: number };

  constructor(connection: Connection, queue: Outbox, totals = { lines: 0 }) {
    this.connection = connection;
    this.#totals = totals;
    this.queue = queue;
    this.written = this.#writer();
  }

  async #writer(): Promise<void> {
    const { conn } = this.connection;
    const q = this.queue;
    try {
      while (true) {
        const chunk = q.take();
        if (chunk !== null) {
          let off = await conn.write(chunk);
          while (off < chunk.length) off += await conn.write(chunk.subarray(off));
          q.recycle(chunk);
        } else if (!await q.wait()) return;
      }
    } catch {
      // Whatever the write error, the peer cannot be written to any more (reset, closed by the
      // server at shutdown): stop queueing and close, which ends the reading half too.
      q.end();
      closeQuietly(conn);
    }
  }

  /**
   * Ends the queue (after `last`, if given) and waits, at most `ms`, for the writer to send what
   * is queued. The caller then returns and the server closes the connection.
   */
  async finish(last?: Uint8Array, ms = FLUSH_MS): Promise<void> {
    this.queue.end(last);
    await settleWithin(this.written, ms);
  }

  /**
   * Reads the client's lines into `onLine` until it leaves; a line over `maxLine` bytes ends
   * the client with `*** line too long`. Then flushes what is queued (see `finish`).
   */
  async serveLines(
    maxLine: number,
    onLine: (line: string) => void | Promise<void>,
  ): Promise<void> {
    const c = this.connection;
    const source = new SocketSource(c.conn);
    try {
      // The line pipeline (TextLineStream and friends, some 20 KB) is built on the first bytes.
      if (!await source.firstData()) return await this.finish();
      const onData = () => c.lastActive = Date.now();
      for await (const line of lineStream(source.readable, { maxLine, onData })) {
        this.#totals.lines++;
        const pending = onLine(line);
        if (pending) await pending;
      }
    } catch (err) {
      if (err instanceof LineTooLongError) {
        await this.finish(LINE_TOO_LONG);
        // The client is most likely still sending its line: read it away after our last words,
        // or closing would reset the connection and the client might never see them.
        return await source.linger();
      }
      if (!isDisconnect(err)) throw err;
    }
    await this.finish();
  }
}

/** The live clients of a mode, so shutdown can say goodbye to each. */
export class ClientSet {
  readonly #live = new Map<number, ChatClient>();
  /** Lines received from all clients so far (for the summary at stop). */
  readonly totals = { lines: 0 };

  /** Starts serving `c` with `queue`; call `delete` when it leaves. */
  add(c: Connection, queue: Outbox): ChatClient {
    const client = new ChatClient(c, queue, this.totals);
    this.#live.set(c.id, client);
    return client;
  }

  /** Forgets a client that left. */
  delete(client: ChatClient): void {
    this.#live.delete(client.connection.id);
  }

  /** Sends `last` after what `c` has pending and ends its queue; resolves once written. */
  async close(c: Connection, last: Uint8Array): Promise<void> {
    const client = this.#live.get(c.id);
    if (!client) return;
    client.queue.end(last);
    await client.written;
  }

  /** How many are connected. */
  get size(): number {
    return this.#live.size;
  }

  /** Queues `*** server shutting down` after what each client has pending; waits for the writes. */
  async goodbye(): Promise<void> {
    const clients = [...this.#live.values()];
    for (const c of clients) c.queue.end(SHUTTING_DOWN);
    await Promise.all(clients.map((c) => c.written.catch(() => {})));
  }
}
