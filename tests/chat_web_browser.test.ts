// The chat page in a real browser (headless chromium, see _browser.ts): two pages and a telnet
// user chatting both ways, rooms (join, leave, member lists, private messages), hostile text shown
// as text, and the page coming back by itself after the server restarts. Ignored where no chromium
// is installed.

import type { Page } from "puppeteer-core";
import { assert, assertEquals, freePort, spawnTokserver, TcpClient } from "./_util.ts";
import { startWebServer } from "./_web.ts";
import { CHROMIUM, launchBrowser, logLines, say, waitForLine, waitForText } from "./_browser.ts";

const browserTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({
    name: CHROMIUM ? name : `${name} (ignored: no chromium installed)`,
    ignore: CHROMIUM === undefined,
    // puppeteer keeps its own timers and sockets between calls
    sanitizeOps: false,
    sanitizeResources: false,
    fn,
  });

/** Enters `name` at the page's name prompt with the keyboard and waits for the welcome. */
async function enterName(page: Page, name: string): Promise<void> {
  await page.waitForSelector("#name-form:not([hidden])");
  await page.focus("#name");
  await page.keyboard.type(name);
  await page.keyboard.press("Enter");
  await waitForText(page, "#status", `connected as ${name}`);
}

function members(page: Page): Promise<string[]> {
  return page.$$eval("#members button", (bs) => bs.map((b) => b.textContent ?? ""));
}

