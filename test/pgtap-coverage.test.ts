// pgTAP covers the API: every RPC of the endpoint catalogue is called by some pgTAP file (the
// mutation run, npm run test:mutation, only plants bugs that pgTAP can see); and the mutant list
// (db/tests/mutants.json) is current: each find-text is in its file exactly once (spacing ignored,
// scripts/lib/mutants.ts), so a mutant never silently stops being planted (docs/testing.md).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadEndpoints } from "../scripts/lib/endpoints.js";
import { findSpans, hangGuardMs, judgeFileRun, tryOrder } from "../scripts/lib/mutants.js";
import { repoRoot } from "../scripts/lib/paths.js";

const testsDir = join(repoRoot, "db", "tests");
const pgtap = readdirSync(testsDir)
  .filter((f) => /^\d+_.*\.sql$/.test(f))
  .map((f) => ({ file: f, text: readFileSync(join(testsDir, f), "utf8") }));

describe("pgTAP", () => {
  // NN_what_it_proves.sql: a number names one file (two branches that each took the next free
  // number merge without a conflict, and then two files answer to "pgTAP 54").
  it("numbers each file once", () => {
    const numbers = pgtap.map((t) => t.file.split("_")[0]);
    expect(pgtap.filter((t, i) => numbers.indexOf(t.file.split("_")[0]) !== i).map((t) => t.file)).toEqual([]);
  });

  it("calls every RPC of the endpoint catalogue", () => {
    const uncovered = loadEndpoints()
      .filter((e) => e.kind === "rpc")
      .filter((e) => !pgtap.some((t) => new RegExp(`\\bapi\\.${e.name}\\s*\\(`).test(t.text)))
      .map((e) => e.name);
    expect(uncovered, "RPCs no pgTAP file calls (add cases to db/tests)").toEqual([]);
  });

  it("has a current mutant list: each find-text once in its file, each with its reason", () => {
    const list = JSON.parse(readFileSync(join(testsDir, "mutants.json"), "utf8")) as {
      target: number;
      mutants: { id: string; file: string; find: string; replace: string; why: string }[];
    };
    const problems = list.mutants.flatMap((m) => {
      const n = findSpans(readFileSync(join(repoRoot, m.file), "utf8"), m.find).length;
      return [
        ...(n === 1 ? [] : [`${m.id}: find-text ${n === 0 ? "not" : `${n} times`} in ${m.file}`]),
        ...(m.why.trim() && m.replace !== m.find ? [] : [`${m.id}: needs a change and a why`]),
      ];
    });
    expect(problems).toEqual([]);
    expect(new Set(list.mutants.map((m) => m.id)).size).toBe(list.mutants.length);
    expect(list.mutants.length).toBeGreaterThanOrEqual(40);
  });

  it("a mutation run credits a real failure, never a timeout (scripts/lib/mutants.ts)", () => {
    // pg_prove's output of one file, as the mutation run reads it.
    const timeout =
      "db/tests/22_gateway_locks_stay_bounded.sql .. \npsql:db/tests/22_gateway_locks_stay_bounded.sql:40: ERROR:  canceling statement due to statement timeout\n1..6\nok 1 - a\nDubious, test returned 3\n";
    expect(judgeFileRun(timeout, 1)).toEqual({ kind: "timeout" });
    // An RPC answers the hang guard with its coded 503 (CONVENTIONS.md): still a timeout.
    const coded =
      'psql:db/tests/33_crm_send_cap_is_exact.sql:25: ERROR:  {"code" : "statement_timeout", "message" : "The request ran past its time limit."}\n';
    expect(judgeFileRun(coded, 1)).toEqual({ kind: "timeout" });
    expect(judgeFileRun("1..2\nok 1 - a\nnot ok 2 - totals equal the rows\n", 1)).toEqual({
      kind: "killed",
      test: "totals equal the rows",
    });
    expect(judgeFileRun("psql:db/tests/30_crm_create_campaign.sql:9: ERROR:  division by zero\n", 1)).toEqual({
      kind: "killed",
      test: "error: division by zero",
    });
    expect(judgeFileRun("1..1\nok 1 - a\n", 0)).toEqual({ kind: "passed" });
  });

  it("a mutant's hang guard is relative to the file's own time; its files run last killer first, then by group, each quickest first", () => {
    // 10x the file's unmutated time, at least 10 s: a hang of a quick file is found in seconds.
    expect(hangGuardMs(0.3)).toBe(10_000);
    expect(hangGuardMs(1)).toBe(10_000);
    expect(hangGuardMs(2.8)).toBe(28_000);
    const seconds = new Map([
      ["file-33", 8],
      ["file-05", 2],
      ["file-40", 0.4],
    ]);
    // Two groups: the files that test the function directly, then the rest; each quickest first.
    const groups = [
      ["file-33", "file-05"],
      ["file-40", "file-05"],
    ];
    expect(tryOrder(groups, seconds)).toEqual(["file-05", "file-33", "file-40"]);
    expect(tryOrder(groups, seconds, "file-40")).toEqual(["file-40", "file-05", "file-33"]);
    // A last killer that does not cover this mutant's function is not run for it.
    expect(tryOrder(groups, seconds, "file-50")).toEqual(["file-05", "file-33", "file-40"]);
  });
});
