// prepack of @wa-campaigns/backend: copies the SQL and contracts from the repository's db/ (never
// duplicated in git: every migration, function and view present at pack time goes in) and compiles
// the CLI (src/cli.ts and the repository's scripts it runs) into dist/ with esbuild.
import { cpSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const repo = join(pkg, "..", "..");
const version = (dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;

// One release version: the root package.json's, stamped on both packages by `npm run release`.
const want = version(repo);
for (const dir of [pkg, join(repo, "clients", "ts")]) {
  if (version(dir) !== want)
    throw new Error(`${dir}/package.json says ${version(dir)}, the release is ${want}: run npm run release -- ${want}`);
}

for (const d of ["db", "dist"]) rmSync(join(pkg, d), { recursive: true, force: true });
for (const d of ["migrations", "functions", "views", "contracts"]) {
  cpSync(join(repo, "db", d), join(pkg, "db", d), { recursive: true, filter: (src) => !src.endsWith(".md") });
}
cpSync(join(repo, "deploy", "postgrest.conf"), join(pkg, "postgrest.conf"));

const result = await build({
  entryPoints: [join(pkg, "src", "cli.ts")],
  outdir: join(pkg, "dist"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // The package's production dependencies, resolved where npm installs them.
  external: ["pg", "dbmate"],
  banner: { js: "#!/usr/bin/env node" },
  metafile: true,
  logLevel: "warning",
});
const bundled = [
  ...new Set(
    Object.keys(result.metafile.inputs)
      .filter((f) => f.includes("node_modules"))
      .map((f) => f.split("node_modules/")[1]),
  ),
];
if (bundled.length)
  throw new Error(`the CLI would bundle packages (make them dependencies, or keep them out of the CLI's scripts): ${bundled.join(", ")}`);
// On stderr: `npm pack --json` prints its JSON on stdout after the prepack output.
console.error(`@wa-campaigns/backend ${want}: db/ copied, dist/ built (${Object.keys(result.metafile.outputs).length} files)`);
