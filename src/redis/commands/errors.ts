// Redis's error texts shared by several command families, spelled once.

/** Redis's error texts, in one place. */
export const Err = {
  syntax: "ERR syntax error",
  notInteger: "ERR value is not an integer or out of range",
  wrongType: "WRONGTYPE Operation against a key holding the wrong kind of value",
  arity: (name: string) => `ERR wrong number of arguments for '${name}' command`,
  unknownSubcommand: (sub: string, container: string) =>
    `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`,
} as const;
