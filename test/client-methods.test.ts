// The client follows the endpoint catalogue (db/contracts/endpoints.json): every endpoint a client
// should call has its method in the client of one of its roles (gateway.ts, crm.ts, ops.ts), and an
// RPC is called at most once in each client of its roles; an endpoint without one says why in the catalogue.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLIENT_FILES, clientMethod, loadEndpoints, type ApiRole } from "../scripts/lib/endpoints.js";
import { repoRoot } from "../scripts/lib/paths.js";

const source = (role: ApiRole) => readFileSync(join(repoRoot, CLIENT_FILES[role].file), "utf8");
/** The body of `export interface <name> { … }`. */
const interfaceBody = (text: string, name: string) => new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(text)?.[1] ?? "";
/** The places a client file calls the endpoint: an RPC by its quoted name or path, a view by from("name"). */
const callSites = (text: string, e: { kind: "rpc" | "view"; name: string }) =>
  e.kind === "rpc"
    ? [...text.matchAll(new RegExp(`"${e.name}"|/rpc/${e.name}["'\`]`, "g"))].length
    : [...text.matchAll(new RegExp(`from\\("${e.name}"\\)`, "g"))].length;

describe("the clients (clients/ts/src)", () => {
  const endpoints = loadEndpoints();

  it("have one method for every endpoint of the catalogue that is not marked client: none", () => {
    const missing = endpoints
      .filter((e) => !e.client?.startsWith("none:"))
      .flatMap((e) => {
        const method = clientMethod(e);
        const declared = e.roles.filter((r) => new RegExp(`\\n\\s+${method}\\(`).test(interfaceBody(source(r), CLIENT_FILES[r].iface)));
        const calling = e.roles.filter((r) => callSites(source(r), e) > 0);
        return [
          ...(declared.length
            ? []
            : [`${e.kind} ${e.name}: no method ${method}() in ${e.roles.map((r) => CLIENT_FILES[r].iface).join(" or ")}`]),
          ...(calling.length ? [] : [`${e.kind} ${e.name}: not called from ${e.roles.map((r) => CLIENT_FILES[r].file).join(" or ")}`]),
        ];
      });
    expect(missing, "add the method (or `client` in db/contracts/endpoints.json)").toEqual([]);
  });

  // One call site per client of its roles: an RPC two roles may call (record_message_sent: the CRM
  // records its own sends, a dispatching gateway its claimed ones) has one in each of their clients.
  it("call each RPC at most once per client, and only from the clients of its roles", () => {
    const wrong = endpoints
      .filter((e) => e.kind === "rpc" && !e.client?.startsWith("none:"))
      .flatMap((e) =>
        (Object.keys(CLIENT_FILES) as ApiRole[]).flatMap((r) => {
          const n = callSites(source(r), e);
          if (n > 1) return [`${e.name}: called from ${n} places in ${CLIENT_FILES[r].file}`];
          if (n > 0 && !e.roles.includes(r)) return [`${e.name}: called from ${CLIENT_FILES[r].file}, not a client of its roles`];
          return [];
        }),
      );
    expect(wrong).toEqual([]);
  });

  it("never call an endpoint marked client: none", () => {
    const all = (Object.keys(CLIENT_FILES) as ApiRole[]).map(source).join("\n");
    const called = endpoints.filter((e) => e.client?.startsWith("none:") && callSites(all, e) > 0).map((e) => e.name);
    expect(called).toEqual([]);
  });
});
