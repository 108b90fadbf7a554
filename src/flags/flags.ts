// Declarative flags for the subcommands: one table per subcommand gives parsing, range checks,
// defaults and the --help text, so every bad flag is refused the same way (one line, exit 2).

import { parseArgs } from "../std/cli.ts";

/** One flag of a subcommand. */
export type FlagSpec =
  & {
    /** Long name without dashes, e.g. `port`. */
    name: string;
    /** One-letter alias without dash, e.g. `p`. */
    short?: string;
    /** Placeholder in the help text, e.g. `PORT`. */
    arg?: string;
    /** One line of help. */
    help: string;
  }
  & (
    | { type: "bool"; default?: boolean }
    | { type: "string"; default?: string }
    | { type: "int"; default?: number; min: number; max: number }
    | { type: "enum"; default?: string; values: readonly string[] }
  );

/** `--host HOST`, the address to listen on (loopback unless said otherwise). */
export const HOST_FLAG: FlagSpec = {
  name: "host",
  arg: "HOST",
  type: "string",
  default: "127.0.0.1",
  help: "address to listen on",
};

/** `--port PORT` with the server's usual port as default. */
export function portFlag(defaultPort: number): FlagSpec {
  return {
    name: "port",
    arg: "PORT",
    type: "int",
    min: 0,
    max: 65535,
    default: defaultPort,
    help: "TCP port",
  };
}

/** The limits every server has: `--maxclients`, `--timeout`, and `--quiet` for the per-client log. */
export const SERVER_LIMIT_FLAGS: readonly FlagSpec[] = [
  {
    name: "maxclients",
    arg: "N",
    type: "int",
    min: 1,
    max: 1_000_000,
    default: 10000,
    help: "clients served at once",
  },
  {
    name: "timeout",
    arg: "SECONDS",
    type: "int",
    min: 0,
    max: 100_000_000,
    default: 0,
    help: "close clients idle this long (0: never)",
  },
  { name: "quiet", type: "bool", help: "do not log each client's connect and disconnect" },
];

/** Parsed flag values by long name, and the positional arguments. */
export interface Parsed {
  flags: Record<string, string | number | boolean | undefined>;
  rest: string[];
}

/** A command line that cannot be used: the message is one line for stderr; exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses `args` against `specs`; positionals are allowed only if `positionals` is set. */
export function parseFlags(
  args: string[],
  specs: readonly FlagSpec[],
  opts: { positionals?: boolean; stopEarly?: boolean } = {},
): Parsed {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const alias: Record<string, string> = {};
  for (const s of specs) if (s.short) alias[s.short] = s.name;
  const known = new Set<string>([...byName.keys(), ...Object.keys(alias), "help"]);
  let unknown: string | undefined;
  // `--port -1` means the value -1, not a flag named 1: glue negative numbers to their flag.
  const valued = new Set(
    specs.filter((s) => s.type !== "bool").flatMap((s) => [
      `--${s.name}`,
      ...(s.short ? [`-${s.short}`] : []),
    ]),
  );
  const glued: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!, next = args[i + 1];
    if (valued.has(a) && next !== undefined && /^-\d/.test(next)) {
      glued.push(`${a}=${next}`);
      i++;
    } else glued.push(a);
  }
  const parsed = parseArgs(glued, {
    string: specs.filter((s) => s.type !== "bool").map((s) => s.name),
    boolean: [...specs.filter((s) => s.type === "bool").map((s) => s.name), "help"],
    alias,
    stopEarly: opts.stopEarly,
    unknown: (arg: string) => {
      if (!arg.startsWith("-") || arg === "-") return true;
      const name = arg.replace(/^--?/, "").replace(/=.*$/, "");
      if (!known.has(name) && unknown === undefined) unknown = arg.replace(/=.*$/, "");
      return false;
    },
  });
  if (unknown !== undefined) throw new UsageError(`unknown flag ${unknown}`);
  const rest = parsed._.map(String);
  if (!opts.positionals && rest.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  }
  const flags: Parsed["flags"] = { help: parsed.help === true };
  for (const s of specs) {
    let raw = parsed[s.name];
    if (Array.isArray(raw)) raw = raw[raw.length - 1];
    if (raw === undefined || (s.type === "bool" && raw === false && s.default !== undefined)) {
      flags[s.name] = s.default;
      continue;
    }
    flags[s.name] = convert(s, raw);
  }
  return { flags, rest };
}

function convert(s: FlagSpec, raw: unknown): string | number | boolean {
  const shown = `--${s.name}`;
  switch (s.type) {
    case "bool":
      return raw === true;
    case "string":
      if (typeof raw !== "string" || raw === "") throw new UsageError(`${shown} needs a value`);
      return raw;
    case "int": {
      if (typeof raw !== "string" || raw === "") throw new UsageError(`${shown} needs a value`);
      if (!/^-?\d+$/.test(raw)) {
        throw new UsageError(`${shown} must be a whole number, not ${JSON.stringify(raw)}`);
      }
      const n = Number(raw);
      if (n < s.min || n > s.max) {
        throw new UsageError(`${shown} must be from ${s.min} to ${s.max}, not ${raw}`);
      }
      return n;
    }
    case "enum":
      if (typeof raw !== "string" || !s.values.includes(raw)) {
        throw new UsageError(
          `${shown} must be one of ${s.values.join(", ")}${
            typeof raw === "string" && raw !== "" ? `, not ${JSON.stringify(raw)}` : ""
          }`,
        );
      }
      return raw;
  }
}

/** The options part of a --help text, one flag per line, aligned. */
export function flagsHelp(specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `${s.short ? `-${s.short}, ` : "    "}--${s.name}${s.arg ? ` ${s.arg}` : ""}`;
    const def = s.default === undefined || s.default === false ? "" : ` (default: ${s.default})`;
    const values = s.type === "enum" ? ` [${s.values.join("|")}]` : "";
    return [left, `${s.help}${values}${def}`] as const;
  });
  rows.push(["    --help", "show this help"]);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`).join("\n");
}
