// XREAD and XREADGROUP, as Redis 7.0's xreadCommand: streams that have entries past the id given
// are served at once; otherwise, with BLOCK, the client waits on the keys (store/blocking.ts)
// until an XADD serves it, its timeout passes or CLIENT UNBLOCK wakes it. Every waiter on a key
// is tried when it changes (each waits for its own id). A group read adds what it delivered to
// the group's and consumer's pending lists and is propagated as one XCLAIM per entry (and an
// XGROUP SETID for NOACK reads), never as itself.

import { keyBytes, keyOf, StreamValue } from "../store/db.ts";
import type { Waiter } from "../store/blocking.ts";
import { formatId, MAX_ID, type StreamId } from "../store/stream_value.ts";
import {
  type Consumer,
  INVALID_ENTRIES_READ,
  type Nack,
  type StreamGroup,
} from "../store/stream_group.ts";
import { bytes, isWord } from "./args.ts";
import type { Command, Session } from "./types.ts";
import { Err } from "./replies.ts";
import { longArg } from "./lists.ts";
import { Notify, notify } from "./events.ts";
import { replyEntry, strictId } from "./stream_args.ts";
import { propagateAsUnit } from "./call.ts";

const XCLAIM = bytes("XCLAIM"), XGROUP = bytes("XGROUP"), SETID = bytes("SETID");
const ZERO = bytes("0"), TIME = bytes("TIME"), RETRYCOUNT = bytes("RETRYCOUNT");
const FORCE = bytes("FORCE"), JUSTID = bytes("JUSTID"), LASTID = bytes("LASTID");
const ENTRIESREAD = bytes("ENTRIESREAD"), CREATECONSUMER = bytes("CREATECONSUMER");

/** A group read's group and consumer names (binary strings) and NOACK. */
interface GroupRead {
  readonly group: string;
  readonly consumer: string;
  readonly noack: boolean;
}

/** The XCLAIM Redis propagates for an entry a group read delivered (streamPropagateXCLAIM). */
export function propagateClaim(
  c: Session,
  key: string,
  groupName: string,
  g: StreamGroup,
  id: StreamId,
  n: Nack,
): void {
  c.server.propagate([
    XCLAIM,
    keyBytes(key),
    keyBytes(groupName),
    keyBytes(n.consumer.name),
    ZERO,
    bytes(formatId(id)),
    TIME,
    bytes(String(n.deliveryTime)),
    RETRYCOUNT,
    bytes(String(n.deliveryCount)),
    FORCE,
    JUSTID,
    LASTID,
    bytes(formatId(g.lastId)),
  ], c.db);
}

/** The XGROUP SETID Redis propagates after a NOACK read (streamPropagateGroupID). */
function propagateGroupId(c: Session, key: string, groupName: string, g: StreamGroup): void {
  c.server.propagate([
    XGROUP,
    SETID,
    keyBytes(key),
    keyBytes(groupName),
    bytes(formatId(g.lastId)),
    ENTRIESREAD,
    bytes(String(g.entriesRead)),
  ], c.db);
}

/** The consumer `name` of `g`, made (and announced) when missing; its seen time set. */
export function lookupConsumer(
  c: Session,
  key: string,
  g: StreamGroup,
  name: string,
  noackGroup?: string,
): Consumer {
  const now = c.server.clock.now();
  const r = g.consumer(name, now);
  if (r.created) {
    notify(c, Notify.STREAM, "xgroup-createconsumer", key);
    // Nothing else would log a consumer that a NOACK read made (streamPropagateConsumerCreation).
    if (noackGroup !== undefined) {
      c.server.propagate([
        XGROUP,
        CREATECONSUMER,
        keyBytes(key),
        keyBytes(noackGroup),
        keyBytes(name),
      ], c.db);
    }
  }
  r.consumer.seenTime = now;
  return r.consumer;
}

/**
 * Writes the entries after `after` (at most `count`, 0: all) and, for a group read, moves the
 * group's last id and pending lists as Redis's streamReplyWithRange does.
 */
