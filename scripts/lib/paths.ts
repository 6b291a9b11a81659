import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Git-ignored folder for the local cluster and generated local secrets. */
export const dataDir = join(repoRoot, ".data");
