// Lua 5.1's wording of compile errors. fengari's parser is Lua 5.3's, whose messages differ from
// the 5.1 parser Redis runs for a few common mistakes; a compile error's text is rewritten here to
// what redis-server answers, for both EVAL's scripts and FUNCTION's libraries.

const REWRITES: [RegExp, string][] = [
  // 5.3 leaves <name> and <eof> unquoted: "'<name>' expected", "'<eof>' expected" in 5.1.
  [/: <(name|eof|string|number)> expected near /, ": '<$1>' expected near "],
  // A call followed by `=` or `,` (`f() = 1`): 5.1 ends the call statement there.
  [/: syntax error near '([=,])'$/, ": unexpected symbol near '$1'"],
  // A variable not followed by `=` (`x y`, `local x = 1 error`): 5.1 asks for the `=`.
  [/: syntax error near /, ": '=' expected near "],
  // 5.3 says where an unfinished long string or comment began; 5.1 does not.
  [
    /: unfinished long (string|comment) \(starting at line \d+\) near /,
    ": unfinished long $1 near ",
  ],
  // Lua 5.1 quotes the end of input: near '<eof>'.
  [/ near <eof>$/, " near '<eof>'"],
];

/** The compile error `msg` (fengari's text) as Lua 5.1 words it. */
export function lua51CompileError(msg: string): string {
  for (const [pattern, replacement] of REWRITES) msg = msg.replace(pattern, replacement);
  return msg;
}