function replyNew(
  c: Session,
  key: string,
  s: StreamValue,
  after: StreamId,
  count: number,
  gr: GroupRead | undefined,
  g: StreamGroup | undefined,
  consumer: Consumer | undefined,
): void {
  const entries = after === MAX_ID ? [] : [...s.range(after + 1n, MAX_ID, false, count)];
  c.out.arrayHeader(entries.length);
  let moved = false;
  const now = c.server.clock.now();
  for (const e of entries) {
    const id = e.id;
    if (g !== undefined && id > g.lastId) {
      if (g.entriesRead !== INVALID_ENTRIES_READ && !s.hasTombstones(id, undefined)) {
        g.entriesRead++;
      } else if (s.entriesAdded > 0) g.entriesRead = s.distanceFromFirstEver(id);
      g.lastId = id;
      moved = true;
    }
    replyEntry(c, id, e.fields);
    if (g === undefined || consumer === undefined || gr!.noack) continue;
    let n = g.pel.get(id);
    if (n === undefined) {
      n = { deliveryTime: now, deliveryCount: 1, consumer };
      g.pel.set(id, n);
    } else {
      n.consumer.pel.delete(id);
      n.consumer = consumer;
      n.deliveryTime = now;
      n.deliveryCount = 1;
    }
    consumer.pel.set(id, n);
    propagateClaim(c, key, gr!.group, g, id, n);
  }
  if (moved && gr!.noack) propagateGroupId(c, key, gr!.group, g!);
}

/** A consumer's own pending entries after `after` (XREADGROUP with an id). */
function replyHistory(c: Session, s: StreamValue, after: StreamId, count: number, cons: Consumer) {
  const pending = after === MAX_ID ? [] : cons.pel.range(after + 1n, MAX_ID, count);
  c.out.arrayHeader(pending.length);
  const now = c.server.clock.now();
  for (const [id, n] of pending) {
    const fields = s.get(id);
    if (fields === undefined) replyEntry(c, id, null);
    else {
      replyEntry(c, id, fields);
      n.deliveryTime = now;
      n.deliveryCount++;
    }
  }
}

/** The header of a reply of `n` streams: an array of pairs (RESP2) or a map (RESP3). */
function streamsHeader(c: Session, n: number): void {
  if (c.resp === 2) c.out.arrayHeader(n);
  else c.out.mapHeader(n);
}

/** Writes one served stream's [key, entries]. */
function replyStream(
  c: Session,
  key: string,
  s: StreamValue,
  after: StreamId,
  count: number,
  gr: GroupRead | undefined,
  g: StreamGroup | undefined,
  history: boolean,
): void {
  if (c.resp === 2) c.out.arrayHeader(2);
  c.out.binary(key);
  if (g === undefined) return replyNew(c, key, s, after, count, undefined, undefined, undefined);
  const consumer = lookupConsumer(c, key, g, gr!.consumer, gr!.noack ? gr!.group : undefined);
  if (history) replyHistory(c, s, after, count, consumer);
  else replyNew(c, key, s, after, count, gr, g, consumer);
}

/** A client blocked in XREAD / XREADGROUP. */
class ReadWaiter implements Waiter {
  readonly db: number;
  readonly everyWaiter = true;
  constructor(
    readonly c: Session,
    readonly keys: readonly string[],
    readonly ids: StreamId[],
    readonly deadline: number,
    readonly count: number,
    readonly gr: GroupRead | undefined,
  ) {
    this.db = c.db;
  }

  serve(key: string): boolean {
    const c = this.c;
    const s = c.keyspace.peekStored(key);
    if (!(s instanceof StreamValue)) {
      if (this.gr === undefined) return false;
      this.expire("UNBLOCKED the stream key no longer exists");
      return true;
    }
    const i = this.keys.indexOf(key);
    let g: StreamGroup | undefined;
    if (this.gr !== undefined) {
      g = s.groups?.get(this.gr.group);
      if (g === undefined) {
        this.expire("NOGROUP the consumer group this client was blocked on no longer exists");
        return true;
      }
      this.ids[i] = g.lastId;
    }
    const after = this.ids[i]!;
    if (!(s.lastId > after)) return false;
    this.#done();
    streamsHeader(c, 1);
    if (g === undefined) replyStream(c, key, s, after, this.count, undefined, undefined, false);
    else {
      const gr = this.gr;
      propagateAsUnit(c.server, () => replyStream(c, key, s, after, this.count, gr, g, false));
    }
    return true;
  }

  expire(error?: string): void {
    this.#done();
    if (error === undefined) this.c.out.nullArray();
    else this.c.out.error(error);
  }

  resume(): void {
    this.c.resume();
  }

  #done(): void {
    this.c.blockedOn = undefined;
    this.c.server.blocked.remove(this);
  }
}

