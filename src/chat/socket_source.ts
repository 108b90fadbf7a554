// A client's bytes as a stream that, unlike `conn.readable`, does not close the socket when the
// line reader gives up on it (cancelling `conn.readable` closes the whole connection, so a
// `*** line too long` could never be sent). It also lets a client be closed gently: after the
// last words, drain its input so the kernel does not answer with a reset that destroys them.

/**
 * The read buffer starts small, so an idle client costs little, doubles while reads fill it, up
 * to the largest size, and drops back after reads that use little of it. Each read hands on a
 * copy of just what arrived, so the buffer itself is reused.
 */
const MIN_READ = 512, MAX_READ = 64 * 1024;

/** Reads a connection for the line reader and can drain it afterwards. */
export class SocketSource {
  readonly #conn: Deno.Conn;
  #buf = new Uint8Array(MIN_READ);
  /** The buffer size for the next read, applied once this read's bytes are copied out. */
  #nextSize = 0;
  #inFlight?: Promise<number | null>;
  /** Bytes read by `firstData` before anyone pulled from `readable`. */
  #early?: Uint8Array;
  #readable?: ReadableStream<Uint8Array>;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** The bytes the client sends (made on first use); cancelling it leaves the socket open. */
  get readable(): ReadableStream<Uint8Array> {
    return this.#readable ??= new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (this.#early) {
          controller.enqueue(this.#early);
          this.#early = undefined;
          return;
        }
        const n = await this.#read();
        if (n === null) return controller.close();
        controller.enqueue(this.#buf.slice(0, n));
        if (this.#nextSize !== 0) {
          this.#buf = new Uint8Array(this.#nextSize);
          this.#nextSize = 0;
        }
      },
    }, { highWaterMark: 0 });
  }

  /**
   * Waits for the client's first bytes (kept for `readable`); false if it leaves first. Lets a
   * caller build its costly reading pipeline only for clients that speak, so a silent client
   * costs a small buffer and one pending read.
   */
  async firstData(): Promise<boolean> {
    if (this.#early) return true;
    const n = await this.#read();
    if (n === null) return false;
    this.#early = this.#buf.slice(0, n);
    return true;
  }

  #read(): Promise<number | null> {
    const p = this.#conn.read(this.#buf).then((n) => {
      const size = this.#buf.length;
      if (n === size && size < MAX_READ) this.#nextSize = size * 2;
      else if (n !== null && n < size / 8 && size > MIN_READ) this.#nextSize = MIN_READ;
      return n;
    });
    this.#inFlight = p;
    return p.finally(() => {
      if (this.#inFlight === p) this.#inFlight = undefined;
    });
  }

  /**
   * Closes the sending side (the client sees the end after what was written) and reads and
   * discards the client's input until it closes too, at most `maxBytes` or `ms`.
   */
  async linger(maxBytes = 64 * 1024 * 1024, ms = 2000): Promise<void> {
    const deadline = Date.now() + ms;
    try {
      await this.#inFlight?.catch(() => null);
      await this.#conn.closeWrite(); // a promise: unawaited, a closed socket crashes the process
      let total = 0;
      while (total < maxBytes) {
        const left = deadline - Date.now();
        if (left <= 0) return;
        let t: ReturnType<typeof setTimeout> | undefined;
        const n = await Promise.race([
          this.#read(),
          new Promise<null>((r) => t = setTimeout(() => r(null), left)),
        ]);
        clearTimeout(t);
        if (n === null) return;
        total += n;
      }
    } catch {
      // reset or closed meanwhile: nothing left to drain
    }
  }
}
