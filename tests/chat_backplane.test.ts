// Several chat instances joined by --backplane, against a real redis-server and against
// `tokserver redis`: every line reaches every client once, never twice, with the sender left out;
// /who, /rooms, /msg and names work across instances; an instance killed mid-chat and a Redis
// restart (same port) leave the rest chatting, and the chat heals when Redis is back.

import {
  assert,
  assertEquals,
  assertThrows,
  freePort,
  type Proc,
  runTokserver,
  type Server,
  spawnTokserver,
  startServer,
  TcpClient,
  TextSink,
  waitUntil,
  which,
} from "./_util.ts";
import { parseBackplaneUrl } from "../src/chat/backplane_url.ts";

const PROMPT = "*** choose a name (1-32 letters, digits, _ or -):\r";
const DOWN = "*** backplane down, local only\r";
const BACK = "*** backplane back\r";

/** A Redis the instances share, on a fixed port so it can be restarted in place. */
interface Backend extends AsyncDisposable {
  port: number;
  /** Kills it (SIGKILL): everything in it is lost, as in a crash. */
  kill(): Promise<void>;
  /** Starts a new, empty one on the same port. */
  restart(): Promise<void>;
  /** Sends a signal to it (SIGSTOP: it stops answering without closing anything). */
  signal(sig: Deno.Signal): void;
}

