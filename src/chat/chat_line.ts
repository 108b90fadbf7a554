// What an observer of the chat (the in-process server's lines log) is shown for each relayed
// line; its own module so the modes and the backplane can name it without importing each other.

/**
 * A line the hub relayed: a client's line (`from` is its address, as the test client's `addr`
 * shows it), a notice such as `*** ada joined #lobby` (from the client it is about), or an
 * operator's line (no `from`). In the echo modes (`spawn`, `buf-reader`) each echoed line, in
 * `basics` each line a client sends the operator.
 *
 * @example
 * ```ts
 * import { type ChatLine, startChat } from "@tokserver/tokserver/chat";
 *
 * await using chat = await startChat({ mode: "channel" });
 * chat.publish("maintenance at noon");
 * const line: ChatLine = chat.lines[0]!;
 * console.assert(line.from === undefined && line.text === "maintenance at noon");
 * ```
 */
export interface ChatLine {
  /** The sender's address (`host:port`, as the server sees it); absent for the server's own. */
  from?: string;
  /** The line as relayed, without CRLF. */
  text: string;
  /** The room it went to (rooms mode). */
  room?: string;
  /** The sender's name (rooms mode). */
  name?: string;
}
