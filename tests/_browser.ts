// A real browser for the chat's web tests: Debian's chromium, headless, driven by puppeteer-core
// (no browser download: .ci/run installs chromium from apt). Tests that need it are ignored, and
// say so in their names, only where no chromium is installed.

import puppeteer, { type Browser, type Page } from "puppeteer-core";

/** Where Debian installs chromium. */
export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/** A headless chromium with a fresh profile; closing it removes the profile. */
export interface TestBrowser extends AsyncDisposable {
  browser: Browser;
  /** A new page at `url`, in a phone-sized window when `phone`. */
  open(url: string, phone?: boolean): Promise<Page>;
}

/** Launches chromium (see {@linkcode CHROMIUM}) headless with a new user-data-dir. */
export async function launchBrowser(): Promise<TestBrowser> {
  const dir = await Deno.makeTempDir({ prefix: "tokserver-chromium-" });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    protocolTimeout: 20000,
    args: [
      // pages in background tabs keep running as the front one does
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${dir}`,
    ],
  });
  return {
    browser,
    async open(url, phone = false) {
      const page = await browser.newPage();
      await page.setViewport(phone ? { width: 390, height: 700 } : { width: 1000, height: 700 });
      await page.goto(url);
      return page;
    },
    async [Symbol.asyncDispose]() {
      await browser.close().catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** The text of every line in the page's log. */
export function logLines(page: Page): Promise<string[]> {
  return page.$$eval("#log li", (lis) => lis.map((li) => li.textContent ?? ""));
}

/** Waits until the page's log has a line equal to `text`. */
export async function waitForLine(page: Page, text: string, ms = 5000): Promise<void> {
  try {
    await page.waitForFunction(
      `[...document.querySelectorAll("#log li")].some((li) => li.textContent === ${
        JSON.stringify(text)
      })`,
      { timeout: ms, polling: 50 },
    );
  } catch {
    throw new Error(`no line ${JSON.stringify(text)} in ${JSON.stringify(await logLines(page))}`);
  }
}

/** Waits until the element `selector`'s text is `text`. (Page code is given as strings: it runs
 * in the browser, not in Deno.) */
export async function waitForText(page: Page, selector: string, text: string, ms = 5000) {
  await page.waitForFunction(
    `document.querySelector(${JSON.stringify(selector)})?.textContent === ${JSON.stringify(text)}`,
    { timeout: ms, polling: 50 },
  );
}

/** Types `text` into the focused message box and presses Enter: the keyboard only. */
export async function say(page: Page, text: string): Promise<void> {
  await page.focus("#message");
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
}
