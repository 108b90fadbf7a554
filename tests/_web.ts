// Helpers of the chat's web tests: a tokserver chat with --web on free ports, and a WebSocket
// client with the line helpers TcpClient has, reading the server's binary line messages.

import { type Server, startServer } from "./_util.ts";

/** A running `tokserver chat --web 0` and its two ports. */
export interface WebServer extends Server {
  webPort: number;
}

/** Starts `tokserver chat <args> --port 0 --web 0` and waits until both ports listen. */
export async function startWebServer(args: string[]): Promise<WebServer> {
  const srv = await startServer(["chat", ...args, "--web", "0"]);
  try {
    const m = await srv.stderr.waitFor(/web page on http:\/\/[^ ]*:(\d+)\//, 15000);
    return Object.assign(srv, { webPort: Number(m[1]) });
  } catch (err) {
    await srv[Symbol.asyncDispose]();
    throw err;
  }
}

/** A WebSocket client of the chat: sends lines, reads the lines it is sent. */
export class WsClient {
  readonly ws: WebSocket;
  /** Resolves with the close code once the socket has closed. */
  readonly closed: Promise<number>;
  readonly #lines: string[] = [];
  #partial = "";
  #wake?: () => void;
  readonly #decoder = new TextDecoder();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (e) => {
      const text = this.#partial +
        (typeof e.data === "string" ? e.data : this.#decoder.decode(e.data, { stream: true }));
      const parts = text.split("\r\n");
      this.#partial = parts.pop()!;
      this.#lines.push(...parts);
      this.#wake?.();
    });
    this.closed = new Promise((resolve) =>
      ws.addEventListener("close", (e) => {
        resolve(e.code);
        this.#wake?.();
      })
    );
  }

  /** Opens ws://127.0.0.1:`port`/ws. */
  static async connect(port: number): Promise<WsClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const c = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error("WebSocket failed")), { once: true });
    });
    return c;
  }

  /** Sends one line (one message). */
  send(line: string): void {
    this.ws.send(line);
  }

  /** The next line (without CRLF); throws after `ms` or once closed with nothing left. */
  async readLine(ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.#lines.length === 0) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error("closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a line");
      let t: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        t = setTimeout(resolve, left);
      });
      clearTimeout(t);
      this.#wake = undefined;
    }
    return this.#lines.shift()!;
  }

  /** Reads lines until one equal to `line`; returns the lines before it. */
  async readUntil(line: string, ms = 5000): Promise<string[]> {
    const before: string[] = [];
    for (let l = await this.readLine(ms); l !== line; l = await this.readLine(ms)) before.push(l);
    return before;
  }

  /** Closes the socket and waits until it is closed. */
  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}
