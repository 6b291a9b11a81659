// The example file type-checks (and its @ts-expect-error lines prove wrong payloads do not), and so
// does the Baileys gateway docs/gateway.md shows, pasted as it stands into a module of its own.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { docBlock } from "../../../test/support/doc-blocks.js";

const root = join(import.meta.dirname, "..", "..", "..");
const tsc = join(root, "node_modules", ".bin", "tsc");

describe("types", () => {
  it.each([
    ["clients/ts (sources, example, tests)", join("clients", "ts", "tsconfig.check.json")],
    ["scripts, backend tests and benchmarks", "tsconfig.json"],
  ])("%s pass tsc --noEmit in strict mode", (_, project) => {
    const r = spawnSync(tsc, ["-p", join(root, project)], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it.each([
    ["baileys-gateway", "6.7", "@whiskeysockets/baileys"],
    ["baileys-gateway", "7", "baileys-7"],
    ["baileys-helpers", "6.7", "@whiskeysockets/baileys"],
    ["baileys-helpers", "7", "baileys-7"],
  ])("docs/gateway.md's %s block, pasted as is, passes tsc (Baileys %s)", (name, _, baileys) => {
    const block = docBlock(name, "docs/gateway.md", "ts");
    // Its imports are part of the block: nothing is added but the package name of the Baileys version.
    expect(block).toMatch(/^import makeWASocket, \{ useMultiFileAuthState \} from "@whiskeysockets\/baileys";$/m);
    expect(block).toMatch(/^import \{ createGatewayClient, [\w, ]+ \} from "@wa-campaigns\/client";$/m);
    // Inside clients/ts: its tsconfig.check.json maps @wa-campaigns/client to the package's sources.
    const dir = mkdtempSync(join(root, "clients", "ts", ".doc-block-"));
    try {
      writeFileSync(join(dir, "gateway.ts"), block.replaceAll('"@whiskeysockets/baileys"', `"${baileys}"`));
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "../tsconfig.check.json", include: ["gateway.ts"] }));
      const r = spawnSync(tsc, ["-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
