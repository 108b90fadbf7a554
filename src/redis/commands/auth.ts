// AUTH and the password check behind it (HELLO's AUTH option uses it too). With --requirepass a new
// connection is not authenticated, and the dispatcher (server/dispatch.ts) refuses every command
// without the no_auth flag with NOAUTH until AUTH succeeds. There is one user, `default`, as in
// Redis without ACL files: its password is --requirepass, or none at all (then any password is
// right).

import { type Command, type Session } from "./types.ts";
import { Err } from "./replies.ts";

const encoder = new TextEncoder();

const DEFAULT_USER = encoder.encode("default");

/** Redis's reply to a wrong user name or password. */
export const WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

/** Redis's reply to a command that needs AUTH first. */
export const NOAUTH = "NOAUTH Authentication required.";

const NO_PASSWORD =
  "ERR AUTH <password> called without any password configured for the default user. " +
  "Are you sure your configuration is correct?";

/** The password's bytes, per server options object, encoded again when CONFIG SET changes it. */
const passwords = new WeakMap<object, { text: string; bytes: Uint8Array }>();

function passwordOf(c: Session): Uint8Array | undefined {
  const opts = c.server.options;
  const text = opts.requirepass;
  if (text === undefined) return undefined;
  let p = passwords.get(opts);
  if (p?.text !== text) passwords.set(opts, p = { text, bytes: encoder.encode(text) });
  return p.bytes;
}

/** Whether `given` equals `expected`, in time that depends on the expected length only. */
function sameSecret(given: Uint8Array, expected: Uint8Array): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= (given[i] ?? 0) ^ expected[i]!;
  return diff === 0;
}

function isDefaultUser(user: Uint8Array): boolean {
  if (user.length !== DEFAULT_USER.length) return false;
  for (let i = 0; i < user.length; i++) if (user[i] !== DEFAULT_USER[i]) return false;
  return true;
}

/** Whether `c` must AUTH before running commands, for a client just connected. */
export function authRequired(c: Pick<Session, "server">): boolean {
  return c.server.options.requirepass !== undefined;
}

/**
 * Checks a user name and password as Redis's ACLAuthenticateUser does for the default user; on
 * success `c` is authenticated. A failure leaves the client as it was.
 */
export function authenticate(c: Session, user: Uint8Array, password: Uint8Array): boolean {
  // User names are case-sensitive in Redis.
  if (!isDefaultUser(user)) return false;
  const expected = passwordOf(c);
  if (expected !== undefined && !sameSecret(password, expected)) return false;
  c.authenticated = true;
  return true;
}

/** RESET's part: back to the default user, which needs AUTH again when a password is set. */
export function resetAuth(c: Session): void {
  c.authenticated = !authRequired(c);
}

function auth(c: Session, args: Uint8Array[]): void {
  if (args.length > 3) {
    c.out.error(Err.syntax);
    return;
  }
  let ok: boolean;
  if (args.length === 2) {
    // The one-argument form is the default user's password, and needs one to be configured.
    if (passwordOf(c) === undefined) {
      c.out.error(NO_PASSWORD);
      return;
    }
    ok = authenticate(c, DEFAULT_USER, args[1]!);
  } else {
    ok = authenticate(c, args[1]!, args[2]!);
  }
  if (ok) c.out.simple("OK");
  else c.out.error(WRONGPASS);
}

/** The AUTH command. */
export const AUTH_COMMANDS: readonly Command[] = [
  {
    name: "auth",
    arity: -2,
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    acl: ["@fast", "@connection"],
    handler: auth,
  },
];
