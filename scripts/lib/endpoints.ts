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
  /**
   * The client method that calls it (clients/ts/src: gateway.ts, crm.ts, ops.ts by role), or why
   * there is none (`"none: …"`): test/client-methods.test.ts checks that the method exists once.
   */
  client?: string;
  /**
   * The body the auth matrix probes it with (test/http/auth-matrix.test.ts): by default the
   * contract's first counter-example that is an object (a refusal: nothing changes), else {}.
   */
  probe?: unknown;
}

export const DEFAULT_BODY_LIMIT = "64k";

export function loadEndpoints(): Endpoint[] {
  const raw = JSON.parse(readFileSync(join(repoRoot, "db", "contracts", "endpoints.json"), "utf8")) as {
    rpcs: Record<string, { roles: ApiRole[]; bodyLimit?: string; method?: "GET" | "POST"; client?: string; probe?: unknown }>;
    views: Record<string, { roles: ApiRole[]; client?: string }>;
  };
  return [
    ...Object.entries(raw.rpcs).map(([name, e]) => ({
      name,
      kind: "rpc" as const,
      method: e.method ?? ("POST" as const),
      path: `/rpc/${name}`,
      roles: e.roles,
      bodyLimit: e.bodyLimit ?? DEFAULT_BODY_LIMIT,
      client: e.client,
      probe: e.probe,
    })),
    ...Object.entries(raw.views).map(([name, e]) => ({
      name,
      kind: "view" as const,
      method: "GET" as const,
      path: `/${name}`,
      roles: e.roles,
      bodyLimit: DEFAULT_BODY_LIMIT,
      client: e.client,
    })),
  ];
}

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());

/** The client method that calls an endpoint: the catalogue's `client`, else listPascalName for a view, camelName for an RPC. */
export function clientMethod(e: Pick<Endpoint, "kind" | "name" | "client">): string {
  if (e.client) return e.client;
  const c = camel(e.name);
  return e.kind === "view" ? `list${c[0]!.toUpperCase()}${c.slice(1)}` : c;
}

/** The client each role's endpoints are called from (clients/ts/src), and its interface. */
export const CLIENT_FILES: Record<ApiRole, { file: string; iface: string }> = {
  gateway: { file: "clients/ts/src/gateway.ts", iface: "GatewayClient" },
  crm: { file: "clients/ts/src/crm.ts", iface: "CrmClient" },
  ops: { file: "clients/ts/src/ops.ts", iface: "OpsClient" },
};
