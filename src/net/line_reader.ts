// Reading a telnet client's lines safely: telnet negotiation and NUL bytes are dropped, a byte cap
// stands in front of TextLineStream so one endless line cannot grow memory, and LF / CRLF both end
// a line. Bytes flow: socket -> TelnetFilter (cap) -> TextDecoderStream -> TextLineStream.

import { TextLineStream } from "../std/streams.ts";

/** A client sent a line longer than the cap; its connection should end. */
export class LineTooLongError extends Error {
  override name = "LineTooLongError";
  constructor(readonly limit: number) {
    super(`line longer than ${limit} bytes`);
  }
}

const IAC = 255, SB = 250, SE = 240, WILL = 251, DONT = 254, NUL = 0, LF = 10, CR = 13;

const enum State {
  Data,
  Iac,
  Option,
  Sub,
  SubIac,
}

/**
 * Drops telnet commands (IAC ...), including option negotiation and subnegotiation, and NUL
 * bytes, even when split across reads; errors with {@linkcode LineTooLongError} once a line
 * passes `maxLine` bytes (the line ending not counted).
 */
export class TelnetFilter extends TransformStream<Uint8Array, Uint8Array> {
  constructor(maxLine: number, onData?: () => void) {
    let state = State.Data;
    let lineLen = 0; // bytes of the current, unfinished line
    let endsWithCR = false; // the last byte passed on was a CR
    super({
      transform(chunk, controller) {
        onData?.();
        let out = chunk;
        if (state !== State.Data || chunk.indexOf(IAC) !== -1 || chunk.indexOf(NUL) !== -1) {
          out = new Uint8Array(chunk.length);
          let n = 0;
          for (const b of chunk) {
            switch (state) {
              case State.Data:
                if (b === IAC) state = State.Iac;
                else if (b !== NUL) out[n++] = b;
                break;
              case State.Iac:
                if (b === IAC) {
                  out[n++] = b; // IAC IAC is a literal 255
                  state = State.Data;
                } else if (b >= WILL && b <= DONT) state = State.Option;
                else if (b === SB) state = State.Sub;
                else state = State.Data; // a two-byte command (NOP, AYT, GA, ...)
                break;
              case State.Option:
                state = State.Data;
                break;
              case State.Sub:
                if (b === IAC) state = State.SubIac;
                break;
              case State.SubIac:
                state = b === SE ? State.Data : State.Sub;
                break;
            }
          }
          out = out.subarray(0, n);
        }
        if (out.length === 0) return;
        let lf = out.indexOf(LF);
        if (lf === -1) {
          lineLen += out.length;
        } else {
          // Every line finished inside this chunk must fit; its CR (if any) does not count.
          let start = 0;
          while (lf !== -1) {
            const cr = lf > 0 ? out[lf - 1] === CR : endsWithCR;
            if (lineLen + lf - start - (cr ? 1 : 0) > maxLine) {
              controller.error(new LineTooLongError(maxLine));
              return;
            }
            lineLen = 0;
            start = lf + 1;
            lf = out.indexOf(LF, start);
          }
          lineLen = out.length - start;
        }
        endsWithCR = out[out.length - 1] === CR;
        // An unfinished line may still end in CRLF, so allow one byte for its CR.
        if (lineLen > maxLine + 1) {
          controller.error(new LineTooLongError(maxLine));
          return;
        }
        controller.enqueue(out);
      },
    });
  }
}

/** Options of {@linkcode lineStream}. */
export interface LineReaderOptions {
  /** Longest line accepted, in bytes. Default 65536. */
  maxLine?: number;
  /** Called as each chunk of bytes arrives (e.g. to note activity for the idle timeout). */
  onData?: () => void;
}

/**
 * The lines a client sends, without their line endings, decoded as UTF-8 (a character split
 * across reads is joined). A last line without newline is yielded when the client closes.
 * The stream errors with {@linkcode LineTooLongError} when a line passes the cap.
 */
export function lineStream(
  source: ReadableStream<Uint8Array>,
  opts: LineReaderOptions = {},
): ReadableStream<string> {
  return source
    .pipeThrough(new TelnetFilter(opts.maxLine ?? 65536, opts.onData))
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new TextLineStream());
}
