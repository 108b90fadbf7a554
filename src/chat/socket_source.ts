// A client's bytes as a stream that, unlike `conn.readable`, does not close the socket when the
// line reader gives up on it (cancelling `conn.readable` closes the whole connection, so a
// `*** line too long` could never be sent). It also lets a client be closed gently: after the
// last words, drain its input so the kernel does not answer with a reset that destroys them.

/** Bytes read per socket read; each read hands on a copy of just what arrived. */
const READ_SIZE = 16 * 1024;

/** Reads a connection for the line reader and can drain it afterwards. */
export class SocketSource {
  /** The bytes the client sends; cancelling it leaves the socket open. */
  readonly readable: ReadableStream<Uint8Array>;
  readonly #conn: Deno.Conn;
  readonly #buf = new Uint8Array(READ_SIZE);
  #inFlight?: Promise<number | null>;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
    this.readable = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const n = await this.#read();
        if (n === null) controller.close();
        else controller.enqueue(this.#buf.slice(0, n));
      },
    }, { highWaterMark: 0 });
  }

  #read(): Promise<number | null> {
    const p = this.#conn.read(this.#buf);
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
