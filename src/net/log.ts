// One place that writes the server's log lines to stderr, so every mode logs the same way.

const encoder = new TextEncoder();

/** Where log lines go; tests and embedders may swap it. */
export interface Logger {
  /** Lines that always show: start, stop, errors. */
  info(msg: string): void;
  /** Per-client lines (connect, disconnect); silenced by --quiet. */
  client(msg: string): void;
  /** True when `client` lines are dropped, so hot paths can skip building them. */
  readonly quiet?: boolean;
}

/** Writes one line to stderr, ignoring a closed stderr. */
export function writeStderr(line: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stderr gone (closed pipe): nothing useful left to do with the line.
  }
}

/** The standard logger: lines on stderr, per-client lines unless `quiet`. */
export function stderrLogger(quiet = false): Logger {
  return {
    info: writeStderr,
    client: quiet ? () => {} : writeStderr,
    quiet,
  };
}