/** Starts redis-server on `port` (no persistence) and waits until it accepts connections. */
async function redisServerOn(port: number): Promise<Proc> {
  const child = new Deno.Command(which("redis-server")!, {
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new TextSink(child.stdout);
  const stderr = new TextSink(child.stderr);
  let exited = false;
  const status = child.status.then((s) => (exited = true, s));
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    if (!exited) {
      try {
        child.kill(signal);
      } catch {
        // gone
      }
    }
    const s = await status;
    await Promise.all([stdout.done, stderr.done]);
    return s;
  };
  const proc: Proc = {
    child,
    stdout,
    stderr,
    writeStdin: () => Promise.resolve(),
    closeStdin: () => Promise.resolve(),
    stop,
    [Symbol.asyncDispose]: async () => void await stop(),
  };
  try {
    await stdout.waitFor(/Ready to accept connections/, 10000);
  } catch (err) {
    await stop("SIGKILL");
    throw err;
  }
  return proc;
}

/** Starts `tokserver redis` on `port` and waits for its listening line. */
async function tokserverRedisOn(port: number): Promise<Proc> {
  const proc = spawnTokserver(["redis", "--port", String(port)]);
  try {
    await proc.stderr.waitFor(/listening on /, 15000);
  } catch (err) {
    await proc[Symbol.asyncDispose]();
    throw err;
  }
  return proc;
}

const BACKENDS = {
  "redis-server": redisServerOn,
  "tokserver redis": tokserverRedisOn,
} as const;

type BackendName = keyof typeof BACKENDS;

async function backend(name: BackendName): Promise<Backend> {
  const start = BACKENDS[name];
  const port = freePort();
  let proc: Proc | undefined = await start(port);
  const signal = (sig: Deno.Signal) => {
    try {
      proc?.child.kill(sig);
    } catch {
      // already gone
    }
  };
  return {
    port,
    async kill() {
      await proc?.stop("SIGKILL");
      proc = undefined;
    },
    signal,
    async restart() {
      // The port was just released; a listener in TIME_WAIT may need a moment.
      for (let i = 0;; i++) {
        try {
          proc = await start(port);
          return;
        } catch (err) {
          if (i >= 20) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
    async [Symbol.asyncDispose]() {
      signal("SIGCONT");
      await proc?.stop("SIGKILL");
    },
  };
}

let prefixes = 0;

/** A backplane URL with a prefix of its own, so tests sharing a server never meet. */
function url(b: Backend): string {
  return `redis://127.0.0.1:${b.port}/t${Deno.pid}-${++prefixes}`;
}

/** Starts a chat instance on the backplane; resolves once it has joined. */
async function instance(bpUrl: string, mode = "rooms", extra: string[] = []): Promise<Server> {
  const srv = await startServer(["chat", "--mode", mode, "--backplane", bpUrl, ...extra]);
  await srv.stderr.waitFor(/backplane .*: connected/, 10000);
  return srv;
}

/** Connects to `port` as `name` and returns once it is in #lobby. */
async function named(port: number, name: string, down = false): Promise<TcpClient> {
  const c = await TcpClient.connect(port);
  assertEquals(await c.readLine(), "*** welcome to tokserver chat\r");
  if (down) assertEquals(await c.readLine(), DOWN);
  assertEquals(await c.readLine(), PROMPT);
  await c.write(`${name}\r\n`);
  assertEquals(
    await c.readLine(),
    `*** hello ${name}, you are in #lobby (/help lists the commands)\r`,
  );
  return c;
}

/** Reads `n` lines (CR dropped) and returns them sorted, so arrival order does not matter. */
async function linesOf(c: TcpClient, n: number, ms = 10000): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await c.readLine(ms)).replace(/\r$/, ""));
  return out.sort();
}

/**
 * Names each of `who` ([port, name]) in turn; every user already there hears each later one join
 * (from whichever instance), exactly once.
 */
async function users(who: Array<[number, string]>): Promise<TcpClient[]> {
  const out: TcpClient[] = [];
  for (const [port, name] of who) out.push(await named(port, name));
  for (const [i, c] of out.entries()) {
    const later = who.slice(i + 1).map(([, n]) => `*** ${n} joined #lobby`).sort();
    assertEquals(await linesOf(c, later.length), later);
  }
  return out;
}

/** Asserts that nothing more arrives at any of `clients` for a while (no duplicates). */
async function quiet(clients: TcpClient[], ms = 400): Promise<void> {
  const got = await Promise.all(clients.map((c) => c.quietFor(ms)));
  assertEquals(got, clients.map(() => ""), "nothing more (no line twice)");
}

function closeAll(clients: TcpClient[]): void {
  for (const c of clients) c.close();
}

/** Sends `/who` from `c` until the answer is `want` (presence takes a moment to change). */
async function whoUntil(c: TcpClient, want: string, ms = 20000): Promise<void> {
  let last = "";
  await waitUntil(
    async () => {
      await c.write("/who\n");
      last = await c.readLine();
      if (last === want) return true;
      await new Promise((r) => setTimeout(r, 300));
      return false;
    },
    ms,
    `/who to answer ${JSON.stringify(want)} (last: ${JSON.stringify(last)})`,
  );
}

const hasRedisServer = which("redis-server") !== undefined;

for (const name of Object.keys(BACKENDS) as BackendName[]) {
  const ignore = name === "redis-server" && !hasRedisServer;

  Deno.test({
    name: `backplane (${name}): three instances are one chat; each line reaches everyone else once`,
    ignore,
    async fn() {
      await using redis = await backend(name);
      const u = url(redis);
      await using a = await instance(u);
      await using b = await instance(u);
      await using c = await instance(u);
      const [alice, bob, carol, dave] = await users([
        [a.port, "alice"],
        [b.port, "bob"],
        [c.port, "carol"],
        [a.port, "dave"],
      ]);
      const all = [alice!, bob!, carol!, dave!];
      try {
        // A line from each instance reaches the three others (local and remote), never its sender.
        for (const [i, from] of all.entries()) {
          const who = ["alice", "bob", "carol", "dave"][i]!;
          await from.write(`line from ${who}\n`);
          for (const to of all) {
            if (to !== from) {
              assertEquals(await to.readLine(), `[#lobby] ${who}: line from ${who}\r`);
            }
          }
        }
        await quiet(all);

        // Names are unique across instances, without regard to case.
        const eve = await TcpClient.connect(c.port);
        try {
          await eve.readUntil(`${PROMPT}\n`);
          await eve.write("ALICE\n");
          assertEquals(await eve.readLine(), "*** name taken: ALICE\r");
        } finally {
          eve.close();
        }

        // /who and /rooms count the users of every instance.
        await carol!.write("/who\n");
        assertEquals(await carol!.readLine(), "*** 4 in #lobby: alice, bob, carol, dave\r");
        await bob!.write("/join rust\n");
        assertEquals(await bob!.readLine(), "*** you are now in #rust\r");
        for (const o of [alice!, carol!, dave!]) {
          assertEquals(await o.readLine(), "*** bob left #lobby\r");
        }
        await alice!.write("/rooms\n");
        assertEquals(await alice!.readLine(), "*** 2 rooms: #lobby (3), #rust (1)\r");
        await carol!.write("/join rust\n");
        assertEquals(await bob!.readLine(), "*** carol joined #rust\r");
        assertEquals(await carol!.readLine(), "*** you are now in #rust\r");
        for (const o of [alice!, dave!]) {
          assertEquals(await o.readLine(), "*** carol left #lobby\r");
        }
        await carol!.write("rust only\n");
        assertEquals(await bob!.readLine(), "[#rust] carol: rust only\r");
        await bob!.write("/who\n");
        assertEquals(await bob!.readLine(), "*** 2 in #rust: bob, carol\r");

        // A private message crosses instances to its one recipient.
        await dave!.write("/msg Bob psst\n");
        assertEquals(await bob!.readLine(), "[private] dave: psst\r");
        assertEquals(await dave!.readLine(), "[private to bob] psst\r");
        await dave!.write("/msg nobody hi\n");
        assertEquals(await dave!.readLine(), "*** no such user: nobody\r");

        // A rename is seen in the room, and the old name is free on every instance.
        await dave!.write("/nick dee\n");
        assertEquals(await dave!.readLine(), "*** you are now known as dee\r");
        assertEquals(await alice!.readLine(), "*** dave is now known as dee\r");
        const dave2 = await named(b.port, "dave");
        dave2.close();
        for (const o of [alice!, dave!]) {
          assertEquals(await o.readLine(), "*** dave joined #lobby\r");
          assertEquals(await o.readLine(), "*** dave left #lobby\r");
        }
        await quiet(all);
      } finally {
        closeAll(all);
      }
    },
  });

  Deno.test({
    name: `backplane (${name}): an instance killed mid-chat; the others go on, its users expire`,
    ignore,
    async fn() {
      await using redis = await backend(name);
      const u = url(redis);
      await using a = await instance(u);
      await using b = await instance(u);
      await using c = await instance(u);
      const [alice, bob, carol] = await users([
        [a.port, "alice"],
        [b.port, "bob"],
        [c.port, "carol"],
      ]);
      try {
        await bob!.write("about to go\n");
        assertEquals(await alice!.readLine(), "[#lobby] bob: about to go\r");
        assertEquals(await carol!.readLine(), "[#lobby] bob: about to go\r");
        await b.stop("SIGKILL");
        assert(await bob!.closedWithin(5000), "bob's connection ends with its instance");
        await alice!.write("still here\n");
        assertEquals(await carol!.readLine(), "[#lobby] alice: still here\r");
        await carol!.write("me too\n");
        assertEquals(await alice!.readLine(), "[#lobby] carol: me too\r");
        await quiet([alice!, carol!]);
        // Nobody refreshes bob's presence any more: it expires, and the name is free again.
        await whoUntil(alice!, "*** 2 in #lobby: alice, carol\r");
        const bob2 = await named(c.port, "bob");
        try {
          assertEquals(await alice!.readLine(), "*** bob joined #lobby\r");
          assertEquals(await carol!.readLine(), "*** bob joined #lobby\r");
          await bob2.write("back\n");
          assertEquals(await alice!.readLine(), "[#lobby] bob: back\r");
          assertEquals(await carol!.readLine(), "[#lobby] bob: back\r");
        } finally {
          bob2.close();
        }
      } finally {
        closeAll([alice!, bob!, carol!]);
      }
    },
  });

  Deno.test({
    name: `backplane (${name}): Redis restarts; local chat goes on, and all is joined again after`,
    ignore,
    async fn() {
      await using redis = await backend(name);
      const u = url(redis);
      await using a = await instance(u);
      await using b = await instance(u);
      await using c = await instance(u);
      const [alice, ann, bob, carol] = await users([
        [a.port, "alice"],
        [a.port, "ann"],
        [b.port, "bob"],
        [c.port, "carol"],
      ]);
      const all = [alice!, ann!, bob!, carol!];
      try {
        await redis.kill();
        for (const x of all) assertEquals(await x.readLine(10000), DOWN);
        // Each instance keeps serving its own clients.
        await alice!.write("just us\n");
        assertEquals(await ann!.readLine(), "[#lobby] alice: just us\r");
        await alice!.write("/who\n");
        assertEquals(await alice!.readLine(), "*** 2 in #lobby: alice, ann (local only)\r");
        await quiet([bob!, carol!], 200);

        await redis.restart();
        for (const x of all) assertEquals(await x.readLine(20000), BACK);
        // Presence is back in the new, empty Redis, and lines cross instances once again.
        await whoUntil(bob!, "*** 4 in #lobby: alice, ann, bob, carol\r");
        await carol!.write("together again\n");
        for (const x of [alice!, ann!, bob!]) {
          assertEquals(await x.readLine(), "[#lobby] carol: together again\r");
        }
        await quiet(all);
        // Names are claimed in the new Redis too.
        const eve = await TcpClient.connect(b.port);
        try {
          await eve.readUntil(`${PROMPT}\n`);
          await eve.write("Ann\n");
          assertEquals(await eve.readLine(), "*** name taken: Ann\r");
        } finally {
          eve.close();
        }
      } finally {
        closeAll(all);
      }
    },
  });

  Deno.test({
    name:
      `backplane (${name}): a Redis that stops answering is noticed; it is back once it answers`,
    ignore,
    async fn() {
      await using redis = await backend(name);
      const u = url(redis);
      await using a = await instance(u);
      await using b = await instance(u);
      const [alice, ann, bob] = await users([[a.port, "alice"], [a.port, "ann"], [b.port, "bob"]]);
      const all = [alice!, ann!, bob!];
      try {
        redis.signal("SIGSTOP");
        // No connection closes: the heartbeat (a PING every second, 3 s to answer) notices.
        for (const x of all) assertEquals(await x.readLine(15000), DOWN);
        await ann!.write("still talking\n");
        assertEquals(await alice!.readLine(), "[#lobby] ann: still talking\r");
        redis.signal("SIGCONT");
        for (const x of all) assertEquals(await x.readLine(20000), BACK);
        await bob!.write("heard you\n");
        assertEquals(await alice!.readLine(), "[#lobby] bob: heard you\r");
        assertEquals(await ann!.readLine(), "[#lobby] bob: heard you\r");
        await quiet(all);
      } finally {
        redis.signal("SIGCONT");
        closeAll(all);
      }
    },
  });

  Deno.test({
    name: `backplane (${name}): complete and channel modes relay across instances, once each`,
    ignore,
    async fn() {
      await using redis = await backend(name);
      const u = url(redis);
      for (const mode of ["complete", "channel"]) {
        await using a = await instance(u, mode);
        await using b = await instance(u, mode);
        const a1 = await TcpClient.connect(a.port);
        const a2 = await TcpClient.connect(a.port);
        const b1 = await TcpClient.connect(b.port);
        try {
          await a.stderr.waitFor("(2 connected)");
          await b.stderr.waitFor("(1 connected)");
          await a1.write("from a1\n");
          assertEquals(await a2.readLine(), "from a1\r");
          assertEquals(await b1.readLine(), "from a1\r");
          if (mode === "channel") assertEquals(await a1.readLine(), "from a1\r");
          await b1.write("from b1\n");
          assertEquals(await a1.readLine(), "from b1\r");
          assertEquals(await a2.readLine(), "from b1\r");
          if (mode === "channel") assertEquals(await b1.readLine(), "from b1\r");
          await quiet([a1, a2, b1]);
        } finally {
          closeAll([a1, a2, b1]);
        }
      }
    },
  });

  Deno.test({
    name: `backplane (${name}): an instance started before Redis serves locally, then joins`,
    ignore,
    async fn() {
      await using redis = await backend(name);
      await redis.kill();
      const u = url(redis);
      await using a = await startServer(["chat", "--mode", "rooms", "--backplane", u]);
      await a.stderr.waitFor(/local only, retrying/);
      const alice = await named(a.port, "alice", true);
      try {
        await redis.restart();
        assertEquals(await alice.readLine(20000), BACK);
        await using b = await instance(u);
        const bob = await named(b.port, "bob");
        try {
          assertEquals(await alice.readLine(), "*** bob joined #lobby\r");
          await bob.write("/who\n");
          assertEquals(await bob.readLine(), "*** 2 in #lobby: alice, bob\r");
        } finally {
          bob.close();
        }
      } finally {
        alice.close();
      }
    },
  });
}

Deno.test("backplane URL: host, port and prefix, with defaults; anything else is refused", () => {
  assertEquals(parseBackplaneUrl("redis://127.0.0.1:6380/team"), {
    hostname: "127.0.0.1",
    port: 6380,
    prefix: "team",
  });
  assertEquals(parseBackplaneUrl("redis://localhost"), {
    hostname: "localhost",
    port: 6379,
    prefix: "chat",
  });
  assertEquals(parseBackplaneUrl("redis://[::1]:7000/"), {
    hostname: "::1",
    port: 7000,
    prefix: "chat",
  });
  for (
    const bad of [
      "http://127.0.0.1:6379",
      "redis://",
      "redis://host:99999",
      "redis://host:6379/a*b",
      "redis://user:pw@host:6379",
      "127.0.0.1:6379",
    ]
  ) {
    assertThrows(() => parseBackplaneUrl(bad), Error, "--backplane");
  }
});

Deno.test("--backplane with a mode that has no other clients, or a bad URL, exits 2 with one line", async () => {
  const r1 = await runTokserver(["chat", "--mode", "spawn", "--backplane", "redis://127.0.0.1"]);
  assertEquals(r1.code, 2);
  assertEquals(
    r1.stderr.trim(),
    "tokserver chat: --backplane works with modes channel, socket-addr, complete, rooms",
  );
  const r2 = await runTokserver(["chat", "--mode", "rooms", "--backplane", "redis:/x"]);
  assertEquals(r2.code, 2);
  assertEquals(
    r2.stderr.trim(),
    "tokserver chat: --backplane redis:/x: expected redis://host:port[/prefix]",
  );
});
