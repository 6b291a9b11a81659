// First contact of a CRM project with the client: the tarball `npm pack` makes, installed into a
// fresh scratch project, compiled there by tsc (strict, NodeNext) from ESM and from CommonJS, and
// run against the real backend.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiUrl, db, newKey } from "../../../test/support/env.js";
import { uniqueSession } from "../../../test/support/fixtures.js";

const repo = join(import.meta.dirname, "..", "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "wa-crm-project-"));
const sh = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  execFileSync(cmd, args, { cwd: scratch, encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });

let tarball = "";
beforeAll(() => {
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--workspace", "clients/ts", "--pack-destination", scratch, "--json"], {
      cwd: repo,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }),
  ) as { filename: string; files: { path: string }[] }[];
  tarball = join(scratch, packed[0]!.filename);
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "crm-project", private: true, type: "module" }));
  sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball]);
  mkdirSync(join(scratch, "src"));
  for (const f of ["crm-usage.ts", "commonjs-usage.cts"]) copyFileSync(join(repo, "clients/ts/examples", f), join(scratch, "src", f));
  writeFileSync(
    join(scratch, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        outDir: "out",
        skipLibCheck: false,
        types: ["node"],
        typeRoots: [join(repo, "node_modules", "@types")],
      },
      include: ["src"],
    }),
  );
});
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await db.end();
});

describe("the packed client in a CRM project", () => {
  it("ships ESM and CommonJS builds with their types, and nothing else of the repository", () => {
    const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
    for (const f of ["esm/index.js", "esm/index.d.ts", "cjs/index.js", "cjs/index.d.ts", "cjs/package.json"]) {
      expect(listing).toContain(`package/dist/${f}`);
    }
    expect(listing.filter((f) => /\/(src|test|examples)\//.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(scratch, "node_modules/@wa-campaigns/client/package.json"), "utf8"));
    expect(Object.keys(pkg.dependencies)).toEqual(["@supabase/postgrest-js"]);
  });

  it("compiles from ESM and CommonJS with the package's own types (tsc strict)", () => {
    const tsc = join(repo, "node_modules", ".bin", "tsc");
    const r = (() => {
      try {
        return sh(tsc, ["-p", "tsconfig.json"]);
      } catch (e) {
        return String((e as { stdout: string }).stdout);
      }
    })();
    expect(r).toBe("");
  });

  it("the ESM example runs against the real backend", async () => {
    const sessionId = uniqueSession("example");
    const env = { BACKEND_URL: apiUrl, CRM_KEY: await newKey("crm"), GATEWAY_KEY: await newKey("gateway"), SESSION_ID: sessionId };
    const out = JSON.parse(sh(process.execPath, ["out/crm-usage.js"], env));
    expect(out).toEqual({
      targets: ["120363400000000002@g.us", "120363400000000003@g.us"], // never the community parent
      status: "partial_failure",
      total: 2,
      sent: 1,
      failed: 1,
      errors: [420],
    });
  });

  // A CommonJS TypeScript project of the classic kind (module CommonJS, Node10 resolution, no
  // "type": "module"), as the README shows it: `import … from` and `import … = require(…)` are
  // typed (each @ts-expect-error below fails the compile if the package's types were not read:
  // an unused one is an error), and so is require() in a JavaScript file checked by tsc (checkJs).
  // (A bare require() in a .ts file is `any` whatever a package ships: TypeScript types require()
  // only in JavaScript files.)
  it("a CommonJS TypeScript project gets the package's types (import from, import = require, require in checked JS) and runs", async () => {
    const dir = join(scratch, "cjs-project");
    mkdirSync(join(dir, "src"), { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "crm-cjs-project", private: true }));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "CommonJS",
          moduleResolution: "Node10",
          strict: true,
          allowJs: true,
          checkJs: true,
          outDir: "out",
          skipLibCheck: false,
          types: ["node"],
          typeRoots: [join(repo, "node_modules", "@types")],
        },
        include: ["src"],
      }),
    );
    writeFileSync(
      join(dir, "src", "imports.ts"),
      `import { createCrmClient, BackendError, type Campaign } from "@wa-campaigns/client";
import client = require("@wa-campaigns/client");
const crm = createCrmClient({ url: process.env.BACKEND_URL!, apiKey: process.env.CRM_KEY! });
export function typeErrors() {
  // @ts-expect-error the client has no such method
  crm.noSuchMethod;
  // @ts-expect-error a campaign id is a number
  void client.createCrmClient({ url: "http://x", apiKey: "k" }).getCampaign("7");
}
const same: typeof createCrmClient = client.createCrmClient;
async function main() {
  const campaigns: Campaign[] = await crm.listCampaigns({ limit: 1 });
  const notFound = await crm.getCampaign(-1).then(() => "", (e: unknown) => (e instanceof BackendError ? e.code : String(e)));
  console.log(JSON.stringify({ module: typeof module, same: same === createCrmClient, campaigns: campaigns.length >= 0, notFound }));
}
void main();
`,
    );
    writeFileSync(
      join(dir, "src", "plain.js"),
      `const { createGatewayClient } = require("@wa-campaigns/client");
const gateway = createGatewayClient({ url: "http://x", apiKey: "k" });
// @ts-expect-error the gateway client has no such method
gateway.noSuchMethod;
// @ts-expect-error sessionId is required
void gateway.syncGroups({ groups: [] }).catch(() => {});
`,
    );
    const tsc = join(repo, "node_modules", ".bin", "tsc");
    let out = "";
    try {
      out = execFileSync(tsc, ["-p", "tsconfig.json"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      out = String((e as { stdout: string }).stdout);
    }
    expect(out).toBe("");
    expect(readFileSync(join(dir, "out", "imports.js"), "utf8")).toMatch(/require\("@wa-campaigns\/client"\)/);
    const run = execFileSync(process.execPath, ["out/imports.js"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, BACKEND_URL: apiUrl, CRM_KEY: await newKey("crm") },
    });
    expect(JSON.parse(run)).toEqual({ module: "object", same: true, campaigns: true, notFound: "campaign_not_found" });
  });

  it("the CommonJS example runs with require()", async () => {
    const out = JSON.parse(sh(process.execPath, ["out/commonjs-usage.cjs"], { BACKEND_URL: apiUrl, CRM_KEY: await newKey("crm") }));
    expect(out).toMatchObject({ module: "object", notFound: "campaign_not_found" });
  });
});
