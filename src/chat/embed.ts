/**
 * tokserver's chat hub as a test dependency (`@tokserver/tokserver/chat`): start one in the same
 * process on a free port, connect telnet-like test clients to it, watch every line it relays
 * (who sent it, what it said, in which room), and speak as the operator. Any mode of
 * `tokserver chat` runs this way, with every option. docs/testing.md has the guide.
 *
 * @example Two clients chatting
 * ```ts
 * import { startChat } from "@tokserver/tokserver/chat";
 *
 * await using chat = await startChat({ mode: "complete" });
 * await using ada = await chat.connect();
 * await using bob = await chat.connect();
 * await ada.send("hello");
 * console.assert(await bob.readLine() === "hello");
 * console.assert(chat.lines[0]?.from === ada.addr);
 * ```
 *
 * @module
 */

import { stderrLogger } from "../net/log.ts";
import { formatAddr, formatNetAddr, listen } from "../net/listen.ts";
import { type Connection, serveUntilClosed, TcpServer } from "../net/server.ts";
import { parseFlags } from "../flags/flags.ts";
import { CHAT_FLAGS, CHAT_MODES, type ChatMode, type ChatOptions, chatOptions } from "./options.ts";
import { chatHooks, createChat } from "./mod.ts";
import type { ChatLine } from "./chat_line.ts";
import { ChatTestClient } from "./test_client.ts";
import type { ChatConnection, ReadOptions } from "./test_client.ts";

export { CHAT_MODES };
export type { ChatConnection, ChatLine, ChatMode, ChatOptions, ReadOptions };

/** What {@linkcode startChat} takes: any `tokserver chat` option, and more. */
export interface StartChatOptions extends Partial<ChatOptions> {
  /** Keep the relayed lines in {@linkcode ChatHandle.lines}. Default true. */
  record?: boolean;
  /** Called with every relayed line, as it is relayed. */
  onLine?: (line: ChatLine) => void;
}

/**
 * A connected client as the server sees it.
 *
 * @example
 * ```ts
 * import { startChat } from "@tokserver/tokserver/chat";
 *
 * await using chat = await startChat({ mode: "spawn" });
 * await using c = await chat.connect();
 * console.assert(chat.clients[0]?.remote === c.addr);
 * ```
 */
export interface ChatClientInfo {
  /** The server's id for the connection (increasing from 1). */
  readonly id: number;
  /** Its address, `host:port` (the `from` of its lines). */
  readonly remote: string;
  /** `Date.now()` when it was accepted. */
  readonly since: number;
  /** Its name (rooms mode, once chosen). */
  readonly name?: string;
  /** The room it is in (rooms mode, once named). */
  readonly room?: string;
}

/** How {@linkcode ChatHandle.connect} connects. */
export interface ConnectOptions {
  /**
   * Resolve only once the server serves the connection (it then gets every line relayed after).
   * Default true, except in the modes serving one client at a time (`basics`, `buf-reader`),
   * where a second client waits for the first to leave.
   */
  served?: boolean;
  /** How long to wait for that, in ms (default 5000). */
  timeoutMs?: number;
}

/** How {@linkcode ChatHandle.waitForLine} picks a line: text (exact), a pattern, or a test. */
export type LineMatch = string | RegExp | ((line: ChatLine) => boolean);

/**
 * A chat server running in this process. Stop it with {@linkcode ChatHandle.close}, or let
 * `await using` do it.
 *
 * @example
 * ```ts
 * import { startChat } from "@tokserver/tokserver/chat";
 *
 * await using chat = await startChat({ mode: "rooms" });
 * await using ada = await chat.connect();
 * await ada.readLines(2); // welcome and the name prompt
 * await ada.send("ada");
 * await chat.waitForLine("*** ada joined #lobby");
 * console.assert(chat.clients[0]?.name === "ada");
 * ```
 */
export interface ChatHandle extends AsyncDisposable {
  /** The address telnet clients connect to, `telnet://host:port`. */
  readonly url: string;
  /** The host it listens on (127.0.0.1 by default). */
  readonly host: string;
  /** The port it listens on (a free one with the default `port: 0`). */
  readonly port: number;
  /** `http://host:port/`, the browser page, with the `web` option. */
  readonly webUrl?: string;
  /** The mode it runs. */
  readonly mode: ChatMode;
  /** The options it runs with. */
  readonly options: Readonly<ChatOptions>;
  /** Lines relayed since the start or the last {@linkcode clearLines}, oldest first. */
  readonly lines: readonly ChatLine[];
  /** Forgets the lines recorded so far. */
  clearLines(): void;
  /** Calls `listener` with every line relayed from now on; returns what stops it. */
  onLine(listener: (line: ChatLine) => void): () => void;
  /**
   * The first line of {@linkcode lines} that matches, or the next one relayed; rejects after
   * `timeoutMs` (default 5000) with the lines seen.
   */
  waitForLine(match?: LineMatch, opts?: { timeoutMs?: number }): Promise<ChatLine>;
  /** The clients connected now. */
  readonly clients: readonly ChatClientInfo[];
  /** How many clients are connected now. */
  readonly clientCount: number;
  /** Connects a telnet-like test client. */
  connect(opts?: ConnectOptions): Promise<ChatConnection>;
  /**
   * Sends `text` as the operator to every client (rooms mode: of `room`, or of every room);
   * returns how many clients it is for. In the echo modes, to every connected client.
   */
  publish(text: string, opts?: { room?: string }): number;
  /** Stops the server: says goodbye to every client, closes them and the listener. */
  close(): Promise<void>;
}

