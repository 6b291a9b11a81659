// npm run format (SQL part): formats every SQL file the formatter owns (.prettierrc.json,
// .prettierignore), writing a file only when PostgreSQL reads its new text as it read the old
// (scripts/lib/sql-format.ts). `--check`: writes nothing, lists what is not formatted, exits 1 then.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./lib/paths.js";
import { checkFiles, sqlFiles } from "./lib/sql-format.js";

const check = process.argv.includes("--check");
const outcomes = await checkFiles(await sqlFiles());
let failed = 0;
for (const o of outcomes) {
  if (o.error) {
    failed++;
    console.error(`${o.file}: ${o.error}`);
  } else if (!o.formatted && check) {
    failed++;
    console.error(`${o.file}: not formatted (npm run format)`);
  } else if (!o.formatted) {
    writeFileSync(join(repoRoot, o.file), o.text);
    console.log(`${o.file}: formatted`);
  }
}
console.log(`${outcomes.length} SQL files, ${failed} ${check ? "to fix" : "left as they were"}`);
process.exit(failed ? 1 : 0);
