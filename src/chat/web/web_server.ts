// `tokserver chat --web PORT`: the browser's way in. One HTTP port serves the chat page (embedded
// in the program, see assets.ts) and a WebSocket endpoint, /ws. Each WebSocket becomes one more
// connection of the chat's TcpServer (ws_conn.ts), so browser and telnet users share the hub,
// the rooms, the backplane and every limit. The upgrade is refused (403) to pages of another
// origin unless `--web-origin` lets them in.

import { listen, ListenError } from "../../net/listen.ts";
import type { Logger } from "../../net/log.ts";
import type { TcpServer } from "../../net/server.ts";
import { settleWithin } from "../../net/deadline.ts";
import { WebSocketConn } from "./ws_conn.ts";
import { ASSETS } from "./assets.ts";

/** The path of the WebSocket endpoint. */
export const WS_PATH = "/ws";

/** What the web port is started with. */
export interface WebOptions {
  host: string;
  port: number;
  /** Which page to serve: one conversation, or rooms. */
  mode: "complete" | "rooms";
  /** Origins allowed besides the page's own; `*` allows any. */
  origins: readonly string[];
  /** `--max-line`: a client may be this far ahead of the reader, plus a MiB. */
  maxLine: number;
  log: Logger;
}

/**
 * Whether a WebSocket upgrade from `origin` may go on: requests without an Origin (not from a
 * browser page) may; a page may when it was served by this host (its origin's host is the
 * request's Host), or when its origin is listed (`*`: any).
 */
export function originAllowed(
  origin: string | null,
  host: string | null,
  allowed: readonly string[],
): boolean {
  if (origin === null) return true;
  if (allowed.includes("*") || allowed.includes(origin)) return true;
  if (host === null) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
};

interface Asset {
  type: string;
  body: string;
}

/** The HTTP and WebSocket front of a chat server. */
export class WebFront {
  readonly #opts: WebOptions;
  readonly #http: Deno.HttpServer<Deno.NetAddr>;
  readonly #assets: Map<string, Asset>;
  #server?: TcpServer;

  /**
   * Listens on `opts.host:opts.port` at once.
   * @throws {ListenError} when the port cannot be had.
   */
  constructor(opts: WebOptions) {
    this.#opts = opts;
    const html = ASSETS.html.replace("%MODE%", opts.mode);
    this.#assets = new Map([
      ["/", { type: "text/html; charset=utf-8", body: html }],
      ["/index.html", { type: "text/html; charset=utf-8", body: html }],
      ["/app.js", { type: "text/javascript; charset=utf-8", body: ASSETS.js }],
      ["/style.css", { type: "text/css; charset=utf-8", body: ASSETS.css }],
    ]);
    try {
      this.#http = Deno.serve({
        hostname: opts.host,
        port: opts.port,
        onListen: () => {},
      }, (req, info) => this.#handle(req, info));
    } catch (err) {
      // The same one-line reason as the telnet port gets.
      try {
        listen(opts.host, opts.port).close();
      } catch (e) {
        if (e instanceof ListenError) throw e;
      }
      throw err;
    }
  }

  /** The bound port (useful with port 0). */
  get port(): number {
    return this.#http.addr.port;
  }

  /** `host:port` of the web port. */
  get addr(): string {
    const a = this.#http.addr;
    return a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`;
  }

  /** From now on WebSockets are served as connections of `server`. */
  attach(server: TcpServer): void {
    this.#server = server;
  }

  #handle(req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response {
    const url = new URL(req.url);
    if (url.pathname === WS_PATH) return this.#upgrade(req, info);
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const asset = this.#assets.get(url.pathname);
    if (!asset) return new Response("not found\n", { status: 404 });
    return new Response(req.method === "HEAD" ? null : asset.body, {
      headers: { "content-type": asset.type, ...SECURITY_HEADERS },
    });
  }

  #upgrade(req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("a WebSocket endpoint\n", {
        status: 426,
        headers: { upgrade: "websocket" },
      });
    }
    const origin = req.headers.get("origin");
    if (!originAllowed(origin, req.headers.get("host"), this.#opts.origins)) {
      this.#opts.log.client(`web: WebSocket from origin ${origin} refused`);
      return new Response("origin not allowed\n", { status: 403 });
    }
    const server = this.#server;
    if (!server || server.closing.aborted) {
      return new Response("not serving\n", { status: 503 });
    }
    const remote = info.remoteAddr; // read before the upgrade takes the request
    const { socket, response } = Deno.upgradeWebSocket(req);
    const conn = new WebSocketConn(
      socket,
      remote,
      this.#http.addr,
      this.#opts.maxLine + 1024 * 1024,
    );
    socket.addEventListener("open", () => server.adopt(conn.asTcpConn()), { once: true });
    return response;
  }

  /** Stops serving HTTP (the WebSockets are closed by the chat server's shutdown). */
  async close(): Promise<void> {
    await settleWithin(this.#http.shutdown(), 1000);
  }
}
