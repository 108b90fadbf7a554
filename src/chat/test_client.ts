// A telnet-like client for tests of the chat server (embed.ts's `connect`): send a line, read a
// line, with a deadline instead of a hang when the line never comes.

import { formatNetAddr } from "../net/listen.ts";
import { closeQuietly } from "../net/server.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How long a read may wait. */
export interface ReadOptions {
  /** In ms; default 5000. The read then rejects (the line, if it comes later, is kept). */
  timeoutMs?: number;
}

/**
 * A test client connected to a chat server: lines go out with CRLF, lines come back without it.
 *
 * @example
 * ```ts
 * import { startChat } from "@tokserver/tokserver/chat";
 *
 * await using chat = await startChat({ mode: "spawn" });
 * await using c = await chat.connect();
 * await c.send("echo me");
 * console.assert(await c.readLine() === "echo me");
 * ```
 */
export interface ChatConnection extends AsyncDisposable {
  /** Its address as the server sees it, `host:port` (the `from` of its lines). */
  readonly addr: string;
  /** Sends `line` and CRLF. */
  send(line: string): Promise<void>;
  /** Sends bytes as they are (a partial line, a long one, bare LF...). */
  sendRaw(bytes: Uint8Array | string): Promise<void>;
  /** The next line the server sent, without CR LF; null once the server has closed. */
  readLine(opts?: ReadOptions): Promise<string | null>;
  /** The next `n` lines; rejects if the server closes before. */
  readLines(n: number, opts?: ReadOptions): Promise<string[]>;
  /** Closes the connection. Safe to call twice. */
  close(): void;
}

/** The {@linkcode ChatConnection} of a socket. */
export class ChatTestClient implements ChatConnection {
  readonly addr: string;
  readonly #conn: Deno.TcpConn;
  /** Bytes read and not yet returned as a line. */
  #buf: Uint8Array = new Uint8Array(0);
  #eof = false;
  #closed = false;
  /** A read still pending after a timeout; the next read takes its bytes. */
  #pending?: Promise<Uint8Array | null>;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.addr = formatNetAddr(conn.localAddr);
  }

  async send(line: string): Promise<void> {
    await this.sendRaw(line + "\r\n");
  }

  async sendRaw(bytes: Uint8Array | string): Promise<void> {
    let b = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
    while (b.length > 0) b = b.subarray(await this.#conn.write(b));
  }

  async readLine(opts?: ReadOptions): Promise<string | null> {
    const deadline = Date.now() + (opts?.timeoutMs ?? 5000);
    while (true) {
      const nl = this.#buf.indexOf(10);
      if (nl >= 0) {
        const end = nl > 0 && this.#buf[nl - 1] === 13 ? nl - 1 : nl;
        const line = decoder.decode(this.#buf.subarray(0, end));
        this.#buf = this.#buf.subarray(nl + 1);
        return line;
      }
      if (this.#eof) {
        if (this.#buf.length === 0) return null;
        const rest = decoder.decode(this.#buf);
        this.#buf = new Uint8Array(0);
        return rest;
      }
      const chunk = await this.#read(deadline - Date.now());
      if (chunk === null) this.#eof = true;
      else {
        const joined = new Uint8Array(this.#buf.length + chunk.length);
        joined.set(this.#buf);
        joined.set(chunk, this.#buf.length);
        this.#buf = joined;
      }
    }
  }

  async readLines(n: number, opts?: ReadOptions): Promise<string[]> {
    const out: string[] = [];
    while (out.length < n) {
      const line = await this.readLine(opts);
      if (line === null) {
        throw new Error(`connection closed after ${out.length} of ${n} lines: ${out.join(" | ")}`);
      }
      out.push(line);
    }
    return out;
  }

  /** One chunk from the socket (null at its end), or a rejection after `ms`. */
  async #read(ms: number): Promise<Uint8Array | null> {
    this.#pending ??= this.#readChunk();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no line within the deadline`)), Math.max(0, ms));
    });
    try {
      const chunk = await Promise.race([this.#pending, late]);
      this.#pending = undefined;
      return chunk;
    } finally {
      clearTimeout(timer);
    }
  }

  async #readChunk(): Promise<Uint8Array | null> {
    const buf = new Uint8Array(16 * 1024);
    try {
      const n = await this.#conn.read(buf);
      return n === null ? null : buf.subarray(0, n);
    } catch (err) {
      // Closed by us, or reset by the server: either way nothing more comes.
      if (this.#closed || err instanceof Deno.errors.ConnectionReset) return null;
      throw err;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#conn);
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return this.#pending?.then(() => {}, () => {}) ?? Promise.resolve();
  }
}
