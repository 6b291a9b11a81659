// The A/B engine: the same requests against two sides, interleaved. Within a round the sides
// alternate request by request (A B, B A, A B, …) and each round starts with the other side than the
// round before, so drift of the machine (other work, caches, autovacuum) lands on both alike. The
// ratio is A / B: below 1.0, A is faster.
import type { Side } from "./sides.js";
import { median, quantile, round } from "./stats.js";

export interface AbCase {
  name: string;
  /** Requests per side in each round, and before the first round (warm-up, not timed). */
  perRound: number;
  warmup: number;
  /** Prepares a side for `requests` requests; a string says why the side cannot serve it ("n/a"). */
  setup(side: Side, requests: number): Promise<true | string>;
  /** The k-th request's body, the same on both sides (built before the clock starts). */
  body(side: Side, k: number): string;
  /** Sends it (timed); throws unless the answer shows the work was done. */
  request(side: Side, body: string, k: number): Promise<void>;
}

export interface AbSideStats {
  medianMs: number;
  p95Ms: number;
  meanMs: number;
  n: number;
}
export interface AbRow {
  case: string;
  a?: AbSideStats;
  b?: AbSideStats;
  /** median(A) / median(B) over every sample. */
  ratio?: number;
  /** The same ratio round by round: its median, lowest and highest. */
  roundRatios?: { median: number; min: number; max: number; rounds: number };
  /** Why there is no comparison. */
  na?: string;
}

const stats = (xs: number[]): AbSideStats => ({
  medianMs: round(median(xs)),
  p95Ms: round(quantile(xs, 0.95)),
  meanMs: round(xs.reduce((x, y) => x + y, 0) / xs.length),
  n: xs.length,
});

/** Called around the timed requests of each case (after setup and warm-up; after the last round). */
export interface AbHooks {
  measuring?(c: AbCase): Promise<void>;
  measured?(c: AbCase, row: AbRow, requests: number): Promise<void>;
}

async function time(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function runAb(a: Side, b: Side, cases: AbCase[], rounds: number, hooks: AbHooks = {}): Promise<AbRow[]> {
  const rows: AbRow[] = [];
  for (const c of cases) {
    const requests = c.warmup + rounds * c.perRound;
    const ready = [await c.setup(a, requests), await c.setup(b, requests)];
    const missing = ready.map((r, i) => (r === true ? undefined : `${[a, b][i]!.name}: ${r}`)).filter(Boolean);
    const send = (side: Side, k: number) => {
      const body = c.body(side, k);
      return time(() => c.request(side, body, k));
    };
    if (missing.length) {
      // Nothing to compare; the side that has the endpoint is still measured, on its own.
      const row: AbRow = { case: c.name, na: missing.join("; ") };
      for (const [key, side] of [
        ["a", a],
        ["b", b],
      ] as const) {
        if (ready[key === "a" ? 0 : 1] !== true) continue;
        for (let k = 0; k < c.warmup; k++) await send(side, k);
        await hooks.measuring?.(c);
        const xs: number[] = [];
        for (let k = c.warmup; k < requests; k++) xs.push(await send(side, k));
        row[key] = stats(xs);
      }
      await hooks.measured?.(c, row, rounds * c.perRound);
      console.log(
        `  ${c.name}: n/a (${row.na})${row.a ? `; A alone ${row.a.medianMs} ms` : ""}${row.b ? `; B alone ${row.b.medianMs} ms` : ""}`,
      );
      rows.push(row);
      continue;
    }
    for (let k = 0; k < c.warmup; k++) {
      await send(a, k);
      await send(b, k);
    }
    await hooks.measuring?.(c);
    const all = { a: [] as number[], b: [] as number[] };
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const inRound = { a: [] as number[], b: [] as number[] };
      for (let j = 0; j < c.perRound; j++) {
        const k = c.warmup + r * c.perRound + j;
        const order = (r + j) % 2 === 0 ? (["a", "b"] as const) : (["b", "a"] as const);
        for (const s of order) inRound[s].push(await send(s === "a" ? a : b, k));
      }
      all.a.push(...inRound.a);
      all.b.push(...inRound.b);
      ratios.push(median(inRound.a) / median(inRound.b));
    }
    const row: AbRow = {
      case: c.name,
      a: stats(all.a),
      b: stats(all.b),
      ratio: round(median(all.a) / median(all.b)),
      roundRatios: { median: round(median(ratios)), min: round(Math.min(...ratios)), max: round(Math.max(...ratios)), rounds },
    };
    await hooks.measured?.(c, row, rounds * c.perRound);
    console.log(
      `  ${c.name}: A ${row.a!.medianMs} ms (p95 ${row.a!.p95Ms}), B ${row.b!.medianMs} ms (p95 ${row.b!.p95Ms}); ` +
        `A/B ${row.ratio}× (rounds ${row.roundRatios!.min}–${row.roundRatios!.max})`,
    );
    rows.push(row);
  }
  return rows;
}

/** POST /rpc/<name> on a side with its gateway or CRM key; the parsed answer, or an error. */
export async function rpc(side: Side, name: string, body: string, key: "gateway" | "crm"): Promise<any> {
  const res = await fetch(`${side.url}/rpc/${name}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-api-key": key === "gateway" ? side.gatewayKey : side.crmKey },
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${side.name} ${name}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}
