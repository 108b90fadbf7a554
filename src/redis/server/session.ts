// A client's state as the commands see it (the Session interface of commands/types.ts), with no
// socket: the selected database, the name, the transaction, the subscriptions, AUTH, and the
// writer its replies go to. The socket loop (socket_loop.ts) is a ClientSession that reads from
// and writes to a TCP connection; the append-only file replays its commands through a bare
// ClientSession whose replies nobody reads.

import { type OutputPool, RespWriter } from "../../resp/writer.ts";
import type { Server, Session, Transaction } from "../commands/types.ts";
import type { Db } from "../store/db.ts";
import type { TrackingState } from "../store/tracking.ts";
import type { Waiter } from "../store/blocking.ts";
import { authRequired } from "../commands/auth.ts";

// What a client that never subscribed listens to (shared, never added to).
const NONE: ReadonlySet<string> = new Set<string>();

/**
 * One client's state. Replies accumulate in `out`; a Session without a socket keeps them until
 * someone takes them.
 *
 * @example
 * ```ts ignore
 * const session = new ClientSession(server, 0, "append-only file");
 * execute(session, args, server.lookup);
 * session.out.truncate(0); // replies of a replay are dropped
 * ```
 */
export class ClientSession implements Session {
  readonly id: number;
  readonly out: RespWriter;
  readonly server: Server;
  readonly since: number;
  name = "";
  libName = "";
  libVer = "";
  closeAfterReply = false;
  fd = -1;
  noEvict = false;
  lastInteraction: number;
  lastCommand = "";
  propagateAs: Uint8Array[] | undefined;
  tx: Transaction | undefined;
  tracking: TrackingState | undefined;
  authenticated: boolean;
  /** appendfsync always: the log offset that must be on disk before this output may leave. */
  syncNeed = 0;
  readonly #peer: string | { readonly remote: string };
  #subs: { channels: Set<string>; patterns: Set<string> } | undefined;
  #dead = false;
  #db = 0;
  #keyspace: Db;

  /**
   * `peer` is the client's address, or the accepted connection that formats it on demand (most
   * clients never need it as a string); `pool` lends the output buffers.
   */
  constructor(
    server: Server,
    id: number,
    peer: string | { readonly remote: string },
    pool?: OutputPool,
  ) {
    this.out = new RespWriter(0, pool);
    this.server = server;
    this.#keyspace = server.dbs.get(0);
    this.id = id;
    this.#peer = peer;
    this.since = this.lastInteraction = Date.now();
    this.authenticated = !authRequired(this);
  }

  /** The selected database's index. */
  get db(): number {
    return this.#db;
  }

  set db(index: number) {
    this.#db = index;
    this.#keyspace = this.server.dbs.get(index);
  }

  /** The selected database. */
  get keyspace(): Db {
    return this.#keyspace;
  }

  /** The RESP version spoken (HELLO); the writer's typed replies follow it. */
  get resp(): 2 | 3 {
    return this.out.resp3 ? 3 : 2;
  }

  set resp(v: 2 | 3) {
    this.out.resp3 = v === 3;
  }

  /** Channels this client listens to (binary strings). */
  get channels(): ReadonlySet<string> {
    return this.#subs?.channels ?? NONE;
  }

  /** Patterns this client listens to (binary strings). */
  get patterns(): ReadonlySet<string> {
    return this.#subs?.patterns ?? NONE;
  }

  /** The sets behind `channels` and `patterns`, made on the first subscription. */
  subscriptions(): { channels: Set<string>; patterns: Set<string> } {
    return this.#subs ??= { channels: new Set(), patterns: new Set() };
  }

  /** Whether this client listens to any channel or pattern. */
  get subscribed(): boolean {
    const subs = this.#subs;
    return subs !== undefined && (subs.channels.size > 0 || subs.patterns.size > 0);
  }

  /** The client's address, `host:port`. */
  get addr(): string {
    const p = this.#peer;
    return typeof p === "string" ? p : p.remote;
  }

  /** Bytes of output not yet written. */
  get pendingOutput(): number {
    return this.out.length;
  }

  /** Bytes of input not yet parsed. */
  get pendingInput(): number {
    return 0;
  }

  /** Bytes of the input buffer; a Session without a socket has none. */
  get readBufferSize(): number {
    return 0;
  }

  /** Whether the session has been closed. */
  get dead(): boolean {
    return this.#dead;
  }

  /** Appends a published message's frame (pub/sub); the bytes are copied. */
  deliver(frame: Uint8Array, _stable?: boolean): void {
    if (!this.#dead) this.out.pushFrame(frame);
  }

  /** Lets pending output leave; a Session without a socket has nowhere to send it. */
  flush(): void {}

  /** What a blocking pop waits for; a Session without a socket never blocks. */
  blockedOn: Waiter | undefined = undefined;

  /** Only a client on a socket may block. */
  get canBlock(): boolean {
    return false;
  }

  /** Runs commands buffered while blocked; a Session without a socket has none. */
  resume(): void {}

  /** Marks the session ended without closing anything (its connection has already gone). */
  protected markDead(): void {
    this.#dead = true;
  }

  /** Ends the session now: it leaves every channel and drops its pending output. */
  kill(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.server.pubsub.removeAll(this);
    this.server.tracking.disable(this);
    this.out.truncate(0);
    this.out.shrink();
  }
}