async function waitForMembers(page: Page, want: string[]): Promise<void> {
  const deadline = Date.now() + 5000;
  while (JSON.stringify(await members(page)) !== JSON.stringify(want)) {
    if (Date.now() > deadline) {
      throw new Error(
        `members ${JSON.stringify(await members(page))}, not ${JSON.stringify(want)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

browserTest("browser: two pages and a telnet user chat both ways (complete)", async () => {
  await using srv = await startWebServer(["--mode", "complete"]);
  await using b = await launchBrowser();
  const url = `http://127.0.0.1:${srv.webPort}/`;
  const [p1, p2] = [await b.open(url), await b.open(url, true)];
  const tcp = await TcpClient.connect(srv.port);
  try {
    await srv.stderr.waitFor(/\(3 connected\)/);
    await say(p1, "hello from page one");
    await waitForLine(p2, "hello from page one");
    assertEquals(await tcp.readLine(), "hello from page one\r");
    await waitForLine(p1, "you: hello from page one");
    await say(p2, "and from the phone");
    await waitForLine(p1, "and from the phone");
    assertEquals(await tcp.readLine(), "and from the phone\r");
    await tcp.write("telnet says hi\r\n");
    await waitForLine(p1, "telnet says hi");
    await waitForLine(p2, "telnet says hi");
  } finally {
    tcp.close();
  }
});

browserTest(
  "browser: <script> and ANSI escapes from telnet show as text, never markup",
  async () => {
    await using srv = await startWebServer(["--mode", "complete"]);
    await using b = await launchBrowser();
    const page = await b.open(`http://127.0.0.1:${srv.webPort}/`);
    const tcp = await TcpClient.connect(srv.port);
    try {
      await srv.stderr.waitFor(/\(2 connected\)/);
      await tcp.write(
        '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">' +
          " \x1b[31mred\x1b[0m \x1b]0;title\x07<b>bold</b>\r\n",
      );
      const shown =
        `<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> red <b>bold</b>`;
      await waitForLine(page, shown);
      const found = await page.evaluate(`({
        elements: document.querySelectorAll("#log script, #log img, #log b").length,
        pwned: window.pwned ?? 0,
      })`);
      assertEquals(found, { elements: 0, pwned: 0 });
    } finally {
      tcp.close();
    }
  },
);

browserTest("browser: rooms: names, join and leave, member lists, private messages", async () => {
  await using srv = await startWebServer(["--mode", "rooms"]);
  await using b = await launchBrowser();
  const url = `http://127.0.0.1:${srv.webPort}/`;
  const ann = await b.open(url);
  await enterName(ann, "ann");
  const bob = await b.open(url, true);
  await enterName(bob, "bob");
  const cid = await TcpClient.connect(srv.port);
  try {
    await cid.readUntil("-):\r\n");
    await cid.write("cid\r\n");
    await cid.readUntil("(/help lists the commands)\r\n");
    await waitForMembers(ann, ["ann (you)", "bob", "cid"]);
    await waitForLine(bob, "*** cid joined #lobby");

    // ann joins #rust from the room form (keyboard only); the others see her leave.
    await ann.focus("#join");
    await ann.keyboard.type("rust");
    await ann.keyboard.press("Enter");
    await waitForLine(ann, "*** you are now in #rust");
    await waitForText(ann, "#title", "#rust");
    await waitForMembers(ann, ["ann (you)"]);
    await waitForLine(bob, "*** ann left #lobby");
    await waitForMembers(bob, ["bob (you)", "cid"]);
    assertEquals(await cid.readLine(), "*** ann left #lobby\r");
    const rooms = await ann.$$eval("#rooms button", (bs) => bs.map((b) => b.textContent));
    assertEquals(rooms, ["#lobby (2)", "#rust (1)"]);

    // bob follows with a command; room lines stay in the room.
    await say(bob, "/join #rust");
    await waitForMembers(ann, ["ann (you)", "bob"]);
    // bob's page labels its own line with the room it knows (a local echo): let it learn first.
    await waitForLine(bob, "*** you are now in #rust");
    await say(bob, "hi ann");
    await waitForLine(ann, "[#rust] bob: hi ann");
    await waitForLine(bob, "[#rust] bob: hi ann");

    // ann picks bob in her member list (keyboard: focus, Enter) to write to him privately.
    await ann.focus("#members li:nth-child(2) button");
    await ann.keyboard.press("Enter");
    assertEquals(
      await ann.$eval("#message", (i) => (i as unknown as { value: string }).value),
      "/msg bob ",
    );
    await ann.keyboard.type("a secret");
    await ann.keyboard.press("Enter");
    await waitForLine(bob, "[private] ann: a secret");
    await waitForLine(ann, "[private to bob] a secret");
    assert(await bob.$eval("#log li:last-child", (li) => li.classList.contains("private")));
    await cid.write("/msg ann from telnet\r\n");
    await waitForLine(ann, "[private] cid: from telnet");
    await say(ann, "/msg cid from the page");
    await cid.readUntil("*** bob left #lobby\r\n");
    assertEquals(await cid.readLine(), "[private to ann] from telnet\r");
    assertEquals(await cid.readLine(), "[private] ann: from the page\r");

    // leaving the room: bob goes back, ann's member list follows.
    await say(bob, "/join #lobby");
    await waitForMembers(ann, ["ann (you)"]);
    await waitForLine(ann, "*** bob left #rust");
  } finally {
    cid.close();
  }
});

browserTest(
  "browser: the page reconnects after the server restarts (and takes its name back)",
  async () => {
    const port = freePort(), web = freePort();
    const args = ["chat", "--mode", "rooms", "--port", String(port), "--web", String(web)];
    let srv = spawnTokserver(args);
    try {
      await srv.stderr.waitFor(/web page on/, 15000);
      await using b = await launchBrowser();
      const page = await b.open(`http://127.0.0.1:${web}/`);
      await enterName(page, "ann");
      await srv.stop("SIGINT");
      await waitForLine(page, "*** server shutting down");
      await page.waitForFunction(
        `document.querySelector("#status").textContent.startsWith("disconnected")`,
        { polling: 50 },
      );
      srv = spawnTokserver(args);
      await srv.stderr.waitFor(/web page on/, 15000);
      await waitForText(page, "#status", "connected as ann", 15000);
      const tcp = await TcpClient.connect(port);
      try {
        await tcp.readUntil("-):\r\n");
        await tcp.write("cid\r\nhello again\r\n");
        await waitForLine(page, "[#lobby] cid: hello again");
        assert((await logLines(page)).includes("*** server shutting down"));
      } finally {
        tcp.close();
      }
    } finally {
      await srv.stop();
    }
  },
);
