// Many chat instances as one chat: each instance publishes its clients' lines to Redis and hands
// what the other instances publish to its own hub, so the hub stays the only path between
// clients. Every message carries the publishing instance's id (an instance skips its own, which it
// has already delivered locally, so nobody gets a line twice) and the sender. When Redis goes
// away the instance keeps serving its own clients, reconnects with a bounded backoff and says so
// when it is back. Built on our own client library: one connection for PUBLISH and presence
// commands, one subscribed with PSUBSCRIBE.

import { type Client, connect, type Message, type Subscriber } from "../client/client.ts";
import { reason } from "../client/conn.ts";
import { formatAddr } from "../net/listen.ts";
import { withDeadline } from "../net/deadline.ts";
import type { Logger } from "../net/log.ts";
import { sleep } from "../net/server.ts";
import { stripControls } from "./sanitize.ts";
import { afterRoom, type Hub } from "./hub.ts";
import { type BackplaneAddress, newInstanceId } from "./backplane_url.ts";
import type { ChatLine } from "./chat_line.ts";

/** Sent to local clients when the backplane is lost. */
export const BACKPLANE_DOWN = "*** backplane down, local only";
/** Sent to local clients when the backplane is back. */
export const BACKPLANE_BACK = "*** backplane back";

/** First wait before reconnecting; it doubles after each failed attempt... */
export const BACKOFF_MIN_MS = 100;
/** ...up to this. */
export const BACKOFF_MAX_MS = 2000;
/** How often a live backplane is checked with PING, and how long the answer may take. */
const HEARTBEAT_MS = 1000;
const HEARTBEAT_TIMEOUT_MS = 3000;
/** How long opening a connection may take. */
const CONNECT_MS = 3000;
/** Publishes waiting for Redis beyond this are dropped (Redis is stalled; the chat is not). */
const MAX_PENDING = 100_000;
/**
 * Publishes waiting for Redis beyond which a client's next line waits for Redis's answers
 * (see `room`): a paste then goes out at the speed Redis takes it instead of piling up.
 */
const PUBLISH_WINDOW = 1024;
/**
 * Lines from other instances that may wait for this instance's readers (a burst arrives faster
 * than they take it) before the oldest are dropped; the subscription's 64 MiB cap holds too.
 */
export const RECEIVE_BUFFER = 100_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The topic of the relay modes (channel, socket-addr, complete): their one room. */
export const RELAY_TOPIC = "all";

/**
 * Joins a relay mode's hub to the backplane: what other instances publish on
 * {@linkcode RELAY_TOPIC} goes to every local client, and so do the down and back notices.
 * The mode publishes its own clients' lines with `bp.publish(RELAY_TOPIC, sender, text)`.
 */
export function linkRelay(bp: Backplane, hub: Hub, tap?: (line: ChatLine) => void): void {
  const deliver = (line: Uint8Array) => void hub.publishBytes(line);
  bp.onMessage((topic, line, from) => {
    if (topic !== RELAY_TOPIC) return;
    if (tap) tap(deliveredLine(line, from));
    // A burst from another instance waits for the readers here like a local paste.
    if (hub.room() !== undefined) return afterRoom(hub, undefined, deliver, line);
    deliver(line);
  });
  bp.onStatus((up) => {
    const text = up ? BACKPLANE_BACK : BACKPLANE_DOWN;
    hub.publish(text);
    tap?.({ text });
  });
}

/** What another instance sent, as a {@linkcode ChatLine} (for an observer only: it decodes). */
export function deliveredLine(line: Uint8Array, from: Uint8Array, room?: string): ChatLine {
  const text = decoder.decode(line).replace(/\r\n$/, "");
  return { from: decoder.decode(from), text, ...(room === undefined ? {} : { room }) };
}

/**
 * What another instance published: `topic` is the channel without `<prefix>:`, `line` the text
 * with its CRLF (a view of bytes that never change; control bytes already stripped), `from` the
 * sender's bytes. A promise returned holds up reading from Redis until it settles (Redis then
 * keeps what follows, up to its pub/sub output buffer limit).
 */
export type Delivery = (
  topic: string,
  line: Uint8Array,
  from: Uint8Array,
) => void | Promise<void>;

/**
 * One instance's link to the others. Messages on the wire are `<instance>\n<from>\n<text>\r\n`,
 * published on `<prefix>:<topic>`; the instance listens on `<prefix>:*`.
 */
export class Backplane {
  readonly address: BackplaneAddress;
  /** This instance's id, carried by every message it publishes. */
  readonly instance: string;
  readonly #log: Logger;
  readonly #idBytes: Uint8Array;
  readonly #channelStart: number;
  readonly #closing = new AbortController();
  #client: Client | undefined;
  #sub: Subscriber | undefined;
  #up = false;
  /** Whether local clients were told it is down (so they are told when it is back). */
  #toldDown = false;
  #deliver: Delivery = () => {};
  readonly #status: Array<(up: boolean) => void> = [];
  readonly #connected: Array<() => void | Promise<void>> = [];
  #run?: Promise<void>;
  #dropped = 0;
  /** Settles once Redis has answered the latest PUBLISH. */
  #lastPublish: Promise<void> = Promise.resolve();
  #firstTry?: () => void;
  #lostWhy = "";

