import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The root the SQL and contracts are read from: the repository (scripts/lib is two levels below
 * it), or the installed backend package (its compiled CLI is one level below, beside the db/ folder
 * that its prepack copied): the nearest folder above this file that holds db/functions.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "db", "functions")) && existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) return join(dirname(fileURLToPath(import.meta.url)), "..", "..");
    dir = up;
  }
}

export const repoRoot = findRoot();
/** Git-ignored folder for the local cluster and generated local secrets. */
export const dataDir = join(repoRoot, ".data");

/**
 * The release's version (semver), one source of truth: the root package.json's `version` (in the
 * installed backend package, its own package.json, stamped with the same version). The client and
 * backend packages, the OpenAPI document's info.version and the database (internal.version()) carry
 * it; `npm run release -- <version>` changes them all (docs/operations.md, "Releases").
 */
export const releaseVersion = (): string =>
  (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

/**
 * What the operator typed to run a command, for messages that name one: the backend package's CLI
 * (packages/backend/src/cli.ts sets WA_CAMPAIGNS_CLI), or `npm run` in a checkout.
 */
export const invokedAs = (npmRun: string, cli: string): string => (process.env.WA_CAMPAIGNS_CLI ? `npx wa-campaigns ${cli}` : npmRun);
