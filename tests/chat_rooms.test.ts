// Rooms mode on one instance, seen from real telnet-like clients on loopback: the name prompt and
// its rules, room lines and notices, every command, private messages, the flood limit, and what
// every stage guarantees (controls stripped, line cap, goodbye at shutdown).

import {
  assertEquals,
  assertStringIncludes,
  type Server,
  startServer,
  TcpClient,
} from "./_util.ts";

const PROMPT = "*** choose a name (1-32 letters, digits, _ or -):\r";

/** Connects and reads the greeting up to the name prompt. */
async function greeted(port: number): Promise<TcpClient> {
  const c = await TcpClient.connect(port);
  assertEquals(await c.readLine(), "*** welcome to tokserver chat\r");
  assertEquals(await c.readLine(), PROMPT);
  return c;
}

/** Connects as `name`; returns once the server has put it in #lobby. */
async function named(port: number, name: string): Promise<TcpClient> {
  const c = await greeted(port);
  await c.write(`${name}\r\n`);
  assertEquals(
    await c.readLine(),
    `*** hello ${name}, you are in #lobby (/help lists the commands)\r`,
  );
  return c;
}

/** Users `names`, each having seen everyone after it join (so all are in place). */
async function users(srv: Server, ...names: string[]): Promise<TcpClient[]> {
  const out: TcpClient[] = [];
  for (const n of names) {
    const c = await named(srv.port, n);
    for (const before of out) assertEquals(await before.readLine(), `*** ${n} joined #lobby\r`);
    out.push(c);
  }
  return out;
}

function closeAll(clients: TcpClient[]): void {
  for (const c of clients) c.close();
}

Deno.test("rooms: a bad, long, empty or taken name is refused with the reason and asked again", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms"]);
  const a = await greeted(srv.port);
  const b = await greeted(srv.port);
  try {
    await a.write("a b\r\n");
    assertEquals(await a.readLine(), "*** bad name: only letters, digits, _ and - please\r");
    assertEquals(await a.readLine(), PROMPT);
    await a.write(`${"x".repeat(33)}\n`);
    assertEquals(await a.readLine(), "*** bad name: too long (at most 32 characters)\r");
    assertEquals(await a.readLine(), PROMPT);
    await a.write("\n");
    assertEquals(await a.readLine(), "*** bad name: empty (1 to 32 letters, digits, _ or -)\r");
    assertEquals(await a.readLine(), PROMPT);
    await a.write("héllo\n");
    assertEquals(await a.readLine(), "*** bad name: only letters, digits, _ and - please\r");
    assertEquals(await a.readLine(), PROMPT);
    await a.write("Alice\n");
    assertEquals(
      await a.readLine(),
      "*** hello Alice, you are in #lobby (/help lists the commands)\r",
    );
    // Names are unique without regard to case.
    await b.write("aLiCe\n");
    assertEquals(await b.readLine(), "*** name taken: aLiCe\r");
    assertEquals(await b.readLine(), PROMPT);
    const longest = `B_-9${"z".repeat(28)}`;
    await b.write(`${longest}\n`);
    assertEquals(
      await b.readLine(),
      `*** hello ${longest}, you are in #lobby (/help lists the commands)\r`,
    );
    assertEquals(await a.readLine(), `*** ${longest} joined #lobby\r`);
  } finally {
    closeAll([a, b]);
  }
});

Deno.test("rooms: a line goes to the sender's room as [#room] name: text, never back to the sender", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms"]);
  const [a, b, c] = await users(srv, "alice", "bob", "carol");
  try {
    await a!.write("hello all\r\n");
    assertEquals(await b!.readLine(), "[#lobby] alice: hello all\r");
    assertEquals(await c!.readLine(), "[#lobby] alice: hello all\r");
    // Empty lines are not sent; a line starting with // sends one starting with /.
    await b!.write("\r\n   \r\n//etc/passwd is a path\r\n");
    assertEquals(await a!.readLine(), "[#lobby] bob: /etc/passwd is a path\r");
    assertEquals(await c!.readLine(), "[#lobby] bob: /etc/passwd is a path\r");
    assertEquals(await a!.quietFor(200), "", "the sender gets no copy; nothing else arrives");
    assertEquals(await b!.quietFor(100), "");
    c!.close();
    assertEquals(await a!.readLine(), "*** carol left #lobby\r");
    assertEquals(await b!.readLine(), "*** carol left #lobby\r");
  } finally {
    closeAll([a!, b!, c!]);
  }
});

