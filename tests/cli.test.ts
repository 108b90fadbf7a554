// The command line as users meet it: help and version, bad flags refused with exit code 2,
// a taken port reported in one line with exit code 1.

import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  runTokserver,
  startServer,
} from "./_util.ts";

Deno.test("--help prints the commands and exits 0", async () => {
  const r = await runTokserver(["--help"]);
  assertEquals(r.code, 0);
  for (const cmd of ["chat", "redis", "redis-cli"]) assertStringIncludes(r.stdout, cmd);
});

Deno.test("--version prints the version from deno.json", async () => {
  const r = await runTokserver(["--version"]);
  assertEquals(r.code, 0);
  assertMatch(r.stdout, /^tokserver \d+\.\d+\.\d+\n$/);
});

Deno.test("each subcommand has --help listing its flags", async () => {
  for (const [cmd, flag] of [["chat", "--mode"], ["redis", "--port"], ["redis-cli", "-h"]]) {
    const r = await runTokserver([cmd!, "--help"]);
    assertEquals(r.code, 0, cmd);
    assertStringIncludes(r.stdout, flag!);
  }
});

Deno.test("no command prints the usage and exits 2", async () => {
  const r = await runTokserver([]);
  assertEquals(r.code, 2);
  assertStringIncludes(r.stderr, "Usage: tokserver <command>");
});

Deno.test("bad command lines exit 2 with one clear line and the usage", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["nope"], /unknown command "nope"/],
    [["--bogus"], /unknown flag "--bogus"/],
    [["chat", "--mode", "nope"], /--mode must be one of basics, buf-reader, spawn, channel/],
    [["chat", "--port", "70000"], /--port must be from 0 to 65535, not 70000/],
    [["chat", "--port", "abc"], /--port must be a whole number, not "abc"/],
    [["chat", "--port", "-1"], /--port must be from 0 to 65535, not -1/],
    [["chat", "--port"], /--port needs a value/],
    [["redis", "--port", "1.5"], /--port must be a whole number/],
    [["redis", "--frobnicate"], /unknown flag --frobnicate/],
    [["redis", "extra"], /unexpected argument "extra"/],
    [["chat", "--max-line", "0"], /--max-line must be from/],
    [["redis-cli", "-p", "x"], /--port must be a whole number/],
  ];
  for (const [args, re] of cases) {
    const r = await runTokserver(args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    const first = r.stderr.split("\n")[0]!;
    assertMatch(first, re, args.join(" "));
    assertStringIncludes(r.stderr, "Usage: tokserver");
    assert(!r.stderr.includes("    at "), "no stack trace");
  }
});

Deno.test("a second server on a taken port prints one line and exits 1", async () => {
  await using first = await startServer(["chat", "--mode", "spawn"]);
  const r = await runTokserver(["chat", "--mode", "spawn", "--port", String(first.port)]);
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr.trim(),
    `tokserver: cannot listen on 127.0.0.1:${first.port}: address already in use`,
  );
});