function xread(c: Session, args: Uint8Array[], group: boolean): void {
  let timeout = -1, count = 0, streamsAt = 0, nStreams = 0, noack = false;
  let groupName: string | undefined, consumerName = "";
  for (let i = 1; i < args.length; i++) {
    const more = args.length - i - 1;
    const a = args[i]!;
    if (isWord(a, "block") && more > 0) {
      const n = longArg(c, args[++i]!, "ERR timeout is not an integer or out of range");
      if (n === undefined) return;
      if (n < 0) return c.out.error("ERR timeout is negative");
      timeout = n;
    } else if (isWord(a, "count") && more > 0) {
      const n = longArg(c, args[++i]!);
      if (n === undefined) return;
      count = n < 0 ? 0 : n;
    } else if (isWord(a, "streams") && more > 0) {
      streamsAt = i + 1;
      nStreams = args.length - streamsAt;
      if (nStreams % 2 !== 0) {
        return c.out.error(
          "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
        );
      }
      nStreams /= 2;
      break;
    } else if (isWord(a, "group") && more >= 2) {
      if (!group) {
        return c.out.error(
          "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
        );
      }
      groupName = keyOf(args[i + 1]!);
      consumerName = keyOf(args[i + 2]!);
      i += 2;
    } else if (isWord(a, "noack")) {
      if (!group) {
        return c.out.error(
          "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
        );
      }
      noack = true;
    } else return c.out.error(Err.syntax);
  }
  if (streamsAt === 0) return c.out.error(Err.syntax);
  if (group && groupName === undefined) {
    return c.out.error("ERR Missing GROUP option for XREADGROUP");
  }
  const gr = groupName === undefined
    ? undefined
    : { group: groupName, consumer: consumerName, noack };
  const keys: string[] = [], ids: StreamId[] = [], groups: (StreamGroup | undefined)[] = [];
  for (let j = 0; j < nStreams; j++) {
    const key = keyOf(args[streamsAt + j]!);
    const idArg = args[streamsAt + nStreams + j]!;
    const v = c.keyspace.getStored(key);
    if (v !== undefined && !(v instanceof StreamValue)) return c.out.error(Err.wrongType);
    let g: StreamGroup | undefined;
    if (gr !== undefined) {
      g = v?.groups?.get(gr.group);
      if (g === undefined) {
        return c.out.error(
          `NOGROUP No such key '${key}' or consumer group '${gr.group}' in XREADGROUP with GROUP option`,
        );
      }
    }
    keys.push(key);
    groups.push(g);
    if (idArg.length === 1 && idArg[0] === 36) {
      if (group) {
        return c.out.error(
          "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
        );
      }
      ids.push(v?.lastId ?? 0n);
    } else if (idArg.length === 1 && idArg[0] === 62) {
      if (!group) {
        return c.out.error(
          "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
        );
      }
      ids.push(MAX_ID);
    } else {
      const id = strictId(c, idArg);
      if (id === undefined) return;
      ids.push(id);
    }
  }
  if (gr !== undefined) c.propagateAs = [];
  // Which streams serve now, and from where.
  const served: [number, StreamId, boolean][] = [];
  for (let j = 0; j < nStreams; j++) {
    const s = c.keyspace.peekStored(keys[j]!) as StreamValue | undefined;
    if (s === undefined) continue;
    const g = groups[j];
    if (g !== undefined) {
      if (ids[j] !== MAX_ID) served.push([j, ids[j]!, true]);
      else if (s.length > 0 && s.edgeId(false) > g.lastId) served.push([j, g.lastId, false]);
    } else if (s.length > 0 && s.edgeId(false) > ids[j]!) served.push([j, ids[j]!, false]);
  }
  if (served.length > 0) {
    streamsHeader(c, served.length);
    const serve = () => {
      for (const [j, after, history] of served) {
        const s = c.keyspace.peekStored(keys[j]!) as StreamValue;
        replyStream(c, keys[j]!, s, after, count, gr, groups[j], history);
      }
    };
    if (gr === undefined) serve();
    else propagateAsUnit(c.server, serve);
    return;
  }
  if (timeout === -1) return c.out.nullArray();
  if (!c.canBlock || c.server.propagateBatch !== undefined || c.tx?.queue !== undefined) {
    return c.out.nullArray();
  }
  const deadline = timeout === 0 ? 0 : c.server.clock.now() + timeout;
  const w = new ReadWaiter(c, keys, ids, deadline, count || 1000, gr);
  c.blockedOn = w;
  c.server.blocked.add(w);
}

/** XREAD and XREADGROUP. */
export const STREAM_READ_COMMANDS: readonly Command[] = [
  {
    name: "xread",
    arity: -4,
    flags: ["readonly", "blocking", "movablekeys"],
    keys: [0, 0, 0],
    acl: ["@read", "@stream", "@slow", "@blocking"],
    handler: (c, a) => xread(c, a, false),
  },
  {
    name: "xreadgroup",
    arity: -7,
    flags: ["write", "blocking", "movablekeys"],
    keys: [0, 0, 0],
    acl: ["@write", "@stream", "@slow", "@blocking"],
    handler: (c, a) => xread(c, a, true),
  },
];
