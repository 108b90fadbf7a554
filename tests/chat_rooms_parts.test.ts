// The pieces of rooms mode on their own: a client's outbox over its own queue and its room's hub,
// the flood gate's budget, and the naming rules.

import { assert, assertEquals } from "./_util.ts";
import { Hub } from "../src/chat/hub.ts";
import { MemberOutbox } from "../src/chat/rooms/outbox.ts";
import { Flood, FloodGate } from "../src/chat/rooms/flood.ts";
import { badName, roomName } from "../src/chat/rooms/names.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Everything an outbox has pending, as its writer would take it, as text. */
function drain(out: MemberOutbox): string {
  let text = "";
  for (let chunk; (chunk = out.take()) !== null;) {
    text += dec.decode(chunk);
    out.recycle(chunk);
  }
  return text;
}

Deno.test("outbox: own lines and the room's lines both reach the writer; the author is left out", () => {
  const hub = new Hub(16);
  const out = new MemberOutbox(16);
  out.setRoom(hub.subscribe("me"));
  const other = hub.subscribe("other");
  hub.publish("[#a] other: hi", "other");
  hub.publish("[#a] me: hello", "me");
  out.push(enc.encode("*** for me alone\r\n"));
  assertEquals(drain(out), "*** for me alone\r\n[#a] other: hi\r\n");
  assertEquals(dec.decode(other.take()!), "[#a] me: hello\r\n");
});

Deno.test("outbox: a room left is drained of what was sent there before, nothing after", () => {
  const lobby = new Hub(16), rust = new Hub(16);
  const out = new MemberOutbox(16);
  out.setRoom(lobby.subscribe("me"));
  lobby.publish("before leaving");
  out.setRoom(rust.subscribe("me"));
  lobby.publish("after leaving");
  rust.publish("in rust");
  assertEquals(lobby.size, 0, "the old subscription has left its hub");
  assertEquals(drain(out), "before leaving\r\nin rust\r\n");
});

Deno.test("outbox: the last words of end come after everything pending, then the writer stops", async () => {
  const hub = new Hub(16);
  const out = new MemberOutbox(16);
  out.setRoom(hub.subscribe("me"));
  hub.publish("room line");
  out.push(enc.encode("own line\r\n"));
  out.end(enc.encode("*** bye\r\n"));
  hub.publish("too late");
  assertEquals(out.push(enc.encode("too late\r\n")), false);
  assertEquals(drain(out), "own line\r\nroom line\r\n*** bye\r\n");
  assertEquals(await out.wait(), false);
});

Deno.test("outbox: wait wakes for a line from either source, round after round", async () => {
  const hub = new Hub(16);
  const out = new MemberOutbox(16);
  out.setRoom(hub.subscribe("me"));
  for (let round = 0; round < 200; round++) {
    const waiting = out.wait();
    if (round % 2) hub.publish(`room ${round}`);
    else out.push(enc.encode(`own ${round}\r\n`));
    assertEquals(await waiting, true);
    assertEquals(drain(out), round % 2 ? `room ${round}\r\n` : `own ${round}\r\n`);
  }
});

Deno.test("outbox: a client that falls behind in its room gets one lag notice", () => {
  const hub = new Hub(4);
  const out = new MemberOutbox(4);
  out.setRoom(hub.subscribe("me"));
  for (let i = 0; i < 10; i++) hub.publish(`line ${i}`);
  assertEquals(
    drain(out),
    "*** lagged: 6 messages dropped\r\nline 6\r\nline 7\r\nline 8\r\nline 9\r\n",
  );
});

Deno.test("flood gate: a burst of the limit passes, the rest drops with one notice a second", () => {
  const gate = new FloodGate(3, 0);
  const seen = [0, 0, 0, 0, 0, 0].map(() => gate.check(0));
  assertEquals(seen, [Flood.Pass, Flood.Pass, Flood.Pass, Flood.Notice, Flood.Drop, Flood.Drop]);
  // A third of a second earns one line back; the notice is not repeated within the second.
  assertEquals(gate.check(334), Flood.Pass);
  assertEquals(gate.check(335), Flood.Drop);
  // A second after the notice, another may be given.
  assertEquals(gate.check(1001), Flood.Pass);
  assertEquals(gate.check(1001), Flood.Pass);
  assertEquals(gate.check(1001), Flood.Notice);
  // After a quiet spell the budget is full again, never more.
  assertEquals([0, 0, 0, 0].map(() => gate.check(10_000)), [
    Flood.Pass,
    Flood.Pass,
    Flood.Pass,
    Flood.Notice,
  ]);
});

Deno.test("names: 1 to 32 letters, digits, _ or -; rooms likewise, lower-case with #", () => {
  for (const ok of ["a", "Z9", "snake_case", "kebab-case", "x".repeat(32)]) {
    assertEquals(badName(ok), undefined, ok);
  }
  for (const bad of ["", "x".repeat(33), "two words", "tab\there", "é", "a.b", "#a", "/nick"]) {
    assert(badName(bad) !== undefined, JSON.stringify(bad));
  }
  assertEquals(roomName("Rust"), { room: "#rust" });
  assertEquals(roomName("#Deno_2"), { room: "#deno_2" });
  assert("why" in roomName("#"));
  assert("why" in roomName("##a"));
});
