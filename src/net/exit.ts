// Ending the process from anywhere in a server, including from the worker thread the Redis server
// runs in (src/redis/server/worker_host.ts). `Deno.exit` in a worker ends only that worker, so
// there the exit code goes to the main thread, which exits the process, and the worker's thread
// stops where it is: nothing after a fatal error runs (an append-only write that failed under
// appendfsync always must not be followed by a reply).

/** The message a worker posts to have the process exit with `exit`. */
export interface ExitMessage {
  exit: number;
}

/** Whether this code runs in a worker thread. */
export const inWorker: boolean = "WorkerGlobalScope" in globalThis;

/**
 * Exits the process with `code` now, from the main thread or a worker.
 *
 * @example
 * ```ts ignore
 * import { exitProcess } from "./exit.ts";
 * exitProcess(1);
 * ```
 */
export function exitProcess(code: number): never {
  if (!inWorker) Deno.exit(code);
  const message: ExitMessage = { exit: code };
  (globalThis as unknown as { postMessage(m: ExitMessage): void }).postMessage(message);
  // Hold this thread until the main thread has ended the process.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

/** Whether a message from a worker asks for the process to exit. */
export function isExitMessage(m: unknown): m is ExitMessage {
  return typeof m === "object" && m !== null && typeof (m as ExitMessage).exit === "number";
}
