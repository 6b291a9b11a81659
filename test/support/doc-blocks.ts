// The docs' commands, run as written: a fenced `sh` block right after `<!-- tested: NAME -->` in a
// doc is read from the doc itself and run with sh from the repository's root, the variables it
// names set in its environment (what an operator sets), nothing added to its text. A `ts` block
// so marked is read the same way (docBlock(name, doc, "ts")) and evaluated by its test.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../scripts/lib/paths.js";

export function docBlock(name: string, doc = "docs/deployment.md", lang = "sh"): string {
  const text = readFileSync(join(repoRoot, doc), "utf8");
  const m = text.match(new RegExp(`<!-- tested: ${name} -->\\n([ \\t]*)\`\`\`${lang}\\n([\\s\\S]*?)\\n\\1\`\`\``));
  if (!m) throw new Error(`${doc} has no block marked <!-- tested: ${name} -->`);
  const indent = m[1]!;
  return m[2]!
    .split("\n")
    .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
    .join("\n");
}

/** Runs a block that ends (renders a file, …); throws with its output when it fails. */
export function runBlock(name: string, env: Record<string, string>): string {
  const r = spawnSync("sh", ["-ec", docBlock(name)], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`block ${name} exited ${r.status}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

export interface Service {
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts a block that serves (npm start, postgrest …) in a process group of its own. */
export function startBlock(name: string, env: Record<string, string>): Service {
  const child = spawn("sh", ["-ec", docBlock(name)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    output: () => out,
    exited,
    stop: async () => {
      if (done) return;
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
