// The tutorial's hello-redis: connect, SET hello world, GET hello, print what came back. Run a
// server first (`deno task start redis` or a real redis-server), then `deno task hello`.
//
//   deno run --allow-net examples/hello_redis.ts [--host 127.0.0.1] [--port 6379]

import { parseArgs } from "../src/std/cli.ts";
import { connect, ConnectionError } from "../src/client/client.ts";

const flags = parseArgs(Deno.args, {
  string: ["host", "port"],
  default: { host: "127.0.0.1", port: "6379" },
});
const hostname = String(flags.host);
const port = Number(flags.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`hello_redis: --port must be from 1 to 65535, not ${JSON.stringify(flags.port)}`);
  Deno.exit(2);
}

let client;
try {
  // Open a connection to the mini-redis address.
  client = await connect({ hostname, port });
} catch (err) {
  if (!(err instanceof ConnectionError)) throw err;
  console.error(err.message);
  Deno.exit(1);
}

// Set the key "hello" with value "world".
await client.set("hello", "world");

// Get key "hello" (as text; `client.get` gives the bytes).
const result = await client.getString("hello");

console.log(`got value from the server; result=${result}`);
await client.close();
