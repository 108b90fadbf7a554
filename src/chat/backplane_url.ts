// Where the backplane is and who this instance is on it: `--backplane redis://host:port[/prefix]`
// parsed with one readable error, and a fresh instance id.

/** The prefix when the URL names none. */
export const DEFAULT_PREFIX = "chat";
/** Where the backplane is: `redis://host:port[/prefix]`. */
export interface BackplaneAddress {
  hostname: string;
  port: number;
  /** Channels are `<prefix>:<topic>`, keys `<prefix>:...`. */
  prefix: string;
}

/** A `--backplane` URL that cannot be used; `message` is the one line to show. */
export class BackplaneUrlError extends Error {
  override name = "BackplaneUrlError";
}

/** Letters, digits and `_ . : -`: no glob characters, so the prefix needs no escaping. */
const PREFIX_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Parses `redis://host:port[/prefix]` (port 6379 and prefix `chat` when left out).
 * @throws {BackplaneUrlError} naming what is wrong.
 */
export function parseBackplaneUrl(url: string): BackplaneAddress {
  const bad = (why: string) => new BackplaneUrlError(`--backplane ${url}: ${why}`);
  const m = url.match(/^redis:\/\/([^/]*)(?:\/(.*))?$/);
  if (!m) throw bad("expected redis://host:port[/prefix]");
  const authority = m[1]!;
  if (authority.includes("@")) throw bad("a user or password is not supported");
  const hp = authority.match(/^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/);
  if (!hp) throw bad("expected redis://host:port[/prefix]");
  const port = hp[2] === undefined ? 6379 : Number(hp[2]);
  if (port < 1 || port > 65535) throw bad(`port ${hp[2]} out of range`);
  let hostname = hp[1]!;
  if (hostname.startsWith("[")) hostname = hostname.slice(1, -1);
  const prefix = m[2] === undefined || m[2] === "" ? DEFAULT_PREFIX : m[2];
  if (!PREFIX_RE.test(prefix)) {
    throw bad("the prefix takes 1 to 64 letters, digits, '_', '.', ':' or '-'");
  }
  return { hostname, port, prefix };
}

/** A fresh instance id: 8 random hex digits. */
export function newInstanceId(): string {
  const b = crypto.getRandomValues(new Uint8Array(4));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
