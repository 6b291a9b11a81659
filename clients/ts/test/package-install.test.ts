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

  it("the CommonJS example runs with require()", async () => {
    const out = JSON.parse(sh(process.execPath, ["out/commonjs-usage.cjs"], { BACKEND_URL: apiUrl, CRM_KEY: await newKey("crm") }));
    expect(out).toMatchObject({ module: "object", notFound: "campaign_not_found" });
  });
});
