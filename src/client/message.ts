// A published message as the subscriber hands it out, and the bounded buffer unread messages
// wait in: counted in messages and in bytes, so a consumer that stops reading costs at most the
// limits its subscriber was given.

import { Fifo } from "./fifo.ts";

const decoder = new TextDecoder();

/** A published message. Channel, pattern and payload are the bytes the server sent. */
export class Message {
  /** The channel it was published to, as bytes (see {@linkcode Message.channelText}). */
  readonly channel: Uint8Array;
  /** The payload, as published (bytes, never altered). */
  readonly payload: Uint8Array;
  /** The pattern that matched, for messages received through `psubscribe`. */
  readonly pattern: Uint8Array | undefined;

  constructor(channel: Uint8Array, payload: Uint8Array, pattern?: Uint8Array) {
    this.channel = channel;
    this.payload = payload;
    this.pattern = pattern;
  }

  /** The payload decoded as UTF-8 text. */
  get text(): string {
    return decoder.decode(this.payload);
  }

  /** The channel decoded as UTF-8 text (bytes that are not UTF-8 become U+FFFD). */
  get channelText(): string {
    return decoder.decode(this.channel);
  }

  /** The pattern decoded as UTF-8 text, or undefined. */
  get patternText(): string | undefined {
    return this.pattern === undefined ? undefined : decoder.decode(this.pattern);
  }
}

/**
 * Unread messages, oldest first, with the bytes of their channels and payloads.
 *
 * @example
 * ```ts
 * import { Message, MessageBuffer } from "./message.ts";
 * const buf = new MessageBuffer();
 * buf.push(new Message(Uint8Array.of(1), Uint8Array.of(2, 3)));
 * buf.bytes; // 3
 * buf.dropOldest(0, 0); // over both limits: the message is dropped and counted
 * buf.dropped; // 1
 * ```
 */
export class MessageBuffer {
  readonly #queue = new Fifo<Message>();
  #bytes = 0;
  #dropped = 0;

  /** Messages waiting. */
  get length(): number {
    return this.#queue.length;
  }

  /** Bytes of the waiting messages' channels and payloads. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Messages dropped unread so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues `m` last. */
  push(m: Message): void {
    this.#queue.push(m);
    this.#bytes += m.channel.length + m.payload.length;
  }

  /** Takes the oldest message. */
  shift(): Message | undefined {
    const m = this.#queue.shift();
    if (m !== undefined) this.#bytes -= m.channel.length + m.payload.length;
    return m;
  }

  /** Drops the oldest messages, counting them, until at most `messages` and `bytes` are left. */
  dropOldest(messages: number, bytes: number): void {
    while (this.#queue.length > 0 && (this.#queue.length > messages || this.#bytes > bytes)) {
      this.shift();
      this.#dropped++;
    }
  }

  /** Forgets every waiting message. */
  clear(): void {
    this.#queue.drain();
    this.#bytes = 0;
  }
}
