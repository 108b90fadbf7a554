// Client-side caching's commands: CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR and CLIENT
// TRACKINGINFO (subcommands of CLIENT, listed by client_command.ts), with Redis 7.0's option
// checks and error texts, and the per-command part of tracking that call() and the dispatcher run:
// remembering the keys a read-only command read, and the end of a client's command.

import { keyOf } from "../store/db.ts";
import { parseInt64 } from "../../resp/integer.ts";
import { isWord } from "./args.ts";
import { Err } from "./replies.ts";
import type { Command, Session } from "./types.ts";

function fail(c: Session, text: string): void {
  c.out.error("ERR " + text);
}

/** Whether one of `a`, `b` starts with the other (Redis's stringCheckPrefix). */
function overlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

function tracking(c: Session, args: Uint8Array[]): void {
  let redirect = 0;
  let bcast = false, optin = false, optout = false, noloop = false;
  const prefixes: string[] = [];
  for (let j = 3; j < args.length; j++) {
    const more = args.length - 1 - j;
    const opt = args[j]!;
    if (isWord(opt, "redirect") && more > 0) {
      j++;
      if (redirect !== 0) {
        fail(c, "A client can only redirect to a single other client");
        return;
      }
      const id = parseInt64(args[j]!);
      if (id === undefined) {
        c.out.error(Err.notInteger);
        return;
      }
      if (typeof id !== "number" || !c.server.clients.has(id)) {
        fail(c, "The client ID you want redirect to does not exist");
        return;
      }
      redirect = id;
    } else if (isWord(opt, "bcast")) bcast = true;
    else if (isWord(opt, "optin")) optin = true;
    else if (isWord(opt, "optout")) optout = true;
    else if (isWord(opt, "noloop")) noloop = true;
    else if (isWord(opt, "prefix") && more > 0) prefixes.push(keyOf(args[++j]!));
    else {
      c.out.error(Err.syntax);
      return;
    }
  }
  const mode = args[2]!;
  const t = c.tracking;
  if (isWord(mode, "on")) {
    if (!bcast && prefixes.length > 0) {
      return fail(c, "PREFIX option requires BCAST mode to be enabled");
    }
    if (t !== undefined && t.bcast !== bcast) {
      return fail(
        c,
        "You can't switch BCAST mode on/off before disabling tracking for this client, and then " +
          "re-enabling it with a different mode.",
      );
    }
    if (bcast && (optin || optout)) {
      return fail(c, "OPTIN and OPTOUT are not compatible with BCAST");
    }
    if (optin && optout) return fail(c, "You can't specify both OPTIN mode and OPTOUT mode");
    if ((optin && t?.optout) || (optout && t?.optin)) {
      return fail(
        c,
        "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then " +
          "re-enabling it with a different mode.",
      );
    }
    if (bcast && !prefixesFit(c, prefixes)) return;
    c.server.tracking.enable(c, {
      redirect,
      bcast,
      optin,
      optout,
      noloop,
      prefixes: new Set(prefixes),
    });
  } else if (isWord(mode, "off")) {
    c.server.tracking.disable(c);
  } else {
    c.out.error(Err.syntax);
    return;
  }
  c.out.simple("OK");
}

/** Redis's checkPrefixCollisionsOrReply: no prefix may overlap another of the same client. */
function prefixesFit(c: Session, prefixes: string[]): boolean {
  const mine = c.tracking?.prefixes;
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    for (const q of mine ?? []) {
      if (overlap(q, p)) {
        fail(
          c,
          `Prefix '${p}' overlaps with an existing prefix '${q}'. ` +
            "Prefixes for a single client must not overlap.",
        );
        return false;
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlap(p, prefixes[j]!)) {
        fail(
          c,
          `Prefix '${p}' overlaps with another provided prefix '${prefixes[j]}'. ` +
            "Prefixes for a single client must not overlap.",
        );
        return false;
      }
    }
  }
  return true;
}

function caching(c: Session, args: Uint8Array[]): void {
  const t = c.tracking;
  if (t === undefined) {
    return fail(
      c,
      "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or " +
        "OPTOUT mode enabled",
    );
  }
  const opt = args[2]!;
  if (isWord(opt, "yes")) {
    if (!t.optin) {
      return fail(c, "CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
    }
  } else if (isWord(opt, "no")) {
    if (!t.optout) {
      return fail(c, "CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
    }
  } else {
    c.out.error(Err.syntax);
    return;
  }
  t.caching = true;
  c.out.simple("OK");
}

function trackingInfo(c: Session): void {
  const t = c.tracking, o = c.out;
  o.mapHeader(3);
  o.bulk("flags");
  const flags = [t === undefined ? "off" : "on"];
  if (t?.bcast) flags.push("bcast");
  if (t?.optin) flags.push("optin", ...(t.caching ? ["caching-yes"] : []));
  if (t?.optout) flags.push("optout", ...(t.caching ? ["caching-no"] : []));
  if (t?.noloop) flags.push("noloop");
  if (t?.brokenRedirect) flags.push("broken_redirect");
  o.setHeader(flags.length);
  for (const f of flags) o.bulk(f);
  o.bulk("redirect");
  o.integer(t === undefined ? -1 : t.redirect);
  o.bulk("prefixes");
  const prefixes = t?.bcast ? [...t.prefixes].sort() : [];
  o.arrayHeader(prefixes.length);
  for (const p of prefixes) o.binary(p);
}

/**
 * After a read-only command (call.ts): remembers the keys it read for a tracking client in the
 * default mode, unless OPTIN without CACHING yes, or OPTOUT with CACHING no, says otherwise.
 */
export function trackRead(c: Session, cmd: Command, args: Uint8Array[]): void {
  const t = c.tracking;
  if (t === undefined || t.bcast || cmd.keys === undefined) return;
  if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
  const [first, last, step] = cmd.keys;
  const end = last < 0 ? args.length + last : last;
  const tr = c.server.tracking;
  for (let i = first; i <= end && i < args.length; i += step) tr.remember(c, keyOf(args[i]!));
}

/**
 * After a client's command as received (not each command of an EXEC): its own invalidations
 * leave after the reply, and CLIENT CACHING's flag lasts for one command (or one MULTI ... EXEC).
 */
export function afterCommand(c: Session): void {
  c.server.tracking.afterCommand(c);
  const t = c.tracking;
  if (t?.caching && c.tx?.queue === undefined && !c.lastCommand.startsWith("client|")) {
    t.caching = false;
  }
}

const FLAGS = ["noscript", "loading", "stale"] as const;
const ACL = ["@slow", "@connection"];

/** CLIENT's client-side caching subcommands. */
export const TRACKING_SUBCOMMANDS: readonly Command[] = [
  { name: "client|tracking", arity: -3, flags: FLAGS, acl: ACL, handler: tracking },
  { name: "client|caching", arity: 3, flags: FLAGS, acl: ACL, handler: caching },
  {
    name: "client|getredir",
    arity: 2,
    flags: FLAGS,
    acl: ACL,
    handler: (c) => c.out.integer(c.tracking === undefined ? -1 : c.tracking.redirect),
  },
  { name: "client|trackinginfo", arity: 2, flags: FLAGS, acl: ACL, handler: trackingInfo },
];