Deno.test("rooms: /join moves between rooms with notices on both sides; lines stay in their room", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms"]);
  const [a, b, c] = await users(srv, "alice", "bob", "carol");
  try {
    await a!.write("/join Rust\n");
    assertEquals(await a!.readLine(), "*** you are now in #rust\r");
    assertEquals(await b!.readLine(), "*** alice left #lobby\r");
    assertEquals(await c!.readLine(), "*** alice left #lobby\r");
    await b!.write("/join #RUST\n");
    assertEquals(await b!.readLine(), "*** you are now in #rust\r");
    assertEquals(await a!.readLine(), "*** bob joined #rust\r");
    assertEquals(await c!.readLine(), "*** bob left #lobby\r");
    await b!.write("/join rust\n");
    assertEquals(await b!.readLine(), "*** you are already in #rust\r");
    await b!.write("/join no way\n");
    assertEquals(await b!.readLine(), "*** bad room name: only letters, digits, _ and - please\r");
    await b!.write("in rust\n");
    assertEquals(await a!.readLine(), "[#rust] bob: in rust\r");
    await c!.write("in the lobby\n");
    assertEquals(await a!.quietFor(300), "", "a line in #lobby does not reach #rust");
    assertEquals(await b!.quietFor(100), "");
  } finally {
    closeAll([a!, b!, c!]);
  }
});

Deno.test("rooms: /rooms counts each room, /who lists the sender's room, sorted by name", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms"]);
  const [carol, alice, bob] = await users(srv, "carol", "Alice", "bob");
  try {
    await bob!.write("/join rust\n");
    assertEquals(await bob!.readLine(), "*** you are now in #rust\r");
    assertEquals(await alice!.readLine(), "*** bob left #lobby\r");
    await alice!.write("/rooms\n");
    assertEquals(await alice!.readLine(), "*** 2 rooms: #lobby (2), #rust (1)\r");
    await alice!.write("/who\n");
    assertEquals(await alice!.readLine(), "*** 2 in #lobby: Alice, carol\r");
    await bob!.write("/WHO\n");
    assertEquals(await bob!.readLine(), "*** 1 in #rust: bob\r");
    await carol!.write("/join RUST\n");
    assertEquals(await carol!.readLine(), "*** bob left #lobby\r");
    assertEquals(await carol!.readLine(), "*** you are now in #rust\r");
    assertEquals(await bob!.readLine(), "*** carol joined #rust\r");
    await alice!.write("/rooms\n");
    assertEquals(await alice!.readLine(), "*** carol left #lobby\r");
    assertEquals(await alice!.readLine(), "*** 2 rooms: #lobby (1), #rust (2)\r");
  } finally {
    closeAll([carol!, alice!, bob!]);
  }
});

Deno.test("rooms: /nick renames with a notice and frees the old name; taken or bad names are refused", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms"]);
  const [a, b] = await users(srv, "alice", "bob");
  try {
    await a!.write("/nick BOB\n");
    assertEquals(await a!.readLine(), "*** name taken: BOB\r");
    await a!.write("/nick a!\n");
    assertEquals(await a!.readLine(), "*** bad name: only letters, digits, _ and - please\r");
    await a!.write("/nick\n");
    assertEquals(await a!.readLine(), "*** usage: /nick NAME\r");
    await a!.write("/nick ally\n");
    assertEquals(await a!.readLine(), "*** you are now known as ally\r");
    assertEquals(await b!.readLine(), "*** alice is now known as ally\r");
    await a!.write("/nick Ally\n");
    assertEquals(await a!.readLine(), "*** you are now known as Ally\r");
    assertEquals(await b!.readLine(), "*** ally is now known as Ally\r");
    await a!.write("renamed\n");
    assertEquals(await b!.readLine(), "[#lobby] Ally: renamed\r");
    // The old name is free again.
    const c = await named(srv.port, "alice");
    c.close();
  } finally {
    closeAll([a!, b!]);
  }
});

