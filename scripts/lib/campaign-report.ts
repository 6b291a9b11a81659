// A campaign's progress over time and its failures by error code, as one SVG a person would
// rather look at than read (Vega-Lite, rendered server-side by Vega). Used by npm run ops:report.
// What it draws says what it is: the bin is chosen from the campaign's span and named on the axis,
// times are 24-hour clock times in a named zone, each step has its own colour (failed is red, never
// a shade of sent) and counts are whole groups (integer ticks only).
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { withClient } from "./db.js";

export interface CampaignReport {
  campaignId: number;
  name: string;
  svg: string;
  /** The Vega-Lite specification drawn (its data included). */
  spec: TopLevelSpec;
  /** The time bin chosen from the campaign's span, and its name ("10-minute"). */
  bin: { seconds: number; label: string };
  timeZone: string;
  rows: number;
}

/** The steps a campaign row goes through, in legend order, each with its colour. */
export const STEP_COLOURS = {
  sent: "#1f77b4", // blue
  delivered: "#9467bd", // purple
  read: "#2ca02c", // green
  failed: "#d62728", // red
  cancelled: "#7f7f7f", // grey
} as const;

const BINS = [1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
/** At most this many bins across the campaign's span: enough to see its shape, few enough to read. */
export const MAX_BINS = 48;

/** The smallest bin that covers the span in at most MAX_BINS bins (a day when nothing does). */
export function chooseBin(spanSeconds: number): { seconds: number; label: string } {
  const seconds = BINS.find((b) => Math.ceil(spanSeconds / b) <= MAX_BINS) ?? 86400;
  const label =
    seconds < 60 ? `${seconds}-second` : seconds < 3600 ? `${seconds / 60}-minute` : seconds < 86400 ? `${seconds / 3600}-hour` : "1-day";
  return { seconds, label };
}

/** The machine's time zone (IANA name), else UTC. */
export function defaultTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export async function campaignReport(url: string, campaignId: number, opts: { timeZone?: string } = {}): Promise<CampaignReport> {
  const timeZone = opts.timeZone ?? defaultTimeZone();
  new Intl.DateTimeFormat("en", { timeZone }); // a RangeError for a zone that does not exist, before any query
  return withClient(url, async (c) => {
    const campaign = (
      await c.query<{ name: string; status: string; total_groups: number }>(
        "select name, status, total_groups from wa_data.notification_campaigns where id = $1",
        [campaignId],
      )
    ).rows[0];
    if (!campaign) throw new Error(`no campaign ${campaignId}`);
    const steps = `
      select 'sent' as step, sent_at as t from wa_data.notification_campaign_groups where campaign_id = $1 and sent_at is not null
      union all select 'delivered', delivered_at from wa_data.notification_campaign_groups where campaign_id = $1 and delivered_at is not null
      union all select 'read', read_at from wa_data.notification_campaign_groups where campaign_id = $1 and read_at is not null
      union all select 'failed', failed_at from wa_data.notification_campaign_groups where campaign_id = $1 and failed_at is not null
      union all select 'cancelled', cancelled_at from wa_data.notification_campaign_groups where campaign_id = $1 and cancelled_at is not null`;
    const span = (
      await c.query<{ seconds: number | null; first: string | null }>(
        `with steps as (${steps})
         select extract(epoch from max(t) - min(t))::float8 as seconds,
                to_char(min(t) at time zone $2, 'YYYY-MM-DD HH24:MI') as first
         from steps`,
        [campaignId, timeZone],
      )
    ).rows[0]!;
    const bin = chooseBin(span.seconds ?? 0);
    // Cumulative counts per bin for each step, the bins aligned on the zone's clock (date_bin from
    // a local midnight), each point at its bin's start.
    const progress = (
      await c.query<{ t: string; step: string; n: number }>(
        `with steps as (${steps}),
         binned as (
           select date_bin(make_interval(secs => $3), t at time zone $2, timestamp '2000-01-01') as t, step
           from steps)
         select to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as t, step,
                (sum(count(*)) over (partition by step order by t))::int as n
         from binned group by t, step order by t, step`,
        [campaignId, timeZone, bin.seconds],
      )
    ).rows;
    const failures = (
      await c.query<{ code: string; n: number }>(
        `select coalesce(error_code::text, 'no code') as code, count(*)::int as n
       from wa_data.notification_campaign_groups where campaign_id = $1 and status = 'failed' group by 1 order by 2 desc`,
        [campaignId],
      )
    ).rows;
    // Local clock times drawn on a UTC scale: what the axis shows is the zone's wall clock.
    const format = bin.seconds < 60 ? "%H:%M:%S" : (span.seconds ?? 0) >= 86400 ? "%d %b %H:%M" : "%H:%M";
    const spec: TopLevelSpec = {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      title: {
        text: `Campaign ${campaignId}: ${campaign.name}`,
        subtitle: [
          `${campaign.status}, ${campaign.total_groups} groups`,
          span.first
            ? `from ${span.first} ${timeZone}; groups counted in ${bin.label} bins (24-hour clock, ${timeZone})`
            : "no send results yet",
        ],
      },
      hconcat: [
        {
          title: `Groups over time (cumulative, ${bin.label} bins)`,
          width: 420,
          height: 260,
          data: { values: progress },
          mark: { type: "line", point: true, interpolate: "step-after" },
          encoding: {
            x: {
              field: "t",
              type: "temporal",
              scale: { type: "utc" },
              title: `time (${timeZone}), ${bin.label} bins`,
              axis: { format, labelOverlap: true }, // a UTC scale formats with utcFormat
            },
            y: { field: "n", type: "quantitative", title: "groups", axis: { tickMinStep: 1, format: "d" } },
            color: {
              field: "step",
              type: "nominal",
              title: null,
              scale: { domain: Object.keys(STEP_COLOURS), range: Object.values(STEP_COLOURS) },
            },
          },
        },
        {
          title: "Failures by error code",
          width: 220,
          height: 260,
          data: { values: failures },
          mark: { type: "bar", color: STEP_COLOURS.failed },
          encoding: {
            y: { field: "code", type: "nominal", sort: "-x", title: "error code" },
            x: { field: "n", type: "quantitative", title: "groups", axis: { tickMinStep: 1, format: "d" } },
          },
        },
      ],
    };
    const view = new vega.View(vega.parse(compile(structuredClone(spec)).spec), { renderer: "none" }); // Vega marks the data it is given: the spec returned stays as written
    return {
      campaignId,
      name: campaign.name,
      svg: await view.toSVG(),
      spec,
      bin,
      timeZone,
      rows: progress.length + failures.length,
    };
  });
}
