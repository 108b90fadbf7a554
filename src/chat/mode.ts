// What a chat mode is to the rest of the server: how it serves one client, whether clients are
// served one at a time, and how it says goodbye. The six modes that re-create the tutorial's
// stages live under modes/, rooms under rooms/.

import type { Logger } from "../net/log.ts";
import type { Connection } from "../net/server.ts";
import type { ChatOptions } from "./options.ts";
import type { ClientSet } from "./client.ts";
import type { Backplane } from "./backplane.ts";
import type { Turns } from "./outbox.ts";
import type { ChatLine } from "./chat_line.ts";

export type { ChatLine };

/** What every mode is built with. */
export interface ChatContext {
  opts: ChatOptions;
  log: Logger;
  /** The link to other instances (`--backplane`), already started. */
  backplane?: Backplane;
  /** The server's writer turns, for every hub and queue it makes. */
  turns: Turns;
  /**
   * Set by the in-process server (embed.ts): shown every line a mode relays, and it stands for
   * the operator, so `basics` neither reads stdin nor prints on stdout.
   */
  tap?: (line: ChatLine) => void;
}

/** One mode of the chat server. */
export interface ModeServer {
  /** Serve one client at a time; the next waits, connected and unanswered. */
  sequential?: boolean;
  /** Serves one client until it leaves. */
  handle(c: Connection): Promise<void>;
  /** The live clients (for the goodbye at shutdown and the idle timeout). */
  clients: ClientSet;
  /** Called once the server listens (e.g. to start reading stdin). */
  started?(): void;
  /** After every connection is closed. */
  stopped?(): void | Promise<void>;
  /** Once no client has been connected for a second: let go of what only clients needed. */
  idle?(): void;
  /**
   * An operator's line (CRLF is added) to the connected clients of this instance (in rooms: to
   * `room`, or to every room); returns how many clients it is for.
   */
  publish?(text: string, room?: string): number;
  /** What the mode knows of a client beyond its connection (rooms: its name and room). */
  describe?(c: Connection): { name?: string; room?: string } | undefined;
}

/** Builds a mode's server. */
export type ModeFactory = (ctx: ChatContext) => ModeServer;
