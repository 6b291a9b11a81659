// The test run's environment, as scripts/test.ts sets it: where the API and the database are, an
// admin pool acting as the DBA, and fresh API keys.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { createApiKey, type ApiRole } from "../../scripts/lib/api-keys.js";
import { withSearchPath } from "../../scripts/lib/db.js";

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with npm test`);
  return v;
}

export const apiUrl = required("WA_API_URL");
export const dbUrl = required("WA_DB_URL");
export const jwtSecret = required("WA_JWT_SECRET");

export const db = new pg.Pool({ connectionString: dbUrl, max: 4, ...withSearchPath() });

/** A new key of that role; its label is unique unless given (a label names one active key). */
export async function newKey(role: ApiRole, label = `test-${randomUUID()}`): Promise<string> {
  return (await createApiKey(dbUrl, role, label)).key;
}

/** A fresh gateway key and CRM key, as x-api-key headers. */
export async function roleHeaders() {
  return { gw: { "x-api-key": await newKey("gateway") }, crm: { "x-api-key": await newKey("crm") } };
}
