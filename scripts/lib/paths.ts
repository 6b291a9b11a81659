import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Git-ignored folder for the local cluster and generated local secrets. */
export const dataDir = join(repoRoot, ".data");

/** The API's version: the client package's, which ships with it. */
export const clientVersion = (): string =>
  (JSON.parse(readFileSync(join(repoRoot, "clients", "ts", "package.json"), "utf8")) as { version: string }).version;