Deno.test("rooms: /me, /help, an unknown command and /quit", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms"]);
  const [a, b] = await users(srv, "alice", "bob");
  try {
    await a!.write("/me waves\n");
    assertEquals(await b!.readLine(), "[#lobby] * alice waves\r");
    await a!.write("/me\n");
    assertEquals(await a!.readLine(), "*** usage: /me ACTION\r");
    await a!.write("/help\n");
    const help = await a!.readUntil("//text");
    for (const cmd of ["/help", "/nick NAME", "/join ROOM", "/rooms", "/who", "/me ACTION"]) {
      assertStringIncludes(help, cmd);
    }
    assertStringIncludes(help, "/msg NAME TEXT");
    assertStringIncludes(help, "/quit");
    await a!.readLine();
    await a!.write("/dance now\n");
    assertEquals(await a!.readLine(), "*** unknown command /dance (/help lists the commands)\r");
    assertEquals(await b!.quietFor(200), "", "commands reach nobody else");
    await a!.write("/quit\n");
    assertEquals(await a!.readLine(), "*** bye\r");
    assertEquals(await a!.closedWithin(3000), true);
    assertEquals(await b!.readLine(), "*** alice left #lobby\r");
  } finally {
    closeAll([a!, b!]);
  }
});

Deno.test("rooms: /quit at the name prompt leaves at once", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms"]);
  const a = await greeted(srv.port);
  try {
    await a.write("/quit\n");
    assertEquals(await a.readLine(), "*** bye\r");
    assertEquals(await a.closedWithin(3000), true);
  } finally {
    a.close();
  }
});

Deno.test("rooms: /msg reaches only the named user (any case), across rooms; unknown names are told", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms"]);
  const [a, b, c] = await users(srv, "alice", "Bob", "carol");
  try {
    await b!.write("/join rust\n");
    assertEquals(await b!.readLine(), "*** you are now in #rust\r");
    await a!.readLine(); // bob left #lobby
    await c!.readLine();
    await a!.write("/msg bob  meet me in #rust \n");
    assertEquals(await b!.readLine(), "[private] alice: meet me in #rust\r");
    assertEquals(await a!.readLine(), "[private to Bob] meet me in #rust\r");
    assertEquals(await c!.quietFor(300), "", "nobody else sees a private message");
    await a!.write("/msg dave hi\n");
    assertEquals(await a!.readLine(), "*** no such user: dave\r");
    await a!.write("/msg bob\n");
    assertEquals(await a!.readLine(), "*** usage: /msg NAME TEXT\r");
  } finally {
    closeAll([a!, b!, c!]);
  }
});

Deno.test("rooms: lines beyond --flood a second are dropped with one notice a second, then pass again", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms", "--flood", "5"]);
  const [a, b] = await users(srv, "alice", "bob");
  try {
    // A full budget (naming spent a line of it), then 40 lines in one write: 5 pass (maybe one
    // more if a fifth of a second passes meanwhile).
    await new Promise((r) => setTimeout(r, 1100));
    const lines = Array.from({ length: 40 }, (_, i) => `flood ${i}`);
    await a!.write(lines.map((l) => `${l}\n`).join(""));
    assertEquals(
      await a!.readLine(),
      "*** flood limit: more than 5 lines a second; lines dropped\r",
    );
    for (let i = 0; i < 5; i++) assertEquals(await b!.readLine(), `[#lobby] alice: flood ${i}\r`);
    const extra = await b!.quietFor(500);
    assertEquals(extra.split("\n").filter(Boolean).length <= 1, true, `too many: ${extra}`);
    assertEquals(await a!.quietFor(100), "", "one notice, not one per dropped line");
    await new Promise((r) => setTimeout(r, 1100));
    await a!.write("calm again\n");
    assertStringIncludes(await b!.readUntil("calm again"), "[#lobby] alice: calm again");
  } finally {
    closeAll([a!, b!]);
  }
});

