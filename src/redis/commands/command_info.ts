// COMMAND, COMMAND COUNT / LIST / INFO / DOCS: what redis-cli and client libraries ask for at
// startup, answered from the command table (arity, flags, key positions, ACL categories) and the
// docs data (docs.ts: texts, tips, key specifications), in Redis 7.0's formats.

import type { Command, Session } from "./types.ts";
import { docsOf, keySpecsOf } from "./docs.ts";
import { writeDocValue } from "./docs_reply.ts";
import { lowerName } from "./args.ts";
import { helpReply } from "./replies.ts";

/** Flags that are ours only and never shown by COMMAND. */
const HIDDEN_FLAGS = new Set(["pubsub_context"]);

/** Every command and subcommand of the table, subcommands after their container. */
function allCommands(c: Session): Command[] {
  return [...c.server.commands.values()];
}

function findCommand(c: Session, name: string): Command | undefined {
  const bar = name.indexOf("|");
  if (bar === -1) return c.server.commands.get(name);
  return c.server.commands.get(name.slice(0, bar))?.subcommands?.find((s) => s.name === name);
}

function writeKeySpecs(c: Session, cmd: Command): void {
  const o = c.out;
  const specs = keySpecsOf(cmd.name).key_specs ?? [];
  o.setHeader(specs.length);
  for (const spec of specs) writeDocValue(o, spec);
}

/** One command in COMMAND / COMMAND INFO's format. */
function writeCommandInfo(c: Session, cmd: Command): void {
  const o = c.out;
  o.arrayHeader(10);
  o.bulk(cmd.name);
  o.integer(cmd.arity);
  const flags = cmd.flags.filter((f) => !HIDDEN_FLAGS.has(f));
  o.setHeader(flags.length);
  for (const f of flags) o.simple(f);
  const [first, last, step] = cmd.keys ?? [0, 0, 0];
  o.integer(first);
  o.integer(last);
  o.integer(step);
  const acl = cmd.acl ?? [];
  o.setHeader(acl.length);
  for (const a of acl) o.simple(a);
  const tips = keySpecsOf(cmd.name).tips ?? [];
  o.setHeader(tips.length);
  for (const t of tips) o.bulk(t);
  writeKeySpecs(c, cmd);
  const subs = cmd.subcommands ?? [];
  // Redis answers an empty set for no subcommands, an array otherwise.
  if (subs.length === 0) o.setHeader(0);
  else o.arrayHeader(subs.length);
  for (const s of subs) writeCommandInfo(c, s);
}

/** One command's COMMAND DOCS map (as a flat array in RESP2). */
function writeDocs(c: Session, cmd: Command): void {
  const o = c.out;
  const docs = docsOf(cmd.name);
  if (docs === undefined) throw new Error(`no COMMAND DOCS entry for ${cmd.name}`);
  const fields = Object.keys(docs);
  o.mapHeader(fields.length + (cmd.subcommands ? 1 : 0));
  for (const f of fields) {
    o.bulk(f);
    writeDocValue(o, docs[f]!, f);
  }
  if (cmd.subcommands) {
    o.bulk("subcommands");
    o.mapHeader(cmd.subcommands.length);
    for (const s of cmd.subcommands) {
      o.bulk(s.name);
      writeDocs(c, s);
    }
  }
}

function commandList(c: Session): void {
  const cmds = allCommands(c);
  c.out.arrayHeader(cmds.length);
  for (const cmd of cmds) writeCommandInfo(c, cmd);
}

const COMMAND_HELP = [
  "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "(no subcommand)",
  "    Return details about all Redis commands.",
  "COUNT",
  "    Return the total number of commands in this Redis server.",
  "LIST",
  "    Return a list of all commands in this Redis server.",
  "INFO [<command-name> ...]",
  "    Return details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "DOCS [<command-name> ...]",
  "    Return documentation details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "HELP",
  "    Prints this help.",
];

/** COMMAND and its subcommands. */
export const COMMAND_COMMANDS: readonly Command[] = [
  {
    name: "command",
    arity: -1,
    flags: ["loading", "stale"],
    acl: ["@slow", "@connection"],
    handler: commandList,
    subcommands: [
      {
        name: "command|count",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c) => c.out.integer(c.server.commands.size),
      },
      {
        name: "command|list",
        arity: -2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c) => {
          const names = [...c.server.commands.keys()];
          c.out.arrayHeader(names.length);
          for (const n of names) c.out.bulk(n);
        },
      },
      {
        name: "command|info",
        arity: -2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c, args) => {
          if (args.length === 2) return commandList(c);
          c.out.arrayHeader(args.length - 2);
          for (let i = 2; i < args.length; i++) {
            const cmd = findCommand(c, lowerName(args[i]!));
            if (cmd === undefined) c.out.nullBulk();
            else writeCommandInfo(c, cmd);
          }
        },
      },
      {
        name: "command|docs",
        arity: -2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c, args) => {
          const cmds = args.length === 2
            ? allCommands(c)
            : args.slice(2).map((a) => findCommand(c, lowerName(a))).filter((x) => x !== undefined);
          c.out.mapHeader(cmds.length);
          for (const cmd of cmds) {
            c.out.bulk(cmd.name);
            writeDocs(c, cmd);
          }
        },
      },
      {
        name: "command|help",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["@slow", "@connection"],
        handler: (c) => helpReply(c, COMMAND_HELP),
      },
    ],
  },
];
