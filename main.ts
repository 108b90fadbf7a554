// tokserver: one binary, three programs: a telnet chat server, a mini-redis server, and a
// redis-cli on the message-passing client. This file only parses the command line and dispatches.

import { flagsHelp, type FlagSpec, parseFlags, UsageError } from "./src/flags/flags.ts";
import { CHAT_FLAGS, CHAT_MODES, chatOptions } from "./src/chat/options.ts";
import { REDIS_FLAGS, redisOptions } from "./src/redis/options.ts";
import { CLI_FLAGS, cliOptions } from "./src/redis_cli/options.ts";
import { runChat } from "./src/chat/mod.ts";
import { runRedisInWorker } from "./src/redis/server/worker_host.ts";
import { runCli } from "./src/redis_cli/cli.ts";
import denoJson from "./deno.json" with { type: "json" };

/** The version printed by --version (from deno.json, embedded at compile time). */
export const VERSION: string = denoJson.version;

interface Subcommand {
  summary: string;
  usage: string;
  flags: readonly FlagSpec[];
  positionals: boolean;
  more?: string;
  /** `args` is the subcommand's command line as given (after its name). */
  run(flags: Record<string, unknown>, rest: string[], args: string[]): Promise<number>;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  chat: {
    summary: "telnet line-chat server, in the Tokio tutorial's stages",
    usage: "tokserver chat [--mode MODE] [--host HOST] [--port PORT] [options]",
    flags: CHAT_FLAGS,
    positionals: false,
    more: `Modes:
  basics       one client; its lines print here, lines typed on stdin go back to it
  buf-reader   line echo, one client at a time
  spawn        line echo, many clients at once
  channel      every line to every client, the sender included
  socket-addr  every line to every other client
  complete     the finished tutorial program (as socket-addr)
  rooms        names, rooms and commands (/help)`,
    run: (flags) => runChat(chatOptions(flags)),
  },
  redis: {
    summary: "mini-redis server speaking RESP",
    usage: "tokserver redis [--host HOST] [--port PORT] [options]",
    flags: REDIS_FLAGS,
    positionals: false,
    run: (flags) => runRedisInWorker(redisOptions(flags)),
  },
  "redis-cli": {
    summary: "Redis command-line client (one-shot or interactive)",
    usage: "tokserver redis-cli [-h HOST] [-p PORT] [-a PASSWORD] [-n DB] [COMMAND [ARG...]]",
    flags: CLI_FLAGS,
    positionals: true,
    run: (flags, rest, args) => runCli(cliOptions(flags, rest, args)),
  },
};

const MAIN_USAGE =
  `tokserver ${VERSION}: a chat server, a mini-redis server and a Redis client in one binary

Usage: tokserver <command> [options]

Commands:
${Object.entries(SUBCOMMANDS).map(([name, s]) => `  ${name.padEnd(11)}${s.summary}`).join("\n")}

Options:
  -h, --help     show this help (tokserver <command> --help for a command's options)
  -V, --version  print the version

Chat modes: ${CHAT_MODES.join(", ")}`;

function subHelp(name: string, s: Subcommand): string {
  return `tokserver ${name}: ${s.summary}\n\nUsage: ${s.usage}\n\nOptions:\n${flagsHelp(s.flags)}${
    s.more ? `\n\n${s.more}` : ""
  }`;
}

/** Runs tokserver with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    if (first === undefined) {
      console.error(MAIN_USAGE);
      return 2;
    }
    console.log(MAIN_USAGE);
    return 0;
  }
  if (first === "-V" || first === "--version" || first === "version") {
    console.log(`tokserver ${VERSION}`);
    return 0;
  }
  const sub = SUBCOMMANDS[first];
  if (!sub) {
    console.error(
      `tokserver: unknown ${first.startsWith("-") ? "flag" : "command"} ${
        JSON.stringify(first)
      } (commands: ${Object.keys(SUBCOMMANDS).join(", ")})\n\n${MAIN_USAGE}`,
    );
    return 2;
  }
  let parsed;
  try {
    parsed = parseFlags(rest, sub.flags, {
      positionals: sub.positionals,
      stopEarly: sub.positionals,
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`tokserver ${first}: ${err.message}\n\nUsage: ${sub.usage}`);
    console.error(`Run 'tokserver ${first} --help' for the options.`);
    return 2;
  }
  if (parsed.flags.help) {
    console.log(subHelp(first, sub));
    return 0;
  }
  return await sub.run(parsed.flags, parsed.rest, rest);
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
