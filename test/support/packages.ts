// The two packages as a user gets them: packed by `npm pack` (each workspace's prepack builds it)
// and installed from the tarballs alone into an empty project, production dependencies only.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../scripts/lib/paths.js";

export type Workspace = "packages/backend" | "clients/ts";

/** `npm pack` of a workspace into `dest`: the tarball's path. */
export function pack(workspace: Workspace, dest: string): string {
  const out = execFileSync("npm", ["pack", "--workspace", workspace, "--pack-destination", dest, "--json"], {
    cwd: repoRoot,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return join(dest, (JSON.parse(out) as { filename: string }[])[0]!.filename);
}

export interface Project {
  dir: string;
  /** `npx wa-campaigns <args>` in the project, as an operator runs it. */
  cli(args: string[], env?: Record<string, string>): { code: number | null; out: string; err: string };
  remove(): void;
}

/** An empty project with only these tarballs installed (npm install --omit=dev). */
export function installProject(tarballs: string[], prefix = "wa-project-"): Project {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "ops-project", private: true, type: "module" }));
  execFileSync("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", ...tarballs], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return {
    dir,
    cli: (args, env = {}) => {
      // Nothing of the repository on the way: not its node_modules/.bin, not its cwd.
      const r = spawnSync("npx", ["--no-install", "wa-campaigns", ...args], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, DATABASE_URL: "", ...env },
      });
      return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
