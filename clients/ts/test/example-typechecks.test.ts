// The example file type-checks (and its @ts-expect-error lines prove wrong payloads do not).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..");

describe("types", () => {
  it.each([
    ["clients/ts (sources, example, tests)", join("clients", "ts", "tsconfig.check.json")],
    ["scripts, backend tests and benchmarks", "tsconfig.json"],
  ])("%s pass tsc --noEmit in strict mode", (_, project) => {
    const r = spawnSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(root, project)], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