let defaults: ChatOptions | undefined;

/** `tokserver chat`'s defaults, with port 0 and quiet logs. */
function defaultOptions(): ChatOptions {
  defaults ??= { ...chatOptions(parseFlags([], CHAT_FLAGS).flags), port: 0, quiet: true };
  return defaults;
}

/**
 * Starts a chat server in this process, listening on `options.port` (default 0: a free port) of
 * `options.host` (default 127.0.0.1), and resolves once it accepts connections. Every
 * `tokserver chat` option may be given (`mode`, default `complete`; `maxLine`, `queue`,
 * `maxclients`, `timeout`, `flood`, `backplane`, `web`...). In `basics` the operator is
 * {@linkcode ChatHandle.publish} and the lines log, not stdin and stdout.
 *
 * @throws {Error} when an option is refused or a port cannot be bound.
 *
 * @example
 * ```ts
 * import { startChat } from "@tokserver/tokserver/chat";
 *
 * const chat = await startChat({ mode: "rooms", flood: 100 });
 * try {
 *   console.log(`telnet ${chat.host} ${chat.port}`);
 * } finally {
 *   await chat.close();
 * }
 * ```
 */
export async function startChat(options: StartChatOptions = {}): Promise<ChatHandle> {
  const { record = true, onLine, ...given } = options;
  const opts: ChatOptions = { ...defaultOptions() };
  for (const [k, v] of Object.entries(given)) {
    if (v !== undefined) (opts as unknown as Record<string, unknown>)[k] = v;
  }
  if (given.webHost === undefined) opts.webHost = opts.host;
  const log = stderrLogger(opts.quiet);
  const lines: ChatLine[] = [];
  const listeners = new Set<(line: ChatLine) => void>();
  if (onLine) listeners.add(onLine);
  const tap = (line: ChatLine) => {
    if (record) lines.push(line);
    for (const l of listeners) l(line);
  };
  const chat = await createChat(opts, log, tap);
  if ("error" in chat) throw new Error(chat.error);
  const hooks = chatHooks(chat, log);
  let tcp: TcpServer;
  try {
    tcp = new TcpServer({ ...hooks, log, listener: listen(opts.host, opts.port), handle });
  } catch (err) {
    await hooks.stopped?.();
    throw err;
  }
  const served = new Set<string>();
  const arrivals = new Map<string, () => void>();
  function handle(c: Connection): Promise<void> {
    const p = hooks.handle(c);
    const remote = c.remote;
    served.add(remote);
    arrivals.get(remote)?.();
    return p.finally(() => served.delete(remote));
  }
  await hooks.started?.(tcp);
  const close = serveUntilClosed(tcp, () => hooks.stopped?.());
  const { mode } = chat;
  const host = opts.host;
  const target = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  const chatHandle: ChatHandle = {
    url: `telnet://${formatAddr(host, tcp.port)}`,
    host,
    port: tcp.port,
    ...(chat.web ? { webUrl: `http://${chat.web.addr}/` } : {}),
    mode: opts.mode,
    options: opts,
    lines,
    clearLines: () => void (lines.length = 0),
    onLine(listener) {
      const own = (line: ChatLine) => listener(line);
      listeners.add(own);
      return () => void listeners.delete(own);
    },
    waitForLine: (match, o) => waitForLine(lines, listeners, match, o?.timeoutMs ?? 5000),
    get clients() {
      return [...tcp.connections.values()].map((c) => {
        const more = mode.describe?.(c);
        const info: ChatClientInfo = { id: c.id, remote: c.remote, since: c.since };
        return more ? { ...info, ...dropUndefined(more) } : info;
      });
    },
    get clientCount() {
      return tcp.connections.size;
    },
    async connect(o) {
      const conn = await Deno.connect({ hostname: target, port: tcp.port });
      const client = new ChatTestClient(conn);
      if (!(o?.served ?? !mode.sequential)) return client;
      const addr = formatNetAddr(conn.localAddr);
      if (served.has(addr)) return client;
      const ms = o?.timeoutMs ?? 5000;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          arrivals.set(addr, resolve);
          timer = setTimeout(() => reject(new Error(`not served within ${ms} ms`)), ms);
        });
      } catch (err) {
        client.close();
        throw err;
      } finally {
        clearTimeout(timer);
        arrivals.delete(addr);
      }
      return client;
    },
    publish: (text, o) => mode.publish?.(text, o?.room) ?? 0,
    close,
    [Symbol.asyncDispose]: close,
  };
  return chatHandle;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function matches(line: ChatLine, match: LineMatch | undefined): boolean {
  if (match === undefined) return true;
  if (typeof match === "string") return line.text === match;
  if (match instanceof RegExp) return match.test(line.text);
  return match(line);
}

function waitForLine(
  lines: readonly ChatLine[],
  listeners: Set<(line: ChatLine) => void>,
  match: LineMatch | undefined,
  ms: number,
): Promise<ChatLine> {
  const seen = lines.find((l) => matches(l, match));
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listeners.delete(check);
      const log = lines.map((l) => `${l.from ?? "(operator)"}: ${l.text}`).join("\n");
      reject(new Error(`no matching line within ${ms} ms; lines:\n${log}`));
    }, ms);
    const check = (line: ChatLine) => {
      if (!matches(line, match)) return;
      clearTimeout(timer);
      listeners.delete(check);
      resolve(line);
    };
    listeners.add(check);
  });
}
