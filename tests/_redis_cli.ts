// Running `tokserver redis-cli` side by side with the real redis-cli 7.0.15: the same arguments
// (and stdin) to both, stdout and stderr compared byte for byte, and the exit codes.

import { assertEquals, MAIN, serverFlags, which } from "./_util.ts";

/** The real redis-cli, when installed. */
export const REDIS_CLI = which("redis-cli");

/** What a program printed, bytes shown as Latin-1 so none is lost, and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with `stdin`; its exit code and output. */
export async function runBytes(cmd: string, args: string[], stdin = ""): Promise<CliRun> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  const r = await child.output();
  return { code: r.code, stdout: toLatin1(r.stdout), stderr: toLatin1(r.stderr) };
}

function toLatin1(b: Uint8Array): string {
  let s = "";
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

/**
 * Runs the same redis-cli arguments through the real redis-cli (on `port`) and ours (on
 * `oursPort`, a twin server when the command changes data); asserts equal results, after
 * `mask` (for what differs by nature, such as connection ids). The real one's output.
 */
export async function same(
  port: number,
  args: string[],
  oursPort = port,
  mask: (r: CliRun) => CliRun = (r) => r,
): Promise<string> {
  const [real, ours] = await Promise.all([
    runBytes(REDIS_CLI!, ["-p", String(port), ...args]),
    runBytes(Deno.execPath(), [
      ...serverFlags(),
      MAIN,
      "redis-cli",
      "-p",
      String(oursPort),
      ...args,
    ]),
  ]);
  assertEquals(mask(ours), mask(real), `redis-cli ${args.join(" ")}`);
  return real.stdout;
}
