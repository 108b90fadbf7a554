// A browser's WebSocket seen as one more connection of the chat server: each message it sends is
// one line of bytes to read, and what the server writes goes back as one binary message per write.
// So a WebSocket client is served by the same code as a telnet one (ChatClient's line reader and
// writer, the hub, rooms, the TcpServer's limits): it only has to look like the parts of a
// Deno.TcpConn that code uses.

const NEWLINE = 0x0a;

/** Bytes the socket may hold unsent before a write waits for it to drain (as a full TCP buffer). */
export const WS_HIGH_WATER = 256 * 1024;
/** How often a waiting write looks at the unsent bytes again. */
const DRAIN_POLL_MS = 5;

/** Close code and reason sent when a client sends faster than it is read, past the bound. */
export const TOO_MUCH_INPUT = { code: 1008, reason: "too much input" } as const;

/**
 * A WebSocket as a byte stream, implementing what the chat uses of `Deno.TcpConn`: `read`,
 * `write`, `closeWrite`, `close`, the addresses. Incoming messages wait in a queue of at most
 * `maxPending` bytes (a client sending more than that ahead of the reader is closed with
 * {@linkcode TOO_MUCH_INPUT}: TCP would have made it wait, a WebSocket cannot).
 */
export class WebSocketConn {
  readonly remoteAddr: Deno.NetAddr;
  readonly localAddr: Deno.NetAddr;
  readonly #ws: WebSocket;
  readonly #maxPending: number;
  readonly #in: Uint8Array[] = [];
  #inBytes = 0;
  #reader?: () => void;
  #closed = false;

  constructor(
    ws: WebSocket,
    remoteAddr: Deno.NetAddr,
    localAddr: Deno.NetAddr,
    maxPending: number,
  ) {
    this.#ws = ws;
    this.remoteAddr = remoteAddr;
    this.localAddr = localAddr;
    this.#maxPending = maxPending;
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (e) => this.#message(e.data));
    ws.addEventListener("close", () => this.#ended());
    ws.addEventListener("error", () => this.#ended());
  }

  #message(data: unknown): void {
    if (this.#closed) return;
    let bytes: Uint8Array;
    if (typeof data === "string") {
      bytes = encoder.encode(data + "\n");
    } else {
      const body = new Uint8Array(data as ArrayBuffer);
      bytes = new Uint8Array(body.length + 1);
      bytes.set(body);
      bytes[body.length] = NEWLINE;
    }
    // One message is always taken (a line past --max-line gets its `*** line too long`).
    if (this.#inBytes > 0 && this.#inBytes + bytes.length > this.#maxPending) {
      this.#ended();
      this.#closeWith(TOO_MUCH_INPUT.code, TOO_MUCH_INPUT.reason);
      return;
    }
    this.#in.push(bytes);
    this.#inBytes += bytes.length;
    this.#wakeReader();
  }

  #ended(): void {
    this.#closed = true;
    this.#wakeReader();
  }

  #wakeReader(): void {
    const r = this.#reader;
    this.#reader = undefined;
    r?.();
  }

  /** Copies queued message bytes into `buf`; waits for a message; null once closed and read. */
  async read(buf: Uint8Array): Promise<number | null> {
    while (this.#in.length === 0) {
      if (this.#closed) return null;
      await new Promise<void>((resolve) => this.#reader = resolve);
    }
    let n = 0;
    while (n < buf.length && this.#in.length > 0) {
      const head = this.#in[0]!;
      const k = Math.min(head.length, buf.length - n);
      buf.set(head.subarray(0, k), n);
      n += k;
      if (k === head.length) this.#in.shift();
      else this.#in[0] = head.subarray(k);
    }
    this.#inBytes -= n;
    return n;
  }

  /**
   * Sends `chunk` as one binary message (the socket copies it); then, while more than
   * {@linkcode WS_HIGH_WATER} bytes are unsent, waits as a full TCP send buffer would.
   */
  async write(chunk: Uint8Array): Promise<number> {
    const ws = this.#ws;
    if (this.#closed || ws.readyState !== WebSocket.OPEN) throw new Deno.errors.BrokenPipe();
    ws.send(chunk);
    while (ws.bufferedAmount > WS_HIGH_WATER) {
      if (ws.readyState !== WebSocket.OPEN) throw new Deno.errors.BrokenPipe();
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    return chunk.length;
  }

  /** Closes the socket after what was written (a WebSocket has no half-close). */
  closeWrite(): Promise<void> {
    this.#closeWith(1000, "");
    return Promise.resolve();
  }

  /** Closes the socket after what was written; reads end. */
  close(): void {
    this.#closeWith(1000, "");
    this.#ended();
  }

  #closeWith(code: number, reason: string): void {
    const ws = this.#ws;
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
      try {
        ws.close(code, reason);
      } catch {
        // already closing
      }
    }
  }

  /** Nothing to do on a WebSocket (kept for the TcpConn shape). */
  setNoDelay(): void {}

  /** Nothing to do on a WebSocket (kept for the TcpConn shape). */
  setKeepAlive(): void {}

  /** This connection where a `Deno.TcpConn` is expected (only the members above are used). */
  asTcpConn(): Deno.TcpConn {
    return this as unknown as Deno.TcpConn;
  }
}

const encoder = new TextEncoder();
