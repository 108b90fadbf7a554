// The layering of src/, checked on the real module graph (`deno info --json`): no import cycle
// anywhere in src/, and data flowing one way between the folders (socket → frames → session →
// command → store; the chat never reaching into the Redis server, the server never using the
// client). A rule broken here is a design change to discuss, not a test to loosen.

import { assert, assertEquals } from "@std/assert";

const ROOT = new URL("..", import.meta.url).pathname;

/** Module graph of the given files: each src/ path (relative to `root`) to the paths it imports. */
async function moduleGraph(root: string, files: string[]): Promise<Map<string, Set<string>>> {
  // One entry module that imports every file, so nothing unreachable from main.ts escapes.
  const entry = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      entry,
      files.map((f) => `import ${JSON.stringify(new URL(f, `file://${root}`).href)};\n`).join(""),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: {
        specifier: string;
        dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
      }[];
    };
    const prefix = `file://${root}`;
    const local = (s: string) => s.startsWith(prefix) ? s.slice(prefix.length) : undefined;
    const graph = new Map<string, Set<string>>();
    for (const m of info.modules) {
      const from = local(m.specifier);
      if (from === undefined || !from.startsWith("src/")) continue;
      const to = new Set<string>();
      for (const d of m.dependencies ?? []) {
        // Type-only imports count: a cycle of types is still a knot in the design.
        for (const s of [d.code?.specifier, d.type?.specifier]) {
          const p = s === undefined ? undefined : local(s);
          if (p !== undefined && p.startsWith("src/")) to.add(p);
        }
      }
      graph.set(from, to);
    }
    return graph;
  } finally {
    await Deno.remove(entry);
  }
}

/** Every import cycle of the graph (strongly connected components of more than one module). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  // Tarjan's algorithm.
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>(), found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Folders (prefixes of src/ paths) and the folders their modules must never import. */
const FORBIDDEN: [from: string, never: string[]][] = [
  ["src/net/", ["src/chat/", "src/redis/", "src/client/", "src/redis_cli/", "src/resp/"]],
  ["src/resp/", ["src/chat/", "src/redis/", "src/client/", "src/redis_cli/"]],
  ["src/chat/", ["src/redis/"]],
  ["src/client/", ["src/redis/", "src/chat/", "src/redis_cli/"]],
  ["src/redis_cli/", ["src/redis/", "src/chat/"]],
  ["src/redis/", ["src/client/", "src/chat/", "src/redis_cli/"]],
  ["src/redis/store/", ["src/redis/commands/", "src/redis/server/", "src/redis/aof/"]],
  ["src/redis/commands/", ["src/redis/server/", "src/redis/aof/"]],
  ["src/redis/aof/", ["src/redis/server/server.ts", "src/redis/server/socket_loop.ts"]],
];

/** The imports that break a FORBIDDEN rule, as `from -> to`. */
function forbidden(graph: Map<string, Set<string>>): string[] {
  const bad: string[] = [];
  for (const [from, to] of graph) {
    for (const [folder, never] of FORBIDDEN) {
      if (!from.startsWith(folder)) continue;
      for (const t of to) if (never.some((n) => t.startsWith(n))) bad.push(`${from} -> ${t}`);
    }
  }
  return bad;
}

async function srcFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(root + dir)) {
      if (e.isDirectory) await walk(`${dir}${e.name}/`);
      else if (e.name.endsWith(".ts")) files.push(dir + e.name);
    }
  };
  await walk("src/");
  return files.sort();
}

Deno.test("src/ has no import cycle", async () => {
  const graph = await moduleGraph(ROOT, await srcFiles(ROOT));
  assert(graph.size > 50, `only ${graph.size} modules found under src/`);
  assertEquals(cycles(graph), []);
});

Deno.test("src/ folders import one way only (chat never the server, the server never the client)", async () => {
  const graph = await moduleGraph(ROOT, await srcFiles(ROOT));
  assertEquals(forbidden(graph), []);
});

Deno.test("the architecture check finds a cycle and a forbidden import when one is added", async () => {
  // A throwaway tree with a three-module loop and the chat importing the server.
  const root = (await Deno.makeTempDir()) + "/";
  try {
    const files: Record<string, string> = {
      "src/a.ts": `import "./b.ts";\nexport const a = 1;\n`,
      "src/b.ts": `import type {} from "./c.ts";\nexport const b = 1;\n`,
      "src/c.ts": `import "./a.ts";\nexport const c = 1;\n`,
      "src/chat/hub.ts": `import "../redis/server/server.ts";\n`,
      "src/redis/server/server.ts": `export const s = 1;\n`,
    };
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(root + path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(root + path, text);
    }
    const graph = await moduleGraph(root, Object.keys(files));
    assertEquals(cycles(graph), [["src/a.ts", "src/b.ts", "src/c.ts"]]);
    assertEquals(forbidden(graph), ["src/chat/hub.ts -> src/redis/server/server.ts"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
