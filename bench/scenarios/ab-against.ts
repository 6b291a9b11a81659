// npm run bench -- --against <ref>: the hot paths of this working tree (A) against another build
// (B), each built and served on its own (bench/lib/builds.ts, sides.ts), requests interleaved.
import type { AbRow } from "../lib/ab.js";
import { runAb } from "../lib/ab.js";
import { buildOf, workingTree, type Build } from "../lib/builds.js";
import { describeMachine } from "../lib/machine.js";
import { startSides } from "../lib/sides.js";
import { HOT_PATH_PLANS, hotPathCases } from "./hot-paths.js";

const describe = (b: Build) => ({ label: b.label, commit: b.commit, subject: b.subject });

export interface AbResult {
  command: string;
  date: string;
  mode: string;
  machine: Record<string, string | number>;
  a: ReturnType<typeof describe>;
  b: ReturnType<typeof describe>;
  rounds: number;
  rows: AbRow[];
}

export async function abAgainst(ref: string, quick: boolean): Promise<AbResult> {
  const a = workingTree();
  const b = buildOf(ref);
  const env = await startSides([
    { build: a, name: "A", label: a.label },
    { build: b, name: "B", label: b.label },
  ]);
  try {
    const machine = await describeMachine(env.sides[0]!.adminUrl);
    const plan = HOT_PATH_PLANS[quick ? "quick" : "full"];
    console.log(`A/B (${quick ? "quick" : "full"}): A = ${a.label}, B = ${b.label}; ${plan.rounds} rounds`);
    const rows = await runAb(env.sides[0]!, env.sides[1]!, hotPathCases(plan.perRound), plan.rounds);
    return {
      command: `npm run bench -- --against ${ref}${quick ? " --quick" : ""}`,
      date: new Date().toISOString(),
      mode: quick ? "quick" : "full",
      machine,
      a: describe(a),
      b: describe(b),
      rounds: plan.rounds,
      rows,
    };
  } finally {
    await env.close();
  }
}