Deno.test("rooms: control bytes and escapes are stripped from lines and names", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms"]);
  const [a, b] = await users(srv, "alice", "bob");
  try {
    await a!.write("\x1b[31mred\x1b[0m and \x07bell\x00\n");
    assertEquals(await b!.readLine(), "[#lobby] alice: red and bell\r");
    await a!.write("/me \x1b]0;title\x07waves\n");
    assertEquals(await b!.readLine(), "[#lobby] * alice waves\r");
  } finally {
    closeAll([a!, b!]);
  }
});

Deno.test("rooms: a line over --max-line ends only its sender, who leaves the room", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms", "--max-line", "64"]);
  const [a, b] = await users(srv, "alice", "bob");
  try {
    await a!.write(`${"x".repeat(200)}\n`);
    assertEquals(await a!.readLine(), "*** line too long\r");
    assertEquals(await a!.closedWithin(3000), true);
    assertEquals(await b!.readLine(), "*** alice left #lobby\r");
    await b!.write("/who\n");
    assertEquals(await b!.readLine(), "*** 1 in #lobby: bob\r");
  } finally {
    closeAll([a!, b!]);
  }
});

Deno.test("rooms: at shutdown every client, named or not, gets the goodbye after what was pending", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms"]);
  const [a, b] = await users(srv, "alice", "bob");
  const c = await greeted(srv.port);
  try {
    await a!.write("last words\n");
    assertEquals(await b!.readLine(), "[#lobby] alice: last words\r");
    const status = await srv.stop("SIGTERM");
    assertEquals(status.code, 0);
    assertEquals(await a!.readLine(), "*** server shutting down\r");
    assertEquals(await b!.readLine(), "*** server shutting down\r");
    assertEquals(await c.readLine(), "*** server shutting down\r");
  } finally {
    closeAll([a!, b!, c]);
  }
});

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "/nick ",
  "/join ",
  "/msg ",
  "/me ",
  "/who",
  "/rooms",
  "/help",
  "/x",
  "//",
  "#",
  "a",
  "B",
  "-",
  "_",
  " ",
  "\t",
  "\r",
  "\n",
  "\x00",
  "\x1b[2J",
  "\xff",
  "é",
  "\u{1f600}",
];

Deno.test("rooms: random commands and bytes from 10 clients break nothing; others still chat", async () => {
  await using srv = await startServer(["chat", "--mode", "rooms", "--flood", "100000"]);
  const next = rng(8);
  const clients: TcpClient[] = [];
  // Each reads everything the server sends (so no client stalls the others) until it is closed.
  const closed: Promise<boolean>[] = [];
  try {
    for (let i = 0; i < 10; i++) {
      const c = await TcpClient.connect(srv.port);
      clients.push(c);
      closed.push(c.closedWithin(60000));
    }
    for (let round = 0; round < 40; round++) {
      for (const c of clients) {
        if (next() < 0.2) {
          // Raw bytes, invalid UTF-8 and telnet IAC included.
          await c.write(
            Uint8Array.from({ length: 1 + Math.floor(next() * 64) }, () => next() * 256),
          );
          continue;
        }
        let text = "";
        const n = 1 + Math.floor(next() * 30);
        for (let k = 0; k < n; k++) text += WORDS[Math.floor(next() * WORDS.length)];
        await c.write(text);
      }
    }
    // Whatever telnet state the random bytes left (a command, an option, a subnegotiation), NUL
    // IAC SE NUL brings the reader back to data; the newline ends any partial line. Every client
    // must then be gone before the two newcomers come in, or their lines could interleave.
    for (const c of clients) await c.write(Uint8Array.from([0, 255, 240, 0, 10]));
    for (const c of clients) await c.write("/quit\n");
    assertEquals(await Promise.all(closed), clients.map(() => true), "/quit closes every client");
    const [a, b] = await users(srv, "still_alice", "still_bob");
    try {
      await a!.write("after the storm\n");
      assertEquals(await b!.readLine(), "[#lobby] still_alice: after the storm\r");
    } finally {
      closeAll([a!, b!]);
    }
    assertEquals(srv.stderr.text.match(/^client \S+: .*$/m), null, "no client task failed");
  } finally {
    closeAll(clients);
    await Promise.all(closed);
  }
});
