// One release version (docs/operations.md, "Releases"): the root package.json's is the source; the
// client's and the backend's package.json, the lock file and the OpenAPI document carry the same,
// and CHANGELOG.md has its section, with "Upgrade notes" in every section.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { releaseVersion, repoRoot } from "../scripts/lib/paths.js";

const json = (f: string) => JSON.parse(readFileSync(join(repoRoot, f), "utf8"));
const version = releaseVersion();

describe("the release version", () => {
  it("is one: both packages, the lock file and the OpenAPI document carry the root package.json's", () => {
    const lock = json("package-lock.json");
    expect({
      client: json("clients/ts/package.json").version,
      backend: json("packages/backend/package.json").version,
      lock: lock.version,
      lockRoot: lock.packages[""].version,
      lockClient: lock.packages["clients/ts"].version,
      lockBackend: lock.packages["packages/backend"].version,
      openapi: json("db/contracts/openapi.generated.json").info.version,
    }).toEqual({
      client: version,
      backend: version,
      lock: version,
      lockRoot: version,
      lockClient: version,
      lockBackend: version,
      openapi: version,
    });
  });

  it("has its CHANGELOG.md section, and every section its upgrade notes", () => {
    const changelog = readFileSync(join(repoRoot, "CHANGELOG.md"), "utf8");
    const sections = changelog.split(/^(?=## )/m).slice(1);
    expect(sections.map((s) => s.split("\n")[0] ?? "").some((h) => h.startsWith(`## ${version} `))).toBe(true);
    expect(sections.filter((s) => !/^### Upgrade notes$/m.test(s)).map((s) => s.split("\n")[0])).toEqual([]);
  });
});
