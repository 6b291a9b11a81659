// Secrets come from the environment, or are generated once for local development and kept in
// the git-ignored .data folder. Nothing secret is ever written to the repository.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir } from "./paths.js";

export const randomSecret = (bytes = 48) => randomBytes(bytes).toString("base64url");

function kept(name: string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const value = randomSecret();
  writeFileSync(file, value + "\n", { mode: 0o600 });
  return value;
}

/** The JWT secret (≥ 32 characters): JWT_SECRET or PGRST_JWT_SECRET, else .data/jwt-secret. */
export function jwtSecret(): string {
  return process.env.JWT_SECRET ?? process.env.PGRST_JWT_SECRET ?? kept("jwt-secret");
}

/** authenticator's password, used only when the database is not the project's own cluster. */
export function authenticatorPassword(): string {
  return process.env.AUTHENTICATOR_PASSWORD ?? kept("authenticator-password");
}
