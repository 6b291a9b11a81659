// Scenario 1's plot: ACK latency against campaign size, both flows, log scales (Vega-Lite → SVG).
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { AckLatencyRow } from "../scenarios/ack-latency.js";

export async function ackLatencySvg(rows: AckLatencyRow[]): Promise<string> {
  const values = rows.flatMap((r) => [
    { size: r.size, flow: "record_message_error (one RPC)", ms: r.oursMedianMs },
    { size: r.size, flow: "original edge-function flow (4 round trips)", ms: r.baselineMedianMs },
  ]);
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Error ACK latency through HTTP (median)",
    width: 520,
    height: 320,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "size", type: "quantitative", scale: { type: "log" }, title: "campaign size (groups)" },
      y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "latency (ms)" },
      color: { field: "flow", type: "nominal", legend: { orient: "top-left", title: null, labelLimit: 400 } },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  return view.toSVG();
}