  constructor(address: BackplaneAddress, log: Logger, instance = newInstanceId()) {
    this.address = address;
    this.instance = instance;
    this.#log = log;
    this.#idBytes = encoder.encode(instance);
    this.#channelStart = address.prefix.length + 1;
  }

  /** `redis://host:port/prefix`, for log lines. */
  get url(): string {
    const { hostname, port, prefix } = this.address;
    return `redis://${formatAddr(hostname, port)}/${prefix}`;
  }

  /** Whether Redis is reachable now (lines reach the other instances). */
  get up(): boolean {
    return this.#up;
  }

  /** The command connection while up (for presence keys), else undefined. */
  get client(): Client | undefined {
    return this.#up ? this.#client : undefined;
  }

  /** `<prefix>:<rest>`, the name of a channel or key. */
  name(rest: string): string {
    return `${this.address.prefix}:${rest}`;
  }

  /** Sets who receives what the other instances publish (one receiver: the mode). */
  onMessage(deliver: Delivery): void {
    this.#deliver = deliver;
  }

  /** Calls `fn(false)` when the backplane is lost and `fn(true)` when it is back. */
  onStatus(fn: (up: boolean) => void): void {
    this.#status.push(fn);
  }

  /** Calls `fn` after every (re)connection, before clients hear it is back (presence refresh). */
  onConnected(fn: () => void | Promise<void>): void {
    this.#connected.push(fn);
  }

