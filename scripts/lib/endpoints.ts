// The endpoint catalogue (db/contracts/endpoints.json): every RPC and read view of the API, once,
// with the roles that may call it and its front-door body limit.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.js";

export type ApiRole = "gateway" | "crm" | "ops";
export interface Endpoint {
  name: string;
  kind: "rpc" | "view";
  method: "GET" | "POST";
  path: string;
  roles: ApiRole[];
  /** nginx's client_max_body_size for it (deploy/nginx): the default 64k unless the catalogue says. */
  bodyLimit: string;
}

export const DEFAULT_BODY_LIMIT = "64k";

export function loadEndpoints(): Endpoint[] {
  const raw = JSON.parse(readFileSync(join(repoRoot, "db", "contracts", "endpoints.json"), "utf8")) as {
    rpcs: Record<string, { roles: ApiRole[]; bodyLimit?: string; method?: "GET" | "POST" }>;
    views: Record<string, { roles: ApiRole[] }>;
  };
  return [
    ...Object.entries(raw.rpcs).map(([name, e]) => ({
      name,
      kind: "rpc" as const,
      method: e.method ?? ("POST" as const),
      path: `/rpc/${name}`,
      roles: e.roles,
      bodyLimit: e.bodyLimit ?? DEFAULT_BODY_LIMIT,
    })),
    ...Object.entries(raw.views).map(([name, e]) => ({
      name,
      kind: "view" as const,
      method: "GET" as const,
      path: `/${name}`,
      roles: e.roles,
      bodyLimit: DEFAULT_BODY_LIMIT,
    })),
  ];
}
