// 20,000 calls made at once over one client, against a real redis-server and tokserver redis:
// (un)subscribes of binary and text channels on a few subscribers the client opened, publishes,
// large replies, error replies, nils and refused commands, all in flight together. Commands on
// the shared connection run in the order they were made, so a model predicts every reply
// exactly; each subscriber's confirmation counts follow from its own channels; a publish the
// server says reached a subscriber must arrive there exactly once, on its own channel's bytes.

import { assert, assertEquals } from "./_util.ts";
import { Rng } from "./_fuzz.ts";
import {
  connect,
  type Message,
  ModeError,
  RedisError,
  type Reply,
  type Subscriber,
} from "../src/client/client.ts";
import { TARGETS, within } from "./client_targets.ts";

const CALLS = 20_000;
const SUBSCRIBERS = 4;
const CHANNELS = 8; // per subscriber, half of them text, half binary
const BIG = 6; // large values, 64 KiB to 512 KiB
const enc = new TextEncoder();

/** A channel's bytes as a map key. */
function key(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Subscriber k's channel j: text `t:k:j`, or bytes that are not UTF-8. */
function channel(k: number, j: number): Uint8Array {
  return j % 2 === 0 ? enc.encode(`t:${k}:${j}`) : Uint8Array.of(0xff, 0xfe - j, k, 0, j);
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One call and how to judge its outcome. */
interface Call {
  what: string;
  promise: Promise<unknown>;
  check(outcome: PromiseSettledResult<unknown>): string | undefined;
}

const fulfilled = (want: (v: unknown) => boolean) => (o: PromiseSettledResult<unknown>) =>
  o.status === "fulfilled" && want(o.value) ? undefined : `got ${show(o)}`;
const rejected =
  (cls: new (message: string) => Error, text: string) => (o: PromiseSettledResult<unknown>) =>
    o.status === "rejected" && o.reason instanceof cls && String(o.reason.message).includes(text)
      ? undefined
      : `got ${show(o)}`;

function show(o: PromiseSettledResult<unknown>): string {
  if (o.status === "rejected") return `rejection ${o.reason}`;
  const v = o.value;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  return JSON.stringify(v)?.slice(0, 80) ?? String(v);
}

for (const target of TARGETS) {
  Deno.test({
    name: `${target.name}: 20,000 concurrent calls over one client each get their own reply`,
    ignore: target.missing !== undefined,
    async fn() {
      const rng = new Rng(15);
      await using srv = await target.start();
      await using client = await connect({ port: srv.port });
      await client.set("str", "not a number");
      const bigs = Array.from(
        { length: BIG },
        () => rng.bytes(64 * 1024 + rng.int(448 * 1024)),
      );
      await Promise.all(bigs.map((v, i) => client.set(`big:${i}`, v)));

      // Subscribers, each holding a channel of its own for the whole run.
      const subs: Subscriber[] = [];
      const model: Array<Set<string>> = [];
      for (let k = 0; k < SUBSCRIBERS; k++) {
        subs.push(await client.subscribe(`keep:${k}`));
        model.push(new Set([key(enc.encode(`keep:${k}`))]));
      }
      const owner = new Map<string, number>();
      for (let k = 0; k < SUBSCRIBERS; k++) {
        owner.set(key(enc.encode(`keep:${k}`)), k);
        for (let j = 0; j < CHANNELS; j++) owner.set(key(channel(k, j)), k);
      }
      // Consumers read all along, so nothing is dropped; each stops at its fence message.
      const received: Array<Message[]> = subs.map(() => []);
      const consumers = subs.map(async (sub, k) => {
        try {
          for await (const m of sub) {
            if (m.text === "fence") return undefined;
            received[k]!.push(m);
          }
          return `subscriber ${k} ended before its fence`;
        } catch (err) {
          return `subscriber ${k}: ${err}`;
        }
      });

      const strings = new Map<string, Uint8Array | string>();
      const counters = new Map<string, number>();
      const published = new Map<string, { k: number; channel: Uint8Array }>();
      const calls: Call[] = [];
      for (let i = 0; i < CALLS; i++) {
        const r = rng.next();
        if (r < 0.2) {
          // (Un)subscribe 1-3 channels of one subscriber; now and then all of them.
          const k = rng.int(SUBSCRIBERS);
          const set = model[k]!;
          const names = Array.from({ length: 1 + rng.int(3) }, () => channel(k, rng.int(CHANNELS)));
          const counts: number[] = [];
          let promise: Promise<number[]>;
          if (rng.next() < 0.5) {
            for (const n of names) counts.push((set.add(key(n)), set.size));
            promise = subs[k]!.subscribe(...names);
          } else if (rng.next() < 0.05) {
            // A bare UNSUBSCRIBE drops the kept channel too; subscribe it again right after.
            if (set.size === 0) counts.push(0);
            for (let n = set.size - 1; n >= 0; n--) counts.push(n);
            set.clear();
            promise = subs[k]!.unsubscribe();
            const again = `keep:${k}`;
            set.add(key(enc.encode(again)));
            const after = [set.size];
            calls.push({
              what: `unsubscribe all on ${k}`,
              promise,
              check: fulfilled((v) => JSON.stringify(v) === JSON.stringify(counts)),
            });
            promise = subs[k]!.subscribe(again);
            calls.push({
              what: `subscribe ${again} again`,
              promise,
              check: fulfilled((v) => JSON.stringify(v) === JSON.stringify(after)),
            });
            continue;
          } else {
            for (const n of names) counts.push((set.delete(key(n)), set.size));
            promise = subs[k]!.unsubscribe(...names);
          }
          calls.push({
            what: `(un)subscribe on ${k}`,
            promise,
            check: fulfilled((v) => JSON.stringify(v) === JSON.stringify(counts)),
          });
        } else if (r < 0.45) {
          const k = rng.int(SUBSCRIBERS);
          const ch = rng.next() < 0.1 ? enc.encode(`keep:${k}`) : channel(k, rng.int(CHANNELS));
          const id = `p${i}`;
          published.set(id, { k, channel: ch });
          calls.push({
            what: `publish ${id}`,
            promise: client.publish(ch, id).then((n) => {
              if (n === 0) published.delete(id);
              return n;
            }),
            check: fulfilled((v) => v === 0 || v === 1),
          });
        } else if (r < 0.47) {
          const b = rng.int(BIG);
          calls.push({
            what: `get-big big:${b}`,
            promise: client.get(`big:${b}`),
            check: fulfilled((v) => sameBytes(v as Uint8Array, bigs[b]!)),
          });
        } else if (r < 0.57) {
          const k = `s:${rng.int(50)}`;
          const v = rng.next() < 0.5 ? `v${i}` : rng.bytes(rng.int(40));
          strings.set(k, v);
          calls.push({
            what: `set ${k}`,
            promise: client.set(k, v),
            check: fulfilled((x) => x === true),
          });
        } else if (r < 0.72) {
          const k = `s:${rng.int(60)}`;
          const want = strings.get(k);
          const bytes = want === undefined
            ? null
            : typeof want === "string"
            ? enc.encode(want)
            : want;
          calls.push({
            what: `get ${k}`,
            promise: client.get(k),
            check: fulfilled((x) => sameBytes(x as Uint8Array | null, bytes)),
          });
        } else if (r < 0.82) {
          const k = `n:${rng.int(10)}`;
          const n = (counters.get(k) ?? 0) + 1;
          counters.set(k, n);
          calls.push({
            what: `incr ${k}`,
            promise: client.incr(k),
            check: fulfilled((x) => x === n),
          });
        } else if (r < 0.87) {
          calls.push({
            what: "incr str",
            promise: client.incr("str"),
            check: rejected(RedisError, "ERR value is not an integer or out of range"),
          });
        } else if (r < 0.9) {
          calls.push({
            what: "nosuch",
            promise: client.send("NOSUCH", i),
            check: rejected(RedisError, "ERR unknown command"),
          });
        } else if (r < 0.94) {
          calls.push({
            what: "get-nil missing",
            promise: client.send("GET", `missing:${i}`),
            check: fulfilled((x) => x === null),
          });
        } else if (r < 0.97) {
          const b = rng.bytes(rng.int(64));
          calls.push({
            what: "echo",
            promise: client.echo(b),
            check: fulfilled((x) => sameBytes(x as Uint8Array, b)),
          });
        } else if (r < 0.98) {
          calls.push({
            what: "send SUBSCRIBE",
            promise: client.send("SUBSCRIBE", channel(0, 1)),
            check: rejected(ModeError, "client.subscribe()"),
          });
        } else {
          calls.push({
            what: "ping",
            promise: client.ping(),
            check: fulfilled((x) => (x as Reply) === "PONG"),
          });
        }
      }
      assert(calls.length >= CALLS);

      const outcomes = await within(
        Promise.allSettled(calls.map((c) => c.promise)),
        30_000,
        "calls",
      );
      const wrong: string[] = [];
      outcomes.forEach((o, i) => {
        const bad = calls[i]!.check(o);
        if (bad !== undefined) wrong.push(`#${i} ${calls[i]!.what}: ${bad}`);
      });
      assertEquals(wrong.slice(0, 10), []);

      // A fence on each subscriber's kept channel: every message published before it is in.
      await Promise.all(subs.map((_, k) => client.publish(`keep:${k}`, "fence")));
      const ends = await within(Promise.all(consumers), 10_000, "messages up to the fences");
      assertEquals(ends.filter((e) => e !== undefined), []);
      const seen = new Set<string>();
      let delivered = 0;
      for (let k = 0; k < SUBSCRIBERS; k++) {
        for (const m of received[k]!) {
          const id = m.text;
          const p = published.get(id);
          assert(p !== undefined, `message ${id} on ${k} was not counted by PUBLISH`);
          assertEquals(p.k, k, `message ${id} reached subscriber ${k}`);
          assertEquals(owner.get(key(m.channel)), k, `message ${id}'s channel belongs to ${k}`);
          assert(sameBytes(m.channel, p.channel), `message ${id} came on its own channel`);
          assert(!seen.has(id), `message ${id} came twice`);
          seen.add(id);
          delivered++;
        }
        assertEquals(subs[k]!.dropped, 0);
      }
      assertEquals(delivered, published.size, "every counted publish was delivered");
      for (const s of subs) await s.close();
      const kinds = new Map<string, number>();
      for (const c of calls) {
        kinds.set(c.what.split(" ")[0]!, (kinds.get(c.what.split(" ")[0]!) ?? 0) + 1);
      }
      console.log(
        `  ${calls.length} calls (${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}); ` +
          `${delivered} messages delivered`,
      );
    },
  });
}