  /**
   * Starts connecting and keeps the connection up in the background. Resolves once connected,
   * or when the first attempt fails or takes over `firstMs` (the instance then serves locally
   * and keeps trying).
   */
  async start(firstMs = CONNECT_MS): Promise<boolean> {
    const first = new Promise<void>((r) => this.#firstTry = r);
    this.#run ??= this.#loop();
    let t: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([first, new Promise<void>((r) => t = setTimeout(r, firstMs))]);
    clearTimeout(t);
    if (!this.#up) this.#toldDown = true; // clients that connect meanwhile hear it in the greeting
    return this.#up;
  }

  /**
   * Publishes `text` from `from` on `<prefix>:<topic>` for the other instances. Never waits:
   * while the backplane is down the line stays local.
   */
  publish(topic: string, from: string, text: string): void {
    const client = this.#up ? this.#client : undefined;
    if (client === undefined) return;
    if (client.pending >= MAX_PENDING) {
      if (this.#dropped++ === 0) {
        this.#log.info(`backplane ${this.url}: Redis is not keeping up; lines stay local`);
      }
      return;
    }
    this.#dropped = 0;
    this.#lastPublish = client.publish(
      `${this.address.prefix}:${topic}`,
      `${this.instance}\n${from}\n${text}\r\n`,
    ).then(noop, this.#publishFailed);
  }

  /**
   * Undefined while Redis keeps up with what is published, else a promise that settles when
   * Redis has answered the latest PUBLISH: a client's paste waits for it rather than piling
   * up more than {@linkcode PUBLISH_WINDOW} lines (or, beyond MAX_PENDING, losing them).
   */
  room(): Promise<void> | undefined {
    const client = this.#up ? this.#client : undefined;
    if (client === undefined || client.pending < PUBLISH_WINDOW) return undefined;
    return this.#lastPublish;
  }

  readonly #publishFailed = (err: unknown): void => {
    // The command connection is gone: end the subscription too, so the loop reconnects both.
    if (this.#closing.signal.aborted || this.#sub === undefined) return;
    this.#lose(`PUBLISH failed: ${reason(err)}`);
  };

  /** Ends the current subscription, so the loop reconnects; `why` goes to the log. */
  #lose(why: string): void {
    const sub = this.#sub;
    if (sub === undefined) return;
    this.#lostWhy = why;
    this.#sub = undefined;
    sub.close().catch(() => {});
  }

  async #loop(): Promise<void> {
    let delay = BACKOFF_MIN_MS;
    let failures = 0;
    const signal = this.#closing.signal;
    while (!signal.aborted) {
      let client: Client | undefined;
      let sub: Subscriber | undefined;
      try {
        const { hostname, port } = this.address;
        const subscriptions = { maxMessages: RECEIVE_BUFFER };
        client = await bounded(connect({ hostname, port, subscriptions }), "connect timed out");
        sub = await bounded(client.psubscribe(`${this.address.prefix}:*`), "PSUBSCRIBE timed out");
      } catch (err) {
        client?.close().catch(() => {});
        if (failures++ === 0) {
          this.#log.info(`backplane ${this.url}: ${why(err)}; local only, retrying`);
        }
        this.#firstTry?.();
        await sleep(delay, signal);
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
        continue;
      }
      if (signal.aborted) {
        await Promise.all([sub.close(), client.close()]).catch(() => {});
        break;
      }
      delay = BACKOFF_MIN_MS;
      failures = 0;
      this.#client = client;
      this.#sub = sub;
      this.#up = true;
      this.#log.info(`backplane ${this.url}: connected (instance ${this.instance})`);
      for (const fn of this.#connected) {
        try {
          await withDeadline(Promise.resolve(fn()), CONNECT_MS, "");
        } catch {
          // a hook that fails (Redis lost again) is retried after the next reconnection
        }
      }
      if (this.#toldDown && this.#up) {
        this.#toldDown = false;
        this.#tell(true);
      }
      this.#firstTry?.();
      this.#heartbeat(client, sub); // ends by itself once this connection is gone
      this.#lostWhy = "server closed the connection";
      try {
        let dropped = 0;
        for await (const msg of sub) {
          const wait = this.#receive(msg);
          if (wait) await wait;
          if (sub.dropped !== dropped) {
            if (dropped === 0) {
              this.#log.info(
                `backplane ${this.url}: local readers behind a burst; ${RECEIVE_BUFFER} lines ` +
                  "from other instances waiting, older ones dropped",
              );
            }
            dropped = sub.dropped;
          }
        }
      } catch (err) {
        this.#lostWhy = why(err);
      }
      this.#up = false;
      this.#client = undefined;
      this.#sub = undefined;
      // A server that stopped answering never answers what is pending: do not wait for it.
      await Promise.all([sub.close(), client.close({ timeoutMs: 1000 })]).catch(() => {});
      if (signal.aborted) break;
      this.#log.info(`backplane ${this.url}: lost (${this.#lostWhy}); local only, reconnecting`);
      this.#toldDown = true;
      this.#tell(false);
    }
  }

  /** PINGs while connected; a server that stops answering counts as lost. */
  async #heartbeat(client: Client, sub: Subscriber): Promise<void> {
    const signal = this.#closing.signal;
    while (!signal.aborted && this.#sub === sub) {
      await sleep(HEARTBEAT_MS, signal);
      if (signal.aborted || this.#sub !== sub) return;
      try {
        await withDeadline(client.ping(), HEARTBEAT_TIMEOUT_MS, "no answer to PING");
      } catch (err) {
        if (this.#sub === sub) this.#lose(reason(err));
        return;
      }
    }
  }

  #tell(up: boolean): void {
    for (const fn of this.#status) fn(up);
  }

  /** One message from Redis: skip our own, check the shape, strip controls, deliver. */
  #receive(msg: Message): void | Promise<void> {
    const p = msg.payload;
    const a = p.indexOf(10);
    if (a <= 0) return;
    const id = this.#idBytes;
    if (a === id.length) {
      let own = true;
      for (let i = 0; i < a; i++) {
        if (p[i] !== id[i]) {
          own = false;
          break;
        }
      }
      if (own) return;
    }
    const b = p.indexOf(10, a + 1);
    const n = p.length;
    if (b === -1 || n - b < 3 || p[n - 2] !== 13 || p[n - 1] !== 10) return;
    let line = p.subarray(b + 1);
    if (hasControls(line)) line = encoder.encode(stripControls(decoder.decode(line)) + "\r\n");
    return this.#deliver(msg.channelText.slice(this.#channelStart), line, p.subarray(a + 1, b));
  }

  /** Stops reconnecting and closes both connections. */
  async close(): Promise<void> {
    this.#closing.abort();
    this.#up = false;
    const sub = this.#sub, client = this.#client;
    // Let what is already published reach Redis before the connection goes.
    await client?.close({ timeoutMs: 1000 }).catch(() => {});
    await sub?.close().catch(() => {});
    await withDeadline(this.#run ?? Promise.resolve(), 2000, "").catch(() => {});
  }
}

function noop(): void {}

/** Why a connection failed, without the address the log line already names. */
function why(err: unknown): string {
  return reason(err).replace(/^connection to \S+ lost: /, "").replace(
    /^Could not connect to Redis at \S+: /,
    "cannot connect: ",
  );
}

/**
 * Whether a line (text and its final CRLF) holds bytes a terminal would act on: C0 controls but
 * TAB, DEL, or a C1 control (0xC2 0x80..0x9F in UTF-8). Lines from our own instances never do.
 */
function hasControls(line: Uint8Array): boolean {
  const end = line.length - 2;
  for (let i = 0; i < end; i++) {
    const c = line[i]!;
    if (c < 0x20 ? c !== 9 : c === 0x7f || (c === 0xc2 && (line[i + 1]! & 0xe0) === 0x80)) {
      return true;
    }
  }
  return false;
}

/**
 * A connection (or subscription) being opened, or a rejection with `what` after
 * {@linkcode CONNECT_MS}; one that opens too late is closed.
 */
async function bounded<T extends { close(): Promise<void> }>(p: Promise<T>, what: string) {
  try {
    return await withDeadline(p, CONNECT_MS, what);
  } catch (err) {
    p.then((c) => c.close(), () => {}).catch(() => {});
    throw err;
  }
}
