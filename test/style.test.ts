// One format and one set of lint rules for TypeScript and JSON: Biome's check (`npm run lint`,
// biome.json) passes on the whole tree; `npm run format` fixes what it reports about layout.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../scripts/lib/paths.js";

it("the tree is formatted and lint-clean (biome ci)", () => {
  const r = spawnSync(join(repoRoot, "node_modules", ".bin", "biome"), ["ci", "--colors=off", "."], { cwd: repoRoot, encoding: "utf8" });
  expect(r.status, `${r.stdout}${r.stderr}`.slice(0, 4000)).toBe(0);
});
