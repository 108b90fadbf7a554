// Lines relayed to other people must not drive their terminals: control characters other than TAB
// are removed, and an escape sequence (ANSI CSI, OSC, DCS and the like) goes as a whole, not just
// its ESC, so no stray `[31m` is left behind.

// deno-lint-ignore no-control-regex
const ANY_CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

// In order: CSI (ESC [ or 8-bit CSI, parameters, intermediates, final byte); OSC up to BEL or
// ST; DCS, SOS, PM and APC strings up to ST; any other escape (ESC, intermediates, final byte);
// then single C0 controls but TAB, DEL and C1 controls.
const CONTROLS =
  // deno-lint-ignore no-control-regex
  /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?|\x1b[ -/]*[0-~]?|[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * `line` without control characters other than TAB and without terminal escape sequences.
 * Returns `line` itself when there is nothing to remove (the common case, one regex test).
 */
export function stripControls(line: string): string {
  return ANY_CONTROL.test(line) ? line.replace(CONTROLS, "") : line;
}
