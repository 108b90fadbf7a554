// The public chat test-dependency module (`@tokserver/tokserver/chat`), used as a user would: only
// through its exports, with its telnet-like test clients and the lines log.

import { CHAT_MODES, startChat } from "@tokserver/tokserver/chat";
import { assert, assertEquals, assertRejects } from "@std/assert";

Deno.test("embed chat: 100 servers start and stop in one process, each on its own port", async () => {
  const started = performance.now();
  const ports = new Set<number>();
  for (let i = 0; i < 100; i++) {
    await using chat = await startChat({ mode: CHAT_MODES[i % CHAT_MODES.length] });
    ports.add(chat.port);
    assertEquals(chat.clientCount, 0);
  }
  assert(ports.size > 1);
  // The figure for docs/testing.md; no assertion on time.
  console.log(`100 chat servers: ${(performance.now() - started).toFixed(0)} ms`);
});

Deno.test("embed chat: two clients chatting, observed through the lines log", async () => {
  const seen: string[] = [];
  await using chat = await startChat({ mode: "complete", onLine: (l) => seen.push(l.text) });
  await using ada = await chat.connect();
  await using bob = await chat.connect();
  assertEquals(chat.clientCount, 2);
  assertEquals(chat.clients.map((c) => c.remote).sort(), [ada.addr, bob.addr].sort());
  await ada.send("hi bob");
  assertEquals(await bob.readLine(), "hi bob");
  await bob.send("hi ada \x1b[31m");
  assertEquals(await ada.readLine(), "hi ada ");
  assertEquals(chat.lines, [
    { from: ada.addr, text: "hi bob" },
    { from: bob.addr, text: "hi ada " },
  ]);
  assertEquals(seen, ["hi bob", "hi ada "]);
  assertEquals((await chat.waitForLine(/^hi ada/)).from, bob.addr);
  chat.clearLines();
  assertEquals(chat.lines.length, 0);
  const next = chat.waitForLine((l) => l.from === ada.addr);
  await ada.send("later");
  assertEquals((await next).text, "later");
  await assertRejects(() => chat.waitForLine("never said", { timeoutMs: 50 }), Error, "later");
  // In socket-addr and complete the sender does not get its own lines.
  await assertRejects(() => ada.readLine({ timeoutMs: 50 }), Error, "deadline");
  assertEquals(await bob.readLine(), "later");
});

Deno.test("embed chat: the echo modes and channel", async () => {
  await using spawn = await startChat({ mode: "spawn" });
  await using c = await spawn.connect();
  await c.send("echo");
  assertEquals(await c.readLine(), "echo");
  assertEquals(spawn.lines, [{ from: c.addr, text: "echo" }]);
  assertEquals(spawn.publish("from the operator"), 1);
  assertEquals(await c.readLine(), "from the operator");

  await using channel = await startChat({ mode: "channel" });
  await using a = await channel.connect();
  await a.send("to all, me too");
  assertEquals(await a.readLine(), "to all, me too");
});

Deno.test("embed chat: basics talks to the operator, not stdin and stdout", async () => {
  await using chat = await startChat({ mode: "basics" });
  await using c = await chat.connect({ served: true });
  await c.send("hello operator");
  const line = await chat.waitForLine("hello operator");
  assertEquals(line.from, c.addr);
  assertEquals(chat.publish("hello client"), 1);
  assertEquals(await c.readLine(), "hello client");
});

Deno.test("embed chat: rooms mode with names, rooms and the operator", async () => {
  await using chat = await startChat({ mode: "rooms" });
  await using ada = await chat.connect();
  await using bob = await chat.connect();
  const named = async (c: typeof ada, name: string) => {
    assertEquals((await c.readLines(2))[0], "*** welcome to tokserver chat");
    await c.send(name);
    assertEquals(
      await c.readLine(),
      `*** hello ${name}, you are in #lobby (/help lists the commands)`,
    );
  };
  await named(ada, "ada");
  await named(bob, "bob");
  assertEquals(await ada.readLine(), "*** bob joined #lobby");
  await ada.send("hello");
  assertEquals(await bob.readLine(), "[#lobby] ada: hello");
  await bob.send("/join #dev");
  assertEquals(await ada.readLine(), "*** bob left #lobby");
  assertEquals(await bob.readLine(), "*** you are now in #dev");
  await chat.waitForLine("*** bob joined #dev");
  const byName = Object.fromEntries(chat.clients.map((c) => [c.name, c]));
  assertEquals([byName.ada?.room, byName.bob?.room], ["#lobby", "#dev"]);
  assertEquals(byName.bob?.remote, bob.addr);
  const said = chat.lines.find((l) => l.text === "[#lobby] ada: hello");
  assertEquals(said, { from: ada.addr, text: "[#lobby] ada: hello", room: "#lobby", name: "ada" });

  // The operator: one room, then every room.
  assertEquals(chat.publish("*** #dev closes soon", { room: "#dev" }), 1);
  assertEquals(await bob.readLine(), "*** #dev closes soon");
  assertEquals(chat.publish("*** restart at noon"), 2);
  assertEquals(await ada.readLine(), "*** restart at noon");
  assertEquals(await bob.readLine(), "*** restart at noon");
  assertEquals(chat.lines.filter((l) => l.from === undefined).map((l) => l.room), [
    "#dev",
    "#lobby",
    "#dev",
  ]);
  assertEquals(chat.publish("nobody here", { room: "#empty" }), 0);
});

Deno.test("embed chat: close with clients connected says goodbye and ends their connections", async () => {
  const chat = await startChat({ mode: "complete" });
  const a = await chat.connect(), b = await chat.connect();
  try {
    await a.send("before");
    assertEquals(await b.readLine(), "before");
    await chat.close();
    assertEquals(await a.readLine(), "*** server shutting down");
    assertEquals(await a.readLine(), null);
    assertEquals(await b.readLine(), "*** server shutting down");
    assertEquals(await b.readLine(), null);
    assertEquals(chat.clientCount, 0);
    await chat.close(); // twice is fine
    await assertRejects(() => chat.connect({ timeoutMs: 100 }));
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("embed chat: refused options and limits", async () => {
  await assertRejects(() => startChat({ mode: "spawn", web: 0 }), Error, "--web works with");
  await assertRejects(() => startChat({ mode: "basics", backplane: "redis://127.0.0.1:1" }));
  await using chat = await startChat({ mode: "complete", maxclients: 1, maxLine: 16 });
  await using a = await chat.connect();
  await using b = await chat.connect({ served: false });
  assertEquals(await b.readLine(), "*** server full");
  await a.send("x".repeat(40));
  assertEquals(await a.readLine(), "*** line too long");
  assertEquals(await a.readLine(), null);
});
